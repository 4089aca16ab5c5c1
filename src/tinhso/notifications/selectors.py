"""Reads for the officer's dossier page: which messages the applicant was sent, how and when.

Recipients are shown masked only, so this read discloses no personal data beyond what the
dossier page (itself checked and audited by dossiers.selectors) already shows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from tinhso.accounts.models import User
from tinhso.dossiers.models import Dossier
from tinhso.dossiers.selectors import dossiers_visible_to
from tinhso.notifications.models import Notification
from tinhso.notifications.privacy import mask

#: What an officer is told about a failure, by error code (channels.py), Vietnamese first.
_PROBLEMS = {
    "invalid_phone": _("Số điện thoại không hợp lệ."),
    "esms_108": _("Số điện thoại không hợp lệ."),
    "zns_-108": _("Số điện thoại không hợp lệ."),
    "esms_99": _("Số điện thoại bị nhà mạng chặn nhận tin."),
    "zns_-118": _("Số điện thoại chưa đăng ký Zalo."),
    "zns_-119": _("Tài khoản Zalo không nhận được tin thông báo."),
    "invalid_address": _("Địa chỉ thư điện tử không hợp lệ."),
    "recipient_refused": _("Máy chủ thư từ chối địa chỉ nhận."),
    "network": _("Không kết nối được nhà cung cấp dịch vụ; hệ thống sẽ tự gửi lại."),
    "channel_disabled": _("Kênh gửi chưa được cấu hình."),
}
_OTHER = _("Nhà cung cấp dịch vụ báo lỗi; xem nhật ký hệ thống.")


@dataclass(frozen=True)
class NotificationRow:
    kind: str
    kind_label: str
    channel: str
    channel_label: str
    status: str
    status_label: str
    recipient: str          # masked
    attempts: int
    created_at: dt.datetime
    sent_at: dt.datetime | None
    next_attempt_at: dt.datetime | None
    problem: str            # Vietnamese explanation of the last error, or ""


def dossier_notifications(*, user: User, dossier: Dossier) -> list[NotificationRow]:
    """The notifications of `dossier`, oldest first, if `user` may read the dossier (else none)."""
    if not dossiers_visible_to(user).filter(pk=dossier.pk).exists():
        return []
    rows = []
    for n in Notification.objects.filter(dossier=dossier).order_by("created_at", "id"):
        problem = ""
        if n.error_code:
            problem = _PROBLEMS.get(n.error_code) or (
                _PROBLEMS["network"] if n.error_code.startswith("http_5") else _OTHER)
        rows.append(NotificationRow(
            kind=n.kind, kind_label=str(n.get_kind_display()), channel=n.channel,
            channel_label=str(n.get_channel_display()), status=n.status, status_label=str(n.get_status_display()),
            recipient=mask(n.recipient), attempts=n.attempts, created_at=n.created_at, sent_at=n.sent_at,
            next_attempt_at=n.next_attempt_at, problem=str(problem)))
    return rows
