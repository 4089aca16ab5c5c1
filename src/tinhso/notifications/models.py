"""Notifications to applicants: one row per (dossier event, channel), and the scan cursor.

The dossiers app never calls this one: a scan reads new `DossierEvent` rows after a stored
cursor and writes one `Notification` per channel the applicant can receive (services.py).
Sending is a background task; a row carries its own retry state (attempts, next attempt, last
error), GOV.UK Notify's statuses reduced to four.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tinhso.dossiers.models import Dossier, DossierEvent


class Channel(models.TextChoices):
    EMAIL = "email", _("Thư điện tử")
    SMS = "sms", _("Tin nhắn SMS")
    ZALO = "zalo", _("Zalo ZNS")


class Kind(models.TextChoices):
    """Which message (texts.TEMPLATES)."""

    ACCEPTED = "accepted", _("Tiếp nhận hồ sơ")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("Yêu cầu bổ sung hồ sơ")
    EXTENDED = "extended", _("Xin lỗi và hẹn lại ngày trả kết quả")
    RESULT_READY = "result_ready", _("Đã có kết quả")
    REFUSED = "refused", _("Từ chối hồ sơ")


class Status(models.TextChoices):
    QUEUED = "queued", _("Đang chờ gửi")
    SENT = "sent", _("Đã gửi")
    FAILED = "failed", _("Không gửi được")        # the provider refused this message for good
    GAVE_UP = "gave_up", _("Đã ngừng thử lại")   # retryable errors until attempts ran out


class Notification(models.Model):
    #: Our id of the message at the provider (eSMS RequestId, ZNS tracking_id): a retry after a
    #: lost answer is recognised as the same message.
    reference = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event = models.ForeignKey(DossierEvent, on_delete=models.CASCADE, related_name="+")
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("loại thông báo"), max_length=30, choices=Kind.choices)
    channel = models.CharField(_("kênh"), max_length=10, choices=Channel.choices)
    #: Phone (0xxxxxxxxx as given) or e-mail address: personal data, masked when purged.
    recipient = models.CharField(_("người nhận"), max_length=254)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    template_id = models.CharField(max_length=40, blank=True)       # ZNS template
    template_data = models.JSONField(default=dict, blank=True)       # ZNS parameters

    status = models.CharField(_("trạng thái"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("số lần gửi"), default=0)
    #: When a queued message may next be tried (also the lease of an attempt in progress).
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    #: When a send task was last put on the queue (the sweep re-enqueues a lost one).
    enqueued_at = models.DateTimeField(null=True, blank=True)
    error_code = models.CharField(max_length=40, blank=True)
    #: The provider's answer, with phone numbers and addresses masked.
    last_error = models.CharField(_("lỗi gần nhất"), max_length=500, blank=True)
    provider_message_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"))
    sent_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("thông báo")
        verbose_name_plural = _("thông báo")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "channel"], name="notification_event_channel"),
            models.CheckConstraint(condition=~Q(status="queued") | Q(next_attempt_at__isnull=False),
                                   name="notification_queued_has_next_attempt"),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notification_due"),
            models.Index(fields=["dossier", "created_at"], name="notification_dossier"),
            models.Index(fields=["purged_at", "created_at"], name="notification_retention"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}/{self.channel}#{self.pk}"


class Cursor(models.Model):
    """How far a reader of an append-only table has got (the last id it has passed)."""

    name = models.CharField(max_length=40, unique=True)
    last_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name}@{self.last_id}"
