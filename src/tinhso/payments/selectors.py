"""Reads of payments: which dossier a citizen may pay, and what the pay box shows."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.accounts.models import User
from tinhso.dossiers.models import Dossier, Status
from tinhso.dossiers.selectors import dossiers_visible_to
from tinhso.payments.gateway import gateway_get
from tinhso.payments.models import OPEN_STATUSES, Payment, PaymentStatus

#: A dossier that has ended without a result has nothing left to pay for.
UNPAYABLE_STATUSES = (Status.REFUSED, Status.WITHDRAWN, Status.STOPPED)

#: DuocThanhToanTrucTuyen values (dossiers.models.Dossier.paid_online).
PAID_ON_NATIONAL_PORTAL = 1
PAID_ON_PROVINCE_GATEWAY = 2


def payable_dossier(user: User, code: str) -> Dossier | None:
    """The dossier `code` if `user` filed it (only the applicant pays online); None otherwise, so
    that another person's dossier is "not found", never "forbidden"."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (dossiers_visible_to(user).filter(code=code, applicant_id=user.pk)
            .select_related("procedure_version").first())


def payments_of(dossier: Dossier) -> QuerySet[Payment]:
    return Payment.objects.filter(dossier=dossier).order_by("-created_at", "-pk")


def payment_for_applicant(user: User, reference: str) -> Payment | None:
    """A payment by our reference, if `user` is the applicant of its dossier."""
    if not getattr(user, "is_authenticated", False) or not reference:
        return None
    return (Payment.objects.select_related("dossier")
            .filter(reference=reference, dossier__applicant_id=user.pk).first())


def open_payment(dossier: Dossier) -> Payment | None:
    """The payment still waiting at the gateway and not past its time, if any."""
    return (Payment.objects.filter(dossier=dossier, status__in=OPEN_STATUSES, expires_at__gt=timezone.now())
            .first())


@dataclass(frozen=True)
class FeeLine:
    name: str
    kind: str
    amount: int
    note: str = ""


@dataclass(frozen=True)
class PayBox:
    """The context of ``payments/_pay_box.html`` (see the header of that template)."""

    dossier_code: str
    amount: int
    fee_lines: list[FeeLine]
    #: "free", "paid", "paid_national", "pending", "unpayable", "unavailable" or "payable".
    state: str
    can_pay: bool
    action_url: str
    payment: Payment | None = None
    #: One sentence about the last attempt when it did not succeed (cancelled, failed, expired).
    last_attempt: str = ""
    notes: list[str] = field(default_factory=list)


def _fee_lines(dossier: Dossier) -> list[FeeLine]:
    kinds = {"fee": _("Phí"), "charge": _("Lệ phí")}
    return [FeeLine(name=f.get("name", ""), kind=str(kinds.get(f.get("kind"), "")),
                    amount=int(f.get("amount") or 0), note=f.get("note", ""))
            for f in (dossier.procedure_version.fees or [])]


def pay_box(*, dossier: Dossier) -> PayBox:
    """What the citizen sees about paying `dossier`'s fees (call only for the applicant)."""
    payments = list(payments_of(dossier)[:5])
    paid = next((p for p in payments if p.status == PaymentStatus.PAID), None)
    now = timezone.now()
    pending = next((p for p in payments if p.status in OPEN_STATUSES and p.expires_at > now), None)
    last = payments[0] if payments else None
    common = {"dossier_code": dossier.code, "amount": dossier.fee_total, "fee_lines": _fee_lines(dossier),
              "action_url": reverse("payments:dossier", kwargs={"code": dossier.code})}
    if paid is not None or dossier.paid_online == PAID_ON_PROVINCE_GATEWAY:
        return PayBox(state="paid", can_pay=False, payment=paid, **common)
    if dossier.paid_online == PAID_ON_NATIONAL_PORTAL:
        return PayBox(state="paid_national", can_pay=False, **common)
    if dossier.fee_total <= 0:
        return PayBox(state="free", can_pay=False, **common)
    if dossier.status in UNPAYABLE_STATUSES:
        return PayBox(state="unpayable", can_pay=False, **common)
    if not gateway_get().is_configured():
        return PayBox(state="unavailable", can_pay=False, **common)
    if pending is not None:
        return PayBox(state="pending", can_pay=True, payment=pending, **common)
    last_attempt = ""
    if last is not None and last.status in (PaymentStatus.CANCELLED, PaymentStatus.FAILED, PaymentStatus.EXPIRED,
                                            *OPEN_STATUSES):
        last_attempt = {
            PaymentStatus.CANCELLED: _("Lần thanh toán trước đã bị hủy, chưa có khoản tiền nào được trừ."),
            PaymentStatus.FAILED: _("Lần thanh toán trước không thành công, chưa có khoản tiền nào được ghi nhận."),
        }.get(last.status, _("Lần thanh toán trước đã hết thời gian chờ."))
    return PayBox(state="payable", can_pay=True, payment=last, last_attempt=last_attempt, **common)
