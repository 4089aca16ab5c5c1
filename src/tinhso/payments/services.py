"""Writes of payments: start a payment, take the gateway's word for its result, and tell the
dossier it was paid online.

Trust: the browser's return from the gateway proves nothing (anyone can type the URL). A payment
becomes paid only on a gateway message whose signature, reference and amount check out — the IPN
— or, when the IPN has not arrived, on the signed answer to our own status query (querydr).
Every callback is recorded as a `PaymentEvent`; the refused ones (forged, unknown reference,
wrong amount, replayed) also go to the audit chain.

When a payment is confirmed, in one transaction: the payment is marked paid, the dossier records
that it was paid online through the province's gateway (DuocThanhToanTrucTuyen = 2, read by
Decision 766 indicators 3.5b and 3.6, regulations.md §4.2), and if the dossier waits for its
financial obligation (a state with a `financial_done` action) the workflow takes that action as
the payment system's technical account (the workflow's `system` actor).
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.accounts.models import Role, User
from tinhso.accounts.selectors import user_has_role
from tinhso.catalog.workflow import Effect, compiled
from tinhso.core.audit import audit_record
from tinhso.core.models import Agency
from tinhso.dossiers.errors import DossierError
from tinhso.dossiers.models import Dossier
from tinhso.dossiers.services import dossier_act, dossier_payment_record
from tinhso.payments.gateway import CallbackResult, GatewayUnavailable, gateway_get
from tinhso.payments.models import (
    FINAL_STATUSES,
    OPEN_STATUSES,
    REJECTED,
    EventKind,
    Outcome,
    Payment,
    PaymentEvent,
    PaymentStatus,
)
from tinhso.payments.selectors import (
    PAID_ON_NATIONAL_PORTAL,
    PAID_ON_PROVINCE_GATEWAY,
    UNPAYABLE_STATUSES,
    payable_dossier,
)

log = logging.getLogger(__name__)

#: An open payment this close to its end is not handed out again: a new one is made.
REUSE_MARGIN = dt.timedelta(minutes=2)
#: Bounds on what is kept of a received message (a forged callback may be large).
MAX_PARAMS, MAX_VALUE = 60, 500


class PaymentRefused(Exception):
    """A payment cannot be started; `message` is for the citizen, Vietnamese first."""

    def __init__(self, message: str, *, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


class PaymentNotFound(PaymentRefused):
    def __init__(self):
        super().__init__(_("Không tìm thấy hồ sơ."), code="not_found")


# --- Starting a payment ---------------------------------------------------------------------

def _reference() -> str:
    """Our order reference: the day, for people reading a bank statement, and 80 random bits."""
    return timezone.localtime().strftime("%y%m%d") + secrets.token_hex(10).upper()


def payment_start(*, actor: User, dossier_code: str, return_url: str, notify_url: str, client_ip: str = "",
                  idempotency_key: str | None = None) -> Payment:
    """Start paying the fees of `dossier_code` (its applicant only). Returns a pending payment
    whose `redirect_url` sends the citizen to the gateway.

    A second press of the button — same idempotency key, or another tab while a payment is still
    open at the gateway — returns the same payment, never a second one.
    """
    dossier = payable_dossier(actor, dossier_code)
    if dossier is None:
        raise PaymentNotFound()
    now = timezone.now()
    idempotency_key = (idempotency_key or "").strip()[:80] or None
    if idempotency_key:
        same = Payment.objects.filter(idempotency_key=idempotency_key).first()
        if same is not None:
            if same.dossier_id != dossier.pk:
                raise PaymentRefused(_("Yêu cầu thanh toán không hợp lệ. Vui lòng tải lại trang."), code="key_reused")
            if same.status in OPEN_STATUSES and same.expires_at > now + REUSE_MARGIN:
                return same
            idempotency_key = None  # that attempt is over: this press starts a new one
    gateway = gateway_get()
    if dossier.paid_online in (PAID_ON_NATIONAL_PORTAL, PAID_ON_PROVINCE_GATEWAY) or Payment.objects.filter(
            dossier=dossier, status=PaymentStatus.PAID).exists():
        raise PaymentRefused(_("Phí, lệ phí của hồ sơ này đã được thanh toán."), code="already_paid")
    if dossier.fee_total <= 0:
        raise PaymentRefused(_("Hồ sơ này không phải nộp phí, lệ phí."), code="no_fee")
    if dossier.status in UNPAYABLE_STATUSES:
        raise PaymentRefused(_("Hồ sơ đã kết thúc nên không cần thanh toán."), code="dossier_closed")
    if not gateway.is_configured():
        raise PaymentRefused(_("Cổng chưa hỗ trợ thanh toán trực tuyến. Bạn có thể nộp phí, lệ phí tại "
                               "Bộ phận Một cửa."), code="gateway_not_configured")
    current = Payment.objects.filter(dossier=dossier, status__in=OPEN_STATUSES).first()
    if current is not None:
        if current.expires_at > now + REUSE_MARGIN:
            return current
        # Its time is up here. The citizen may still have paid it with the notification lost on
        # the way: ask the gateway before letting them pay a second time.
        if payment_reconcile(payment=current, source_ip=client_ip).status == PaymentStatus.PAID:
            raise PaymentRefused(_("Phí, lệ phí của hồ sơ này đã được thanh toán."), code="already_paid")
        Payment.objects.filter(pk=current.pk, status__in=OPEN_STATUSES).update(
            status=PaymentStatus.EXPIRED, updated_at=now)
    try:
        # The row, the gateway's redirect and the pending state in one transaction: a concurrent
        # press waits on the one-open-payment-per-dossier index and then gets this payment.
        with transaction.atomic():
            payment = Payment.objects.create(
                dossier=dossier, amount=dossier.fee_total, gateway=gateway.name, reference=_reference(),
                description=_("Thanh toán phí, lệ phí hồ sơ %(code)s") % {"code": dossier.code},
                payer=actor, idempotency_key=idempotency_key, status=PaymentStatus.CREATED,
                expires_at=now + dt.timedelta(minutes=settings.TINHSO_PAY_EXPIRE_MINUTES))
            payment.redirect_url, payment.request_params = gateway.create(
                payment, return_url=return_url, notify_url=notify_url, client_ip=client_ip)
            payment.status = PaymentStatus.PENDING
            payment.save(update_fields=["redirect_url", "request_params", "status", "updated_at"])
    except IntegrityError:
        winner = Payment.objects.filter(dossier=dossier, status__in=OPEN_STATUSES).first()
        if winner is None:
            raise
        return winner
    return payment


# --- What the gateway says --------------------------------------------------------------------

def _kept(params: Mapping[str, Any]) -> dict[str, str]:
    items = list(params.items())[:MAX_PARAMS]
    return {str(k)[:100]: str(v)[:MAX_VALUE] for k, v in items}


def _event(*, kind: str, payment: Payment | None, params: Mapping[str, Any], reference: str, signature_valid: bool,
           outcome: str, response_code: str = "", source_ip: str = "", note: str = "") -> PaymentEvent:
    event = PaymentEvent.objects.create(
        payment=payment, kind=kind, received_at=timezone.now(), params=_kept(params), reference=reference[:100],
        signature_valid=signature_valid, outcome=outcome, response_code=response_code, source_ip=source_ip[:45],
        note=note[:300])
    if outcome in REJECTED:
        audit_record(action="payment.callback_rejected", object_type="payment", object_id=reference[:80],
                     data={"kind": kind, "outcome": outcome, "event": event.pk, "signature_valid": signature_valid},
                     ip=source_ip[:45])
    return event


def _financial_done(payment: Payment) -> str:
    """Take the dossier's `financial_done` action if its current step has one. Returns what
    happened ("moved", "no_step", or why not). A refusal never undoes the payment: the money
    has been taken; an officer confirms the step by hand."""
    dossier = Dossier.objects.select_related("workflow").only("pk", "state", "workflow").get(pk=payment.dossier_id)
    action = next((a for a in compiled(dossier.workflow).actions_from(dossier.state)
                   if a.effect == Effect.FINANCIAL_DONE), None)
    if action is None:
        return "no_step"
    system = User.objects.filter(username=settings.TINHSO_PAY_SYSTEM_ACCOUNT, is_active=True).first()
    if system is None:
        log.warning("payment %s: no payment system account %r, dossier %s not moved",
                    payment.reference, settings.TINHSO_PAY_SYSTEM_ACCOUNT, payment.dossier_id)
        return "no_system_account"
    try:
        dossier_act(actor=system, dossier_id=dossier.pk, action=action.code, idempotency_key=f"pay:{payment.reference}",
                    note=_("Đã thanh toán trực tuyến %(amount)s đồng qua cổng thanh toán (mã giao dịch %(ref)s).")
                    % {"amount": f"{payment.amount:,}".replace(",", "."), "ref": payment.reference})
    except DossierError as error:
        log.warning("payment %s: dossier %s not moved: %s", payment.reference, payment.dossier_id, error.code)
        return error.code
    return "moved"


def _mark_paid(payment: Payment, *, transaction_id: str, response_code: str, paid_at: dt.datetime | None,
               via: str) -> None:
    """Caller holds the payment's row lock in a transaction."""
    payment.status = PaymentStatus.PAID
    payment.paid_at = paid_at or timezone.now()
    payment.gateway_transaction_id = transaction_id
    payment.gateway_response_code = response_code
    payment.confirmed_via = via
    payment.save(update_fields=["status", "paid_at", "gateway_transaction_id", "gateway_response_code",
                                "confirmed_via", "updated_at"])
    dossier_payment_record(dossier_id=payment.dossier_id, amount=payment.amount, paid_at=payment.paid_at,
                           reference=payment.reference)
    workflow = _financial_done(payment)
    audit_record(action="payment.paid", object_type="payment", object_id=payment.reference,
                 data={"dossier_id": payment.dossier_id, "amount": payment.amount, "via": via,
                       "transaction_id": transaction_id, "workflow": workflow})


def _mark_unpaid(payment: Payment, *, cancelled: bool, transaction_id: str, response_code: str, via: str) -> None:
    payment.status = PaymentStatus.CANCELLED if cancelled else PaymentStatus.FAILED
    payment.gateway_transaction_id = transaction_id
    payment.gateway_response_code = response_code
    payment.confirmed_via = via
    payment.save(update_fields=["status", "gateway_transaction_id", "gateway_response_code", "confirmed_via",
                                "updated_at"])


def _apply(result: CallbackResult, *, via: str) -> tuple[str, Payment | None]:
    """Check a verified result against our payment and apply it, under the payment's row lock."""
    payment = (Payment.objects.select_for_update()
               .filter(reference=result.reference, gateway=gateway_get().name).first())
    if payment is None:
        return Outcome.ORDER_NOT_FOUND, None
    if result.amount != payment.amount:
        return Outcome.INVALID_AMOUNT, payment
    if payment.status in FINAL_STATUSES:
        return Outcome.ALREADY_CONFIRMED, payment
    # Open, or expired on our side: the gateway's word on money taken is final either way.
    if result.paid:
        _mark_paid(payment, transaction_id=result.transaction_id, response_code=result.response_code,
                   paid_at=result.paid_at, via=via)
    else:
        _mark_unpaid(payment, cancelled=result.cancelled, transaction_id=result.transaction_id,
                     response_code=result.response_code, via=via)
    return Outcome.CONFIRMED, payment


def payment_notification_receive(*, params: Mapping[str, str], source_ip: str = "") -> tuple[str, dict]:
    """The gateway's server-to-server notification (IPN). Returns (outcome, the reply body the
    gateway expects). Idempotent: a notification repeated for a payment already settled is
    answered "already confirmed" and changes nothing."""
    gateway = gateway_get()
    allowed = settings.TINHSO_PAY_IPN_ALLOWED_IPS
    reference = str(params.get("vnp_TxnRef", ""))
    if allowed and source_ip not in allowed:
        outcome = Outcome.IP_PROHIBITED
        with transaction.atomic():
            _event(kind=EventKind.IPN, payment=None, params=params, reference=reference, signature_valid=False,
                   outcome=outcome, response_code=gateway.callback_reply(outcome)["RspCode"], source_ip=source_ip)
        return outcome, gateway.callback_reply(outcome)
    result = gateway.verify_callback(params)
    if not result.signature_valid:
        outcome = Outcome.INVALID_SIGNATURE
        log.warning("payment notification with an invalid signature from %s (reference %r)", source_ip, reference)
        with transaction.atomic():
            _event(kind=EventKind.IPN, payment=None, params=params, reference=reference, signature_valid=False,
                   outcome=outcome, response_code=gateway.callback_reply(outcome)["RspCode"], source_ip=source_ip)
        return outcome, gateway.callback_reply(outcome)
    try:
        with transaction.atomic():
            outcome, payment = _apply(result, via=EventKind.IPN)
            _event(kind=EventKind.IPN, payment=payment, params=params, reference=result.reference,
                   signature_valid=True, outcome=outcome, response_code=gateway.callback_reply(outcome)["RspCode"],
                   source_ip=source_ip)
    except Exception:  # the gateway gets "unknown error" and tries again later; we keep the trace
        log.exception("payment notification for %s could not be applied", result.reference)
        outcome = Outcome.ERROR
        with transaction.atomic():
            _event(kind=EventKind.IPN, payment=None, params=params, reference=result.reference, signature_valid=True,
                   outcome=outcome, response_code=gateway.callback_reply(outcome)["RspCode"], source_ip=source_ip)
    return outcome, gateway.callback_reply(outcome)


def payment_reconcile(*, payment: Payment, source_ip: str = "") -> Payment:
    """Ask the gateway (querydr) about a payment still open here, and apply its signed answer.
    The query is made outside any transaction; the answer is applied under the row lock."""
    if payment.status in FINAL_STATUSES:
        return payment
    gateway = gateway_get()
    try:
        answer = gateway.query(payment)
    except GatewayUnavailable as error:
        log.warning("payment %s: status query failed: %s", payment.reference, error)
        _event(kind=EventKind.QUERY, payment=payment, params={}, reference=payment.reference, signature_valid=False,
               outcome=Outcome.ERROR, source_ip=source_ip, note=str(error))
        return payment
    with transaction.atomic():
        if not answer.verified:
            outcome = Outcome.INVALID_SIGNATURE
        elif not answer.found or answer.status == "pending":
            outcome = Outcome.UNCONFIRMED
        else:
            result = CallbackResult(signature_valid=True, reference=payment.reference, amount=answer.amount,
                                    paid=answer.status == "paid", cancelled=False,
                                    transaction_id=answer.transaction_id, response_code=answer.response_code,
                                    paid_at=answer.paid_at)
            outcome, _payment = _apply(result, via=EventKind.QUERY)
        _event(kind=EventKind.QUERY, payment=payment, params=answer.raw, reference=payment.reference,
               signature_valid=answer.verified, outcome=outcome, response_code=answer.response_code,
               source_ip=source_ip)
    payment.refresh_from_db()
    return payment


@dataclass(frozen=True)
class ReturnResult:
    """What the return page may say: the payment (None when the message names none of the
    visitor's payments) and whether the message was really from the gateway."""

    payment: Payment | None
    signature_valid: bool


def payment_return_receive(*, params: Mapping[str, str], actor: User, source_ip: str = "") -> ReturnResult:
    """The citizen's browser back from the gateway. Shows, never decides: when the payment is still
    open here (the IPN has not arrived), the gateway is asked (querydr) and only its signed answer
    can settle the payment."""
    from tinhso.payments.selectors import payment_for_applicant

    gateway = gateway_get()
    result = gateway.verify_callback(params)
    payment = payment_for_applicant(actor, result.reference)
    if not result.signature_valid:
        outcome = Outcome.INVALID_SIGNATURE
    elif payment is None:
        outcome = Outcome.ORDER_NOT_FOUND
    elif result.amount != payment.amount:
        outcome = Outcome.INVALID_AMOUNT
    else:
        outcome = Outcome.SHOWN
    with transaction.atomic():
        _event(kind=EventKind.RETURN, payment=payment, params=params, reference=result.reference,
               signature_valid=result.signature_valid, outcome=outcome, source_ip=source_ip)
    if outcome == Outcome.SHOWN and payment.status not in FINAL_STATUSES:
        try:
            payment = payment_reconcile(payment=payment, source_ip=source_ip)
        except Exception:  # the page still shows the state we have; the IPN may yet come
            log.exception("payment %s: status query on return failed", payment.reference)
    return ReturnResult(payment=payment, signature_valid=result.signature_valid)


# --- The payment system's account -------------------------------------------------------------

@transaction.atomic
def payment_system_account_ensure(*, agency: Agency, actor: User | None = None) -> User:
    """The technical account (TINHSO_PAY_SYSTEM_ACCOUNT) that confirms the financial-obligation
    step after a payment: created without a usable password, given the `integration` role in
    `agency` (the provincial People's Committee covers every agency of the province)."""
    from tinhso.accounts.services import agency_role_grant, user_create_official

    username = settings.TINHSO_PAY_SYSTEM_ACCOUNT
    user = User.objects.filter(username=username).first()
    if user is None:
        user = user_create_official(username=username, full_name=_("Hệ thống thanh toán trực tuyến"),
                                    password=secrets.token_urlsafe(32), actor=actor)
        user.set_unusable_password()
        user.save(update_fields=["password"])
    if not user_has_role(user, agency=agency, roles=[Role.INTEGRATION]):
        agency_role_grant(actor=actor, user=user, agency=agency, role=Role.INTEGRATION)
    return user
