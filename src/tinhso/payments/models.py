"""Online payment of a dossier's fees (phí, lệ phí) through a payment gateway.

A `Payment` is one attempt to pay one dossier's fees: it is created when the citizen presses
"pay", goes to the gateway (pending) and ends paid, failed, cancelled or expired. Only a signed,
checked notification from the gateway (IPN) or a signed status query makes it paid. Every
callback received — valid, forged or replayed — is kept as a `PaymentEvent`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tinhso.dossiers.models import Dossier


class PaymentStatus(models.TextChoices):
    CREATED = "created", _("Mới tạo")
    PENDING = "pending", _("Đang chờ thanh toán")
    PAID = "paid", _("Đã thanh toán")
    FAILED = "failed", _("Thanh toán không thành công")
    CANCELLED = "cancelled", _("Đã hủy thanh toán")
    EXPIRED = "expired", _("Hết thời gian thanh toán")


#: A payment still open at the gateway: at most one per dossier.
OPEN_STATUSES = (PaymentStatus.CREATED, PaymentStatus.PENDING)
#: Final states a gateway callback cannot change any more ("already confirmed").
FINAL_STATUSES = (PaymentStatus.PAID, PaymentStatus.FAILED, PaymentStatus.CANCELLED)


class Payment(models.Model):
    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="payments",
                                verbose_name=_("hồ sơ"))
    amount = models.PositiveBigIntegerField(_("số tiền (đồng)"))
    description = models.CharField(_("nội dung thanh toán"), max_length=255)
    status = models.CharField(_("trạng thái"), max_length=10, choices=PaymentStatus.choices,
                              default=PaymentStatus.CREATED)
    gateway = models.CharField(_("cổng thanh toán"), max_length=30)
    #: Our order reference at the gateway (vnp_TxnRef): random, so that it cannot be guessed.
    reference = models.CharField(_("mã giao dịch của tỉnh"), max_length=40, unique=True)
    gateway_transaction_id = models.CharField(_("mã giao dịch tại cổng"), max_length=60, blank=True)
    gateway_response_code = models.CharField(_("mã kết quả của cổng"), max_length=10, blank=True)
    #: What we sent to the gateway (signed parameters without the hash): the status query needs it.
    request_params = models.JSONField(default=dict, blank=True)
    redirect_url = models.TextField(blank=True)
    payer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="payments", verbose_name=_("người thanh toán"))
    idempotency_key = models.CharField(max_length=80, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    expires_at = models.DateTimeField(_("hết hạn lúc"))
    paid_at = models.DateTimeField(_("thanh toán lúc"), null=True, blank=True)
    #: How the result became known: "ipn" (the gateway's notification) or "querydr" (our query).
    confirmed_via = models.CharField(max_length=10, blank=True)

    class Meta:
        verbose_name = _("giao dịch thanh toán")
        verbose_name_plural = _("giao dịch thanh toán")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # A double click, two tabs, two devices: one open payment per dossier.
            models.UniqueConstraint(fields=["dossier"], condition=Q(status__in=["created", "pending"]),
                                    name="payment_one_open_per_dossier"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(condition=~Q(status="paid") | Q(paid_at__isnull=False),
                                   name="payment_paid_has_time"),
        ]

    def __str__(self) -> str:
        return self.reference


class EventKind(models.TextChoices):
    IPN = "ipn", _("Thông báo kết quả từ cổng (IPN)")
    RETURN = "return", _("Trình duyệt quay về từ cổng")
    QUERY = "querydr", _("Truy vấn trạng thái giao dịch")


class Outcome(models.TextChoices):
    CONFIRMED = "confirmed", _("Đã ghi nhận")
    ALREADY_CONFIRMED = "already_confirmed", _("Đã ghi nhận trước đó (gửi lặp)")
    INVALID_SIGNATURE = "invalid_signature", _("Sai chữ ký")
    ORDER_NOT_FOUND = "order_not_found", _("Không có giao dịch này")
    INVALID_AMOUNT = "invalid_amount", _("Sai số tiền")
    IP_PROHIBITED = "ip_prohibited", _("Địa chỉ gửi không được phép")
    SHOWN = "shown", _("Chỉ hiển thị, không thay đổi")
    UNCONFIRMED = "unconfirmed", _("Chưa xác nhận được")
    ERROR = "error", _("Lỗi khi xử lý")


#: Outcomes that refuse a callback: written to the audit log as well.
REJECTED = (Outcome.INVALID_SIGNATURE, Outcome.ORDER_NOT_FOUND, Outcome.INVALID_AMOUNT, Outcome.IP_PROHIBITED,
            Outcome.ALREADY_CONFIRMED)


class PaymentEvent(models.Model):
    """One message received about a payment, as received (append-only)."""

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, null=True, blank=True, related_name="events")
    kind = models.CharField(max_length=10, choices=EventKind.choices)
    received_at = models.DateTimeField()
    #: The parameters as received (the reference they name, even when no such payment exists).
    params = models.JSONField(default=dict, blank=True)
    reference = models.CharField(max_length=100, blank=True, db_index=True)
    signature_valid = models.BooleanField(default=False)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    #: What we answered the gateway (RspCode for an IPN).
    response_code = models.CharField(max_length=10, blank=True)
    source_ip = models.CharField(max_length=45, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("thông báo thanh toán")
        verbose_name_plural = _("thông báo thanh toán")
        ordering = ["received_at", "pk"]
