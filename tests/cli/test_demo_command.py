"""README command (a): `tinhso demo` sets up a fresh SQLite demo and serves it.

Runs the real console script in a subprocess, in an empty data directory, on a free port, and
talks to it over HTTP like a browser would. (`make demo` only adds the venv and the install.)
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

TINHSO = Path(sys.executable).with_name("tinhso")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read().decode()


@pytest.fixture
def demo_server(tmp_path):
    if not TINHSO.exists():
        pytest.fail(f"console script not installed next to {sys.executable}")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY", "REDIS_URL"}}
    env.update(TINHSO_DATA_DIR=str(tmp_path / "var"), TINHSO_WORKERS="1", PYTHONUNBUFFERED="1")
    env.pop("PYTEST_XDIST_WORKER", None)
    log = (tmp_path / "demo.log").open("w+")
    process = subprocess.Popen([str(TINHSO), "demo", "--port", str(port)], cwd=tmp_path, env=env,
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        # A readiness deadline, not a speed check (the suite runs beside it on 2 cores).
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if process.poll() is not None:
                log.seek(0)
                pytest.fail(f"tinhso demo exited with {process.returncode}:\n{log.read()[-3000:]}")
            try:
                if _get(f"{base}/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("tinhso demo did not answer /healthz within 300 s")
        log.seek(0)
        yield base, log.read(), tmp_path / "var"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        log.close()
        shutil.rmtree(tmp_path / "var", ignore_errors=True)


def test_the_demo_sets_up_prints_accounts_and_serves_in_vietnamese(demo_server):
    base, output, data_dir = demo_server

    assert (data_dir / "tinhso.sqlite3").exists()
    assert (data_dir / "secret_key").stat().st_mode & 0o077 == 0  # readable by its owner only
    for username in ("086085000123", "ttpvhcc.tiepnhan", "xa.lanhdao", "tinh.quantri"):
        assert username in output
    assert "TOTP:" in output
    assert "demo dossiers: 8" in output  # one birth registration at every step of the workflow

    status, home = _get(f"{base}/")
    assert status == 200
    assert '<html lang="vi"' in home
    assert "Vĩnh Long" in home

    status, units = _get(f"{base}/api/v1/units?level=province&date=2026-01-01")
    assert status == 200
    assert '"count": 34' in units

    status, login = _get(f"{base}/tai-khoan/login/")
    assert status == 200
    assert "Đăng nhập" in login

    status, procedures = _get(f"{base}/api/v1/procedures?q=dang%20ky%20khai%20sinh")
    assert status == 200
    assert '"code": "1.001193"' in procedures

    # Citizen side: the portal, public tracking, the verification page.
    for path in ("/dich-vu-cong/", "/tra-cuu/", "/xac-thuc/"):
        assert _get(f"{base}{path}")[0] == 200

    # The stand-ins of national systems answer in the same server, and say what they are.
    status, sms = _get(f"{base}/gia-lap/sms/")
    assert status == 200 and "giả lập" in sms.lower()

    # The monitor's data: the three seed plans and a synthetic year of dossiers.
    assert "synthetic dossiers for the monitor: 3000" in output
    status, plans = _get(f"{base}/api/v1/kpi/plans")
    assert status == 200 and '"count": 3' in plans
