"""The commune desk of the dossier tests, a procedure with fees, the payment system's account, and
the stand-in gateway served over real HTTP on a loopback port.

The stand-in's server-to-server notification (IPN) cannot be sent to a running Django server: the
test database lives in the test's own transaction, on the test's thread. So the stand-in is given
a transport (`IpnRelay`) that hands the exact URL it signed to the test's thread, which sends it
through Django's test client and gives the real answer back to the stand-in.
"""

from __future__ import annotations

import http.client
import queue
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from django.test import Client

from accounts.factories import citizen
from dossiers import conftest as dossier_fixtures
from dossiers.conftest import pdf_bytes, procedure_published
from tinhso.catalog.models import WorkflowDefinition
from tinhso.dossiers import services
from tinhso.dossiers.models import Dossier
from tinhso.payments.services import payment_system_account_ensure
from tinhso.standins import Journal, serve_in_thread
from tinhso.standins.payment import Merchant, PaymentGatewayStandin

desk = dossier_fixtures.desk
_files_in_tmp = dossier_fixtures._files_in_tmp

TMN_CODE = "THUNGHIEM"
SECRET = "bi-mat-cua-bai-kiem-thu-khong-dung-that"
#: Two fee lines, 1.250.000 đồng in all (test data, not a real procedure's fees).
FEES = [
    {"code": "LP", "name": "Lệ phí cấp giấy phép (thử nghiệm)", "kind": "charge", "amount": 1_000_000, "note": ""},
    {"code": "PTD", "name": "Phí thẩm định hồ sơ (thử nghiệm)", "kind": "fee", "amount": 250_000,
     "note": "Thu một lần cho mỗi hồ sơ"},
]
FEE_TOTAL = 1_250_000
FORM = {"ho_ten_tre": "Nguyễn Văn Bình", "ngay_sinh": "2026-02-01", "gioi_tinh": "Nam"}


class IpnRelay:
    """Transport of the stand-in's IPN into Django's test client, on the test's thread."""

    def __init__(self):
        self.deliver = True
        self.delivered: list[str] = []
        self._slots: queue.Queue = queue.Queue()

    def transport(self, url: str, timeout: float) -> tuple[int, bytes]:  # runs on the stand-in's thread
        if not self.deliver:
            raise ConnectionRefusedError("the merchant's server is unreachable (test)")
        slot = {"url": url, "done": threading.Event()}
        self._slots.put(slot)
        if not slot["done"].wait(timeout):
            raise TimeoutError("no answer from the merchant (test)")
        return slot["status"], slot["body"]

    def serve_one(self, client: Client, timeout: float = 15):
        slot = self._slots.get(timeout=timeout)
        response = send_ipn(client, slot["url"])
        slot["status"], slot["body"] = response.status_code, response.content
        slot["done"].set()
        self.delivered.append(slot["url"])
        return response


def send_ipn(client: Client, url: str):
    """GET the notification URL as the gateway does, with its query string byte for byte."""
    parts = urllib.parse.urlsplit(url)
    return client.get(f"{parts.path}?{parts.query}", REMOTE_ADDR="127.0.0.1")


class _Form(HTMLParser):
    def __init__(self):
        super().__init__()
        self.action, self.fields, self.buttons = "", {}, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.action = attrs.get("action", "")
        if tag == "input" and attrs.get("type") == "hidden":
            self.fields[attrs["name"]] = attrs.get("value", "")
        if tag == "button":
            self.buttons.append(attrs.get("value"))


@dataclass
class GatewayPage:
    status: int
    html: str
    action: str = ""
    fields: dict = field(default_factory=dict)
    buttons: list = field(default_factory=list)


@dataclass
class StandinGateway:
    app: PaymentGatewayStandin
    base: str
    relay: IpnRelay
    journal: Journal

    def open(self, url: str) -> GatewayPage:
        """The citizen's browser opens the gateway's pay page."""
        try:
            with urllib.request.urlopen(url, timeout=15) as response:
                status, body = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read().decode()
        form = _Form()
        form.feed(body)
        return GatewayPage(status, body, form.action, form.fields, form.buttons)

    def choose(self, page: GatewayPage, choice: str, *, ipn_client: Client | None = None) -> str:
        """Press a button on the pay page; the stand-in notifies us (through the relay, served
        here by `ipn_client`) before it answers the browser. Returns where the browser is sent."""
        result: dict = {}

        def post():
            parts = urllib.parse.urlsplit(self.base)
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            connection.request("POST", page.action, body=urllib.parse.urlencode({**page.fields, "choice": choice}),
                               headers={"Content-Type": "application/x-www-form-urlencoded"})
            response = connection.getresponse()
            result.update(status=response.status, location=response.getheader("Location"))
            connection.close()

        browser = threading.Thread(target=post)
        browser.start()
        if ipn_client is not None and self.relay.deliver:
            self.relay.serve_one(ipn_client)
        browser.join(30)
        assert result.get("status") == 302, result
        return result["location"]


@pytest.fixture
def gateway(settings):
    relay = IpnRelay()
    journal = Journal("thanh-toan-test")
    app = PaymentGatewayStandin([Merchant(TMN_CODE, SECRET, "http://testserver/thanh-toan/ipn/")],
                                transport=relay.transport, journal=journal)
    server, base = serve_in_thread(app)
    settings.TINHSO_PAY_GATEWAY = "vnpay"
    settings.TINHSO_PAY_URL = f"{base}/paymentv2/vpcpay.html"
    settings.TINHSO_PAY_QUERY_URL = ""
    settings.TINHSO_PAY_TMN_CODE = TMN_CODE
    settings.TINHSO_PAY_HASH_SECRET = SECRET
    settings.TINHSO_PAY_IPN_ALLOWED_IPS = []
    yield StandinGateway(app, base, relay, journal)
    server.shutdown()
    server.server_close()


@pytest.fixture
def licence(desk):
    """A procedure with fees, on the standard one-stop workflow, at the test commune."""
    return procedure_published(code="9.000001", name="Cấp giấy phép thử nghiệm có thu phí",
                               workflow=WorkflowDefinition.objects.get(code="mot-cua-chuan"),
                               agencies=[desk.commune], fees=FEES)


@pytest.fixture
def pay_account(desk, settings):
    settings.TINHSO_PAY_SYSTEM_ACCOUNT = "he-thong.thanh-toan"
    return payment_system_account_ensure(agency=desk.province_committee)


def filed_online(desk, licence, applicant=None) -> Dossier:
    applicant = applicant or desk.citizen
    dossier, _ = services.dossier_intake(
        actor=applicant, procedure_code=licence.procedure.code, receiving_agency=desk.commune, source="online",
        applicant=services.Applicant(name=applicant.full_name, id_number=applicant.personal_id), form_data=FORM,
        files=[services.IncomingFile(name="to-khai.pdf", data=pdf_bytes("tk"), component_code="TK"),
               services.IncomingFile(name="gcs.pdf", data=pdf_bytes("gcs"), component_code="GCS")])
    return dossier


def waiting_for_fees(desk, licence) -> Dossier:
    """Filed online, accepted, and the specialist asks for the financial obligation."""
    dossier = filed_online(desk, licence)
    services.dossier_act(actor=desk.receiver, dossier_id=dossier.pk, action="tiep_nhan")
    services.dossier_act(actor=desk.specialist, dossier_id=dossier.pk, action="yeu_cau_nghia_vu_tai_chinh")
    dossier.refresh_from_db()
    assert dossier.state == "cho_nghia_vu_tai_chinh"
    return dossier


@pytest.fixture
def applicant_client(desk):
    client = Client()
    client.force_login(desk.citizen)
    return client


@pytest.fixture
def other_citizen(db):
    return citizen("086301000456")
