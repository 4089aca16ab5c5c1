"""Paying a dossier's fees online through the stand-in gateway, end to end over real HTTP: the pay
button, the gateway's page, its signed notification (IPN) to us, the return page, the status query —
and the callbacks that must be refused: forged, replayed, with the wrong amount."""

from __future__ import annotations

import re
import urllib.parse

import pytest
from django.test import Client

from accounts.totp import activate_totp

from tinhso.core.models import AuditEntry
from tinhso.dossiers.models import Dossier, DossierEvent
from tinhso.payments.models import EventKind, Outcome, Payment, PaymentEvent, PaymentStatus
from tinhso.standins.payment import sign_params

from .conftest import FEE_TOTAL, SECRET, TMN_CODE, filed_online, send_ipn, waiting_for_fees

pytestmark = pytest.mark.django_db


def pay_page_url(code: str) -> str:
    return f"/thanh-toan/ho-so/{code}/"


def press_pay(client: Client, dossier: Dossier, key: str = "bam-nut-1"):
    return client.post(pay_page_url(dossier.code), {"idempotency_key": key})


def back_to_us(client: Client, location: str):
    """The browser follows the gateway's redirect to our return page."""
    parts = urllib.parse.urlsplit(location)
    return client.get(f"{parts.path}?{parts.query}")


def ipn_params(location: str) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))


def test_the_citizen_pays_and_the_dossier_moves_past_its_financial_step(
        desk, licence, pay_account, gateway, applicant_client):
    dossier = waiting_for_fees(desk, licence)
    events_before = dossier.events.count()

    page = applicant_client.get(pay_page_url(dossier.code)).content.decode()
    assert "1.250.000 đồng" in page and "1.000.000 đồng" in page and "250.000 đồng" in page
    assert "Thanh toán trực tuyến" in page

    response = press_pay(applicant_client, dossier)
    assert response.status_code == 302 and response["Location"].startswith(gateway.base + "/paymentv2/vpcpay.html?")
    payment = Payment.objects.get(dossier=dossier)
    assert (payment.status, payment.amount, payment.payer) == (PaymentStatus.PENDING, FEE_TOTAL, desk.citizen)

    at_gateway = gateway.open(response["Location"])
    assert at_gateway.status == 200, at_gateway.html
    assert "1.250.000 VND" in at_gateway.html and "GIẢ LẬP" in at_gateway.html
    assert "Thanh toán thành công (giả lập)" in at_gateway.html and ">Hủy</button>" in at_gateway.html

    location = gateway.choose(at_gateway, "ok", ipn_client=Client())
    ipn = next(item for item in gateway.journal.items() if item["kind"] == "ipn")
    assert ipn["answer"] == {"RspCode": "00", "Message": "Confirm Success"}

    payment.refresh_from_db()
    dossier.refresh_from_db()
    assert payment.status == PaymentStatus.PAID and payment.confirmed_via == "ipn" and payment.paid_at
    assert payment.gateway_transaction_id == ipn_params(ipn["url"])["vnp_TransactionNo"]
    assert dossier.paid_online == 2
    # The workflow took "Xác nhận đã thực hiện nghĩa vụ tài chính" as the payment system.
    assert dossier.state == "dang_xu_ly"
    step = dossier.events.order_by("seq").last()
    assert (step.action, step.effect, step.actor, step.actor_role) == (
        "xac_nhan_nghia_vu_tai_chinh", "financial_done", pay_account, "system")
    assert dossier.events.count() == events_before + 1
    assert AuditEntry.objects.filter(action="payment.paid", object_id=payment.reference).exists()

    back = back_to_us(applicant_client, location)
    assert back.status_code == 200 and "Thanh toán thành công" in back.content.decode()
    # The return page read the state; it asked the gateway nothing (the IPN had settled it).
    assert [e.kind for e in payment.events.order_by("pk")] == [EventKind.IPN, EventKind.RETURN]
    assert not [i for i in gateway.journal.items() if i["kind"] == "querydr"]

    again = applicant_client.get(pay_page_url(dossier.code)).content.decode()
    assert "Đã thanh toán trực tuyến" in again and payment.reference in again and "<button" not in again.split(
        "Phí, lệ phí", 1)[1]


def test_paying_before_acceptance_records_paid_online_and_leaves_the_workflow_alone(
        desk, licence, pay_account, gateway, applicant_client):
    dossier = filed_online(desk, licence)
    response = press_pay(applicant_client, dossier)
    gateway.choose(gateway.open(response["Location"]), "ok", ipn_client=Client())
    dossier.refresh_from_db()
    assert (dossier.paid_online, dossier.state, dossier.events.count()) == (2, "moi_nop", 1)
    assert Payment.objects.get(dossier=dossier).status == PaymentStatus.PAID


def test_a_cancelled_payment_changes_nothing_and_the_citizen_can_pay_again(
        desk, licence, pay_account, gateway, applicant_client):
    dossier = waiting_for_fees(desk, licence)
    response = press_pay(applicant_client, dossier)
    location = gateway.choose(gateway.open(response["Location"]), "cancel", ipn_client=Client())
    assert ipn_params(location)["vnp_ResponseCode"] == "24"
    first = Payment.objects.get(dossier=dossier)
    dossier.refresh_from_db()
    assert first.status == PaymentStatus.CANCELLED
    assert (dossier.paid_online, dossier.state) == (0, "cho_nghia_vu_tai_chinh")
    assert "Thanh toán chưa thành công" in back_to_us(applicant_client, location).content.decode()

    page = applicant_client.get(pay_page_url(dossier.code)).content.decode()
    assert "Lần thanh toán trước đã bị hủy" in page
    retry = press_pay(applicant_client, dossier, key="bam-nut-2")
    assert retry.status_code == 302
    second = Payment.objects.exclude(pk=first.pk).get(dossier=dossier)
    assert second.status == PaymentStatus.PENDING and second.reference != first.reference


@pytest.mark.parametrize("forgery", ["wrong secret", "no signature", "amount changed after signing"])
def test_a_forged_notification_is_refused_with_97_recorded_and_audited(
        desk, licence, pay_account, gateway, applicant_client, forgery):
    dossier = waiting_for_fees(desk, licence)
    press_pay(applicant_client, dossier)
    payment = Payment.objects.get(dossier=dossier)
    claim = {"vnp_Amount": str(FEE_TOTAL * 100), "vnp_BankCode": "NCB", "vnp_OrderInfo": "x",
             "vnp_PayDate": "20261123101500", "vnp_ResponseCode": "00", "vnp_TmnCode": TMN_CODE,
             "vnp_TransactionNo": "99999999", "vnp_TransactionStatus": "00", "vnp_TxnRef": payment.reference}
    if forgery == "wrong secret":
        params = sign_params("doan-mo-bi-mat", claim)
    elif forgery == "no signature":
        params = claim
    else:
        params = {**sign_params(SECRET, {**claim, "vnp_Amount": "100"}), "vnp_Amount": claim["vnp_Amount"]}

    response = Client().get("/thanh-toan/ipn/", params, REMOTE_ADDR="203.0.113.9")

    assert response.json() == {"RspCode": "97", "Message": "Invalid signature"}
    payment.refresh_from_db()
    dossier.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    assert (dossier.paid_online, dossier.state) == (0, "cho_nghia_vu_tai_chinh")
    event = PaymentEvent.objects.get(reference=payment.reference)
    assert (event.kind, event.signature_valid, event.outcome, event.source_ip, event.response_code) == (
        EventKind.IPN, False, Outcome.INVALID_SIGNATURE, "203.0.113.9", "97")
    assert event.params["vnp_TransactionNo"] == "99999999"
    audit = AuditEntry.objects.get(action="payment.callback_rejected", object_id=payment.reference)
    assert (audit.ip, audit.data["outcome"]) == ("203.0.113.9", "invalid_signature")


def test_a_replayed_notification_is_answered_already_confirmed_and_acts_once(
        desk, licence, pay_account, gateway, applicant_client):
    dossier = waiting_for_fees(desk, licence)
    response = press_pay(applicant_client, dossier)
    gateway.choose(gateway.open(response["Location"]), "ok", ipn_client=Client())
    genuine = gateway.relay.delivered[0]
    payment = Payment.objects.get(dossier=dossier)
    dossier.refresh_from_db()
    before = (payment.paid_at, payment.updated_at, dossier.event_seq, dossier.state)

    replay = send_ipn(Client(), genuine)

    assert replay.json() == {"RspCode": "02", "Message": "Order already confirmed"}
    payment.refresh_from_db()
    dossier.refresh_from_db()
    assert (payment.paid_at, payment.updated_at, dossier.event_seq, dossier.state) == before
    assert DossierEvent.objects.filter(dossier=dossier, action="xac_nhan_nghia_vu_tai_chinh").count() == 1
    assert AuditEntry.objects.filter(action="payment.paid").count() == 1
    outcomes = list(payment.events.filter(kind=EventKind.IPN).order_by("pk").values_list("outcome", flat=True))
    assert outcomes == [Outcome.CONFIRMED, Outcome.ALREADY_CONFIRMED]
    assert AuditEntry.objects.filter(action="payment.callback_rejected", object_id=payment.reference,
                                     data__outcome="already_confirmed").exists()


def test_a_signed_notification_with_another_amount_is_refused_with_04(
        desk, licence, pay_account, gateway, applicant_client):
    dossier = waiting_for_fees(desk, licence)
    press_pay(applicant_client, dossier)
    payment = Payment.objects.get(dossier=dossier)
    params = sign_params(SECRET, {
        "vnp_Amount": str(10_000 * 100), "vnp_PayDate": "20261123101500", "vnp_ResponseCode": "00",
        "vnp_TmnCode": TMN_CODE, "vnp_TransactionNo": "12345678", "vnp_TransactionStatus": "00",
        "vnp_TxnRef": payment.reference})

    response = Client().get("/thanh-toan/ipn/", params)

    assert response.json() == {"RspCode": "04", "Message": "Invalid amount"}
    payment.refresh_from_db()
    dossier.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING and dossier.paid_online == 0
    assert PaymentEvent.objects.get(reference=payment.reference).outcome == Outcome.INVALID_AMOUNT


def test_a_signed_notification_for_an_unknown_order_is_refused_with_01(gateway, db):
    params = sign_params(SECRET, {"vnp_Amount": "100000", "vnp_ResponseCode": "00", "vnp_TmnCode": TMN_CODE,
                                  "vnp_TransactionStatus": "00", "vnp_TxnRef": "KHONGCO"})
    assert Client().post("/thanh-toan/ipn/", params).json() == {"RspCode": "01", "Message": "Order not found"}
    assert PaymentEvent.objects.get(reference="KHONGCO").outcome == Outcome.ORDER_NOT_FOUND


def test_another_citizen_cannot_see_or_pay_someone_elses_dossier(
        desk, licence, gateway, applicant_client, other_citizen):
    dossier = waiting_for_fees(desk, licence)
    intruder = Client()
    intruder.force_login(other_citizen)
    assert intruder.get(pay_page_url(dossier.code)).status_code == 404
    assert intruder.post(pay_page_url(dossier.code), {"idempotency_key": "x"}).status_code == 404
    # An official of the receiving agency sees the dossier in the back office, but does not pay it.
    activate_totp(desk.receiver)
    official = Client()
    official.force_login(desk.receiver)
    assert official.get(f"/mot-cua/ho-so/{dossier.code}/").status_code == 200
    assert official.post(pay_page_url(dossier.code), {"idempotency_key": "y"}).status_code == 404
    assert not Payment.objects.exists()
    anonymous = Client().post(pay_page_url(dossier.code))
    assert anonymous.status_code == 302 and "/tai-khoan/" in anonymous["Location"]
    assert not Payment.objects.exists()


def test_a_double_click_or_a_second_tab_gives_the_same_payment(desk, licence, gateway, applicant_client):
    dossier = waiting_for_fees(desk, licence)
    first = press_pay(applicant_client, dossier, key="cung-mot-lan-bam")
    second = press_pay(applicant_client, dossier, key="cung-mot-lan-bam")
    other_tab = press_pay(applicant_client, dossier, key="tab-khac")
    assert first["Location"] == second["Location"] == other_tab["Location"]
    assert Payment.objects.filter(dossier=dossier).count() == 1


def test_the_return_page_alone_does_not_make_a_payment_paid(desk, licence, pay_account, gateway, applicant_client):
    """Signed-looking "success" parameters typed into the return URL, for a payment the gateway
    never completed: we ask the gateway (querydr), it has no such transaction, nothing changes."""
    dossier = waiting_for_fees(desk, licence)
    press_pay(applicant_client, dossier)
    payment = Payment.objects.get(dossier=dossier)
    params = sign_params(SECRET, {
        "vnp_Amount": str(FEE_TOTAL * 100), "vnp_PayDate": "20261123101500", "vnp_ResponseCode": "00",
        "vnp_TmnCode": TMN_CODE, "vnp_TransactionNo": "55555555", "vnp_TransactionStatus": "00",
        "vnp_TxnRef": payment.reference})

    page = applicant_client.get("/thanh-toan/ket-qua/", params)

    assert page.status_code == 200 and "Đang chờ xác nhận thanh toán" in page.content.decode()
    payment.refresh_from_db()
    dossier.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING and dossier.paid_online == 0
    assert [(e.kind, e.outcome) for e in payment.events.order_by("pk")] == [
        (EventKind.RETURN, Outcome.SHOWN), (EventKind.QUERY, Outcome.UNCONFIRMED)]
    query = [i for i in gateway.journal.items() if i["kind"] == "querydr"]
    assert [(q["txn_ref"], q["code"]) for q in query] == [(payment.reference, "91")]


def test_a_forged_return_is_refused_and_recorded(desk, licence, gateway, applicant_client):
    dossier = waiting_for_fees(desk, licence)
    press_pay(applicant_client, dossier)
    payment = Payment.objects.get(dossier=dossier)
    forged = sign_params("doan-mo", {"vnp_Amount": str(FEE_TOTAL * 100), "vnp_ResponseCode": "00",
                                     "vnp_TmnCode": TMN_CODE, "vnp_TransactionStatus": "00",
                                     "vnp_TxnRef": payment.reference})
    page = applicant_client.get("/thanh-toan/ket-qua/", forged)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    event = PaymentEvent.objects.get(kind=EventKind.RETURN)
    assert (event.signature_valid, event.outcome) == (False, Outcome.INVALID_SIGNATURE)
    assert not [i for i in gateway.journal.items() if i["kind"] == "querydr"]
    assert "Đang chờ xác nhận thanh toán" in page.content.decode()


def test_when_the_notification_is_lost_the_return_page_confirms_by_querydr(
        desk, licence, pay_account, gateway, applicant_client):
    dossier = waiting_for_fees(desk, licence)
    response = press_pay(applicant_client, dossier)
    gateway.relay.deliver = False  # our server is unreachable for the gateway's IPN
    location = gateway.choose(gateway.open(response["Location"]), "ok")
    ipn = next(item for item in gateway.journal.items() if item["kind"] == "ipn")
    assert ipn["status"] is None and "unreachable" in ipn["error"]
    payment = Payment.objects.get(dossier=dossier)
    assert payment.status == PaymentStatus.PENDING

    page = back_to_us(applicant_client, location)

    assert "Thanh toán thành công" in page.content.decode()
    payment.refresh_from_db()
    dossier.refresh_from_db()
    assert (payment.status, payment.confirmed_via) == (PaymentStatus.PAID, "querydr")
    assert (dossier.paid_online, dossier.state) == (2, "dang_xu_ly")
    query = [i for i in gateway.journal.items() if i["kind"] == "querydr"]
    assert [(q["code"], q["status"]) for q in query] == [("00", "00")]
    # The IPN arriving late (the gateway retries) is then "already confirmed".
    assert send_ipn(Client(), ipn["url"]).json()["RspCode"] == "02"
    assert DossierEvent.objects.filter(dossier=dossier, effect="financial_done").count() == 1


def test_the_gateway_refuses_a_payment_request_whose_amount_was_altered(
        desk, licence, gateway, applicant_client):
    dossier = waiting_for_fees(desk, licence)
    url = press_pay(applicant_client, dossier)["Location"]
    altered = re.sub(r"vnp_Amount=\d+", "vnp_Amount=100", url)
    page = gateway.open(altered)
    assert page.status == 400 and "Sai chữ ký" in page.html
    assert gateway.journal.items()[-1]["kind"] == "pay_rejected"


def test_without_a_configured_gateway_there_is_no_pay_button(desk, licence, settings, applicant_client):
    settings.TINHSO_PAY_URL = ""
    dossier = waiting_for_fees(desk, licence)
    page = applicant_client.get(pay_page_url(dossier.code)).content.decode()
    assert "Cổng chưa hỗ trợ thanh toán trực tuyến" in page and "<button type=\"submit\" class=\"govuk-button\"" not in page
    refused = applicant_client.post(pay_page_url(dossier.code), {"idempotency_key": "k"}, follow=True)
    assert "Cổng chưa hỗ trợ thanh toán trực tuyến" in refused.content.decode()
    assert not Payment.objects.exists()


def test_paying_again_after_the_time_is_up_asks_the_gateway_first(
        desk, licence, pay_account, gateway, applicant_client):
    """The citizen paid, the notification was lost and they closed the browser; later they press
    "pay" again: the gateway is asked about the old payment, which is paid — no second payment."""
    dossier = waiting_for_fees(desk, licence)
    response = press_pay(applicant_client, dossier)
    gateway.relay.deliver = False
    gateway.choose(gateway.open(response["Location"]), "ok")
    payment = Payment.objects.get(dossier=dossier)
    Payment.objects.filter(pk=payment.pk).update(expires_at=payment.created_at)  # its 15 minutes are over

    again = applicant_client.post(pay_page_url(dossier.code), {"idempotency_key": "sau-do"}, follow=True)

    assert "đã được thanh toán" in again.content.decode()
    payment.refresh_from_db()
    dossier.refresh_from_db()
    assert (payment.status, payment.confirmed_via) == (PaymentStatus.PAID, "querydr")
    assert Payment.objects.filter(dossier=dossier).count() == 1
    assert (dossier.paid_online, dossier.state) == (2, "dang_xu_ly")
