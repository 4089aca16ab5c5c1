"""Local stand-ins for the external national systems (SMS brandname, Zalo ZNS, payment gateway, …).

A stand-in is a small WSGI application that speaks the same HTTP protocol as the real service and
records what it receives, so that the product's adapters run their real code path end to end on a
machine without the real service. They are **stand-ins, not the services**: nothing sent to them
reaches a citizen or moves money.

- The demo mounts every stand-in under ``/gia-lap/<name>/`` in the same server process
  (``TINHSO_STANDINS=1``, set by ``tinhso demo``); production leaves them off.
- Tests start one on a free loopback port with :func:`serve_in_thread`.
- Register a stand-in by adding ``"<name>": "<module>:<attribute>"`` to :data:`STANDINS`.

Stand-ins never import Django models: they keep their records in memory and, when
``TINHSO_DATA_DIR`` is set, append them as JSON lines to ``<data dir>/standins/<name>.jsonl``.
"""

from __future__ import annotations

import importlib
import json
import os
import threading
import time
from pathlib import Path
from typing import Any, Callable
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from socketserver import ThreadingMixIn

WSGIApp = Callable[..., Any]

#: name → "module:attribute" of its WSGI application.
STANDINS: dict[str, str] = {
    "thanh-toan": "tinhso.standins.payment:application",
    "sms": "tinhso.standins.sms:app",
    "zalo": "tinhso.standins.zalo:app",
}

PREFIX = "/gia-lap/"


def standin_app(name: str) -> WSGIApp:
    module, _, attribute = STANDINS[name].partition(":")
    return getattr(importlib.import_module(module), attribute)


class Journal:
    """What a stand-in received, in arrival order; thread-safe; optionally mirrored to a file."""

    def __init__(self, name: str):
        self.name = name
        self._lock = threading.Lock()
        self._items: list[dict[str, Any]] = []

    def _path(self) -> Path | None:
        data_dir = os.environ.get("TINHSO_DATA_DIR")
        return Path(data_dir) / "standins" / f"{self.name}.jsonl" if data_dir else None

    def record(self, item: dict[str, Any]) -> dict[str, Any]:
        item = {"received_at": time.time(), **item}
        with self._lock:
            self._items.append(item)
            path = self._path()
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
                with path.open("a", encoding="utf-8") as out:
                    out.write(json.dumps(item, ensure_ascii=False) + "\n")
        return item

    def items(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the stand-ins' access log is their journal
        pass


def serve_in_thread(app: WSGIApp, *, host: str = "127.0.0.1", port: int = 0):
    """Serve `app` on a loopback port in a daemon thread. Returns (server, base_url); stop it with
    ``server.shutdown()``."""
    server = make_server(host, port, app, server_class=_ThreadingServer, handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="standin", daemon=True)
    thread.start()
    return server, f"http://{host}:{server.server_port}"


class Mount:
    """WSGI middleware: requests under ``/gia-lap/<name>/`` go to that stand-in, the rest to `app`."""

    def __init__(self, app: WSGIApp):
        self.app = app
        self._apps: dict[str, WSGIApp] = {}

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith(PREFIX):
            name, _, rest = path[len(PREFIX):].partition("/")
            if name in STANDINS:
                if name not in self._apps:
                    self._apps[name] = standin_app(name)
                environ = dict(environ, SCRIPT_NAME=environ.get("SCRIPT_NAME", "") + PREFIX + name,
                               PATH_INFO="/" + rest)
                return self._apps[name](environ, start_response)
        return self.app(environ, start_response)
