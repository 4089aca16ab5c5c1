"""The `tinhso` command: demo, serve, worker, check-audit, and every Django management command.

    tinhso demo [--host H] [--port P]   set up the SQLite demo (migrate, demo data) and serve it
    tinhso serve [--host H] [--port P]  production server (gunicorn, gthread workers, whitenoise)
    tinhso worker                       background tasks (django-tasks database backend)
    tinhso scheduler                    enqueue the periodic tasks on their schedules (django-crontask)
    tinhso check-audit                  verify the audit log's hash chain; exit 1 if broken
    tinhso <django command> ...         e.g. tinhso migrate, tinhso createsuperuser
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from pathlib import Path


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tinhso.settings")
    import django

    django.setup()


def _demo_environment() -> None:
    """The demo runs without any configuration: SQLite under var/, a generated secret key."""
    data_dir = Path(os.environ.setdefault("TINHSO_DATA_DIR", str(Path.cwd() / "var")))
    data_dir.mkdir(parents=True, exist_ok=True)
    key_file = data_dir / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    os.environ.setdefault("SECRET_KEY", key_file.read_text().strip())
    os.environ["TINHSO_DEMO"] = "1"


def _serve(host: str, port: int) -> None:
    from gunicorn.app.base import BaseApplication

    from tinhso.wsgi import application

    options = {
        "bind": f"{host}:{port}",
        "worker_class": "gthread",
        "workers": int(os.environ.get("TINHSO_WORKERS", "2")),
        "threads": int(os.environ.get("TINHSO_THREADS", "4")),
        "timeout": 60,
        "accesslog": "-",
    }

    class Server(BaseApplication):
        def load_config(self):
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self):
            return application

    Server().run()


def _background(*commands: str) -> None:
    """The demo runs the background worker and the scheduler beside the server (notifications,
    signing, payments' follow-ups), stopped with it. Production runs them as their own services."""
    import atexit
    import subprocess

    children = [subprocess.Popen([sys.executable, "-m", "tinhso.cli", command]) for command in commands]

    def stop() -> None:
        for child in children:
            child.terminate()
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()

    atexit.register(stop)


def _host_port(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="tinhso")
    parser.add_argument("--host", default=os.environ.get("TINHSO_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("TINHSO_PORT", "8000")))
    parser.add_argument("--no-serve", action="store_true", help="set up the demo only")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = argv[0] if argv else "help"
    from django.core.management import call_command, execute_from_command_line

    if command == "demo":
        args = _host_port(argv[1:])
        os.environ.setdefault("TINHSO_BASE_URL", f"http://{args.host}:{args.port}")
        _demo_environment()
        _setup_django()
        call_command("collectstatic", interactive=False, verbosity=0)
        call_command("demo_setup", base_url=f"http://{args.host}:{args.port}")
        if not args.no_serve:
            _background("worker", "scheduler")
            _serve(args.host, args.port)
        return 0
    if command == "serve":
        args = _host_port(argv[1:])
        _setup_django()
        call_command("collectstatic", interactive=False, verbosity=0)
        _serve(args.host, args.port)
        return 0
    if command == "worker":
        _setup_django()
        call_command("db_worker", *argv[1:])
        return 0
    if command == "scheduler":
        _setup_django()
        call_command("crontask", *argv[1:])
        return 0
    if command == "check-audit":
        _setup_django()
        from django.core.management.base import CommandError

        try:
            call_command("check_audit")
        except CommandError as error:
            print(error, file=sys.stderr)
            return 1
        return 0
    if command in {"help", "-h", "--help"}:
        print(__doc__)
        return 0
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tinhso.settings")
    execute_from_command_line(["tinhso", *argv])
    return 0


if __name__ == "__main__":
    sys.exit(main())
