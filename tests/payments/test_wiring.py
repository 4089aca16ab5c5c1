"""How the payment pieces are wired in a deployment: the stand-in mounted under /gia-lap/ with the
demo merchant, the status query's own refusals, the payment system's account, one open payment
per dossier in the database."""

from __future__ import annotations

import datetime as dt
import io
import json
import urllib.parse
from wsgiref.util import setup_testing_defaults

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from tinhso.accounts.models import AgencyRole, Role, User
from tinhso.payments.models import Payment, PaymentStatus
from tinhso.payments.vnpay import VnpayGateway
from tinhso.standins import Mount, standin_app
from tinhso.standins.payment import DEMO_HASH_SECRET, DEMO_TMN_CODE

from .conftest import FEE_TOTAL, filed_online

pytestmark = pytest.mark.django_db


def call(app, method: str, path: str, query: str = "", body: bytes = b"", content_type: str = ""):
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query,
               "CONTENT_LENGTH": str(len(body)), "CONTENT_TYPE": content_type, "wsgi.input": io.BytesIO(body)}
    setup_testing_defaults(environ)
    answer = {}

    def start_response(status, headers):
        answer.update(status=int(status.split()[0]), headers=dict(headers))

    answer["body"] = b"".join(app(environ, start_response)).decode()
    return answer


def test_the_demo_mounts_the_stand_in_with_the_merchant_the_settings_use(desk, licence, settings, monkeypatch):
    """TINHSO_STANDINS=1 with nothing else set: our adapter and the mounted stand-in share the demo
    merchant, and the pay page posts back under /gia-lap/thanh-toan/."""
    for name in ("TINHSO_PAY_TMN_CODE", "TINHSO_PAY_HASH_SECRET", "TINHSO_PAY_IPN_URL"):
        monkeypatch.delenv(name, raising=False)
    settings.TINHSO_PAY_URL = "http://testserver/gia-lap/thanh-toan/paymentv2/vpcpay.html"
    settings.TINHSO_PAY_TMN_CODE, settings.TINHSO_PAY_HASH_SECRET = DEMO_TMN_CODE, DEMO_HASH_SECRET
    dossier = filed_online(desk, licence)
    now = timezone.now()
    payment = Payment.objects.create(dossier=dossier, amount=FEE_TOTAL, description="Thanh toán phí hồ sơ",
                                     gateway="vnpay", reference="DEMO0001", expires_at=now + dt.timedelta(
                                         minutes=15))
    url, _params = VnpayGateway().create(payment, return_url="http://testserver/thanh-toan/ket-qua/",
                                         notify_url="", client_ip="127.0.0.1")
    assert standin_app("thanh-toan") is not None
    mounted = Mount(lambda environ, start_response: [])
    parts = urllib.parse.urlsplit(url)

    page = call(mounted, "GET", parts.path, parts.query)

    assert page["status"] == 200, page["body"]
    assert 'action="/gia-lap/thanh-toan/paymentv2/vpcpay.html"' in page["body"]
    assert "1.250.000 VND" in page["body"] and "không phải cổng thật" in page["body"]


@pytest.mark.parametrize(("request_body", "code"), [
    ({"vnp_Command": "querydr", "vnp_TmnCode": DEMO_TMN_CODE, "vnp_TxnRef": "X", "vnp_SecureHash": "00"}, "97"),
    ({"vnp_Command": "querydr", "vnp_TmnCode": "KHONGCO", "vnp_TxnRef": "X"}, "02"),
])
def test_the_stand_in_refuses_a_status_query_it_cannot_trust(request_body, code):
    answer = call(standin_app("thanh-toan"), "POST", "/merchant_webapi/api/transaction",
                  body=json.dumps(request_body).encode(), content_type="application/json")
    assert json.loads(answer["body"])["vnp_ResponseCode"] == code


def test_payments_setup_gives_the_system_account_the_integration_role_once(desk, settings):
    settings.TINHSO_PAY_SYSTEM_ACCOUNT = "he-thong.thanh-toan"
    call_command("payments_setup", "--agency", desk.province_committee.code, stdout=io.StringIO())
    call_command("payments_setup", "--agency", desk.province_committee.code, stdout=io.StringIO())
    account = User.objects.get(username="he-thong.thanh-toan")
    assert not account.has_usable_password() and account.is_official
    assert list(AgencyRole.objects.filter(user=account).values_list("agency", "role")) == [
        (desk.province_committee.pk, Role.INTEGRATION)]


def test_the_database_holds_one_open_payment_per_dossier(desk, licence):
    dossier = filed_online(desk, licence)
    later = timezone.now() + dt.timedelta(minutes=15)
    Payment.objects.create(dossier=dossier, amount=FEE_TOTAL, description="1", gateway="vnpay", reference="A1",
                           status=PaymentStatus.PENDING, expires_at=later)
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(dossier=dossier, amount=FEE_TOTAL, description="2", gateway="vnpay", reference="A2",
                               status=PaymentStatus.CREATED, expires_at=later)
    Payment.objects.create(dossier=dossier, amount=FEE_TOTAL, description="3", gateway="vnpay", reference="A3",
                           status=PaymentStatus.CANCELLED, expires_at=later)
