"""The commune desk of the dossier tests, the SMS and Zalo stand-ins on free loopback ports, the
real task worker (django-tasks' database backend) and a clock that can be moved forward."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone

from dossiers import conftest as dossier_fixtures
from dossiers.conftest import pdf_bytes
from tinhso.dossiers import services
from tinhso.dossiers.models import Dossier
from tinhso.standins import Journal, serve_in_thread
from tinhso.standins.sms import SEND_PATH, SmsStandin
from tinhso.standins.zalo import ZaloStandin

# The commune desk (officials, citizen, birth registration on the standard workflow) and its
# temporary file storage.
desk = dossier_fixtures.desk
_files_in_tmp = dossier_fixtures._files_in_tmp

VN = ZoneInfo("Asia/Ho_Chi_Minh")
BIRTH = {"ho_ten_tre": "Nguyễn Văn Bình", "ngay_sinh": "2026-02-01", "gioi_tinh": "Nam", "noi_sinh": "Bệnh viện tỉnh"}
PARENT = services.Applicant(name="Trần Thị Hồng Đào", id_number="086085000123", phone="0912345678",
                            email="dao.tran@example.vn", address="Ấp Phú Hòa, xã Phú Túc")


@pytest.fixture(autouse=True)
def _notification_settings(settings, monkeypatch):
    """No stand-in of the demo process, no journal files under var/; only the channels a test
    starts are configured; the scan lag as in production."""
    monkeypatch.delenv("TINHSO_DATA_DIR", raising=False)
    settings.TINHSO_NOTIFY_CHANNELS = ["email", "sms", "zalo"]
    settings.TINHSO_SMS_URL = ""
    settings.TINHSO_ZALO_ZNS_URL = ""
    settings.TINHSO_NOTIFY_TRACKING_URL = "https://dichvucong.example.vn/tra-cuu/?ma={code}"
    settings.TINHSO_NOTIFY_HTTP_TIMEOUT = 2
    settings.TINHSO_NOTIFY_RETRY_BASE_SECONDS = 60
    settings.TINHSO_NOTIFY_MAX_ATTEMPTS = 8
    settings.TINHSO_NOTIFY_SCAN_LAG_SECONDS = 120
    settings.TINHSO_NOTIFY_SWEEP_GRACE_SECONDS = 300
    settings.TINHSO_SMS_UNACCENTED = True
    settings.TINHSO_ZALO_ZNS_TEMPLATES = {}


@dataclass
class Running:
    app: SmsStandin | ZaloStandin
    url: str

    @property
    def journal(self) -> Journal:
        return self.app.journal

    def accepted(self) -> list[dict]:
        return [r for r in self.journal.items() if r.get("code_result", r.get("error")) in ("100", 0)]


@pytest.fixture
def sms(settings):
    """The SMS brandname stand-in on a free port, and the SMS channel pointed at it."""
    app = SmsStandin(journal=Journal("sms-test"), api_key="khoa-thu", secret_key="bi-mat-thu",
                     brandname="UBND-TEST", slow_seconds=4)
    server, base = serve_in_thread(app)
    settings.TINHSO_SMS_URL = base + SEND_PATH + "/"
    settings.TINHSO_SMS_API_KEY = "khoa-thu"
    settings.TINHSO_SMS_SECRET_KEY = "bi-mat-thu"
    settings.TINHSO_SMS_BRANDNAME = "UBND-TEST"
    yield Running(app, base)
    _stop(server)


def _stop(server) -> None:
    """shutdown() waits for the serving loop's next poll (half a second): let it wait elsewhere."""
    def stop():
        server.shutdown()
        server.server_close()

    threading.Thread(target=stop, daemon=True).start()


@pytest.fixture
def zalo(settings):
    """The Zalo ZNS stand-in on a free port with its demo templates, and the channel pointed at it."""
    app = ZaloStandin(journal=Journal("zalo-test"), access_token="ma-truy-cap-thu",
                      no_zalo=frozenset({"84987000111"}))
    server, base = serve_in_thread(app)
    settings.TINHSO_ZALO_ZNS_URL = base + "/message/template"
    settings.TINHSO_ZALO_ACCESS_TOKEN = "ma-truy-cap-thu"
    settings.TINHSO_ZALO_ZNS_TEMPLATES = {"accepted": "100001", "supplement_requested": "100002",
                                          "extended": "100003", "result_ready": "100004", "refused": "100005"}
    yield Running(app, base)
    _stop(server)


@pytest.fixture
def worker(monkeypatch):
    """Run django-tasks' own database worker until the queue is empty. Inside a test transaction
    the worker must not close the connection between tasks (it does so to drop stale ones)."""
    import django_tasks_db.management.commands.db_worker as db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)

    def run() -> None:
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--interval", "0", verbosity=0)

    return run


class Clock:
    def __init__(self, start: dt.datetime):
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    """Monday 09/02/2026 09:00 in Vietnam; moved forward by the test."""
    c = Clock(dt.datetime(2026, 2, 9, 9, 0, tzinfo=VN))
    monkeypatch.setattr(timezone, "now", c)
    return c


def accepted_at_counter(desk, applicant: services.Applicant = PARENT) -> Dossier:
    """A birth registration received and accepted at the commune counter (appointment fixed)."""
    files = [services.IncomingFile(name="to-khai.pdf", data=pdf_bytes("tk"), component_code="TK", digitised=True),
             services.IncomingFile(name="gcs.pdf", data=pdf_bytes("gcs"), component_code="GCS", digitised=True)]
    dossier, _created = services.dossier_intake(
        actor=desk.receiver, procedure_code="1.001193", receiving_agency=desk.commune, applicant=applicant,
        source="counter", form_data=BIRTH, files=files, accept=True)
    return dossier


def dossier_state(dossier: Dossier) -> dict:
    """Every column of the dossier row, to show a notification pass changed none of them."""
    row = Dossier.objects.filter(pk=dossier.pk).values().get()
    return row
