"""The messages sent to applicants, in Vietnamese (the source language, translatable), with a
variant per channel: an e-mail with a subject, a short SMS, and the parameters of a Zalo ZNS
template.

They are code, not database rows: a ZNS template and an SMS brandname "customer care" template
must be approved by Zalo or registered with the carriers before use, with fixed wording and
parameter names, so the text here has to change together with that approval, through a release;
and as gettext strings they go through the same translation catalogue as the rest of the
interface. The ZNS template ids (given by Zalo on approval) are settings
(`TINHSO_ZALO_ZNS_TEMPLATES`), one per message.
"""

from __future__ import annotations

import datetime as dt
import functools
import textwrap
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tinhso.core.text import fold
from tinhso.notifications.models import Channel, Kind

#: Legal dates and times in messages: dd/mm/yyyy HH:MM, whatever the language.
DATE_TIME = "%d/%m/%Y %H:%M"
SMS_REASON_CHARS = 80
ZNS_PARAM_CHARS = 200


@dataclass(frozen=True)
class MessageTemplate:
    subject: Promise
    email: Promise
    sms: Promise
    #: ZNS parameter name → fact name (the parameters of the template approved by Zalo).
    zns: dict[str, str]


_AUTOMATIC = _("Đây là thư tự động, xin Ông/Bà vui lòng không trả lời thư này.")

TEMPLATES: dict[str, MessageTemplate] = {
    Kind.ACCEPTED: MessageTemplate(
        subject=_("Hồ sơ %(code)s đã được tiếp nhận"),
        email=_(
            "Kính gửi Ông/Bà %(name)s,\n\n"
            "%(agency)s đã tiếp nhận hồ sơ “%(procedure)s” của Ông/Bà.\n"
            "Mã hồ sơ: %(code)s\n"
            "Ngày hẹn trả kết quả: %(due_at)s\n\n"
            "Ông/Bà có thể tra cứu tình trạng hồ sơ tại: %(tracking_url)s"
        ),
        sms=_("Hồ sơ %(code)s đã được tiếp nhận. Hẹn trả kết quả: %(due_at)s. Tra cứu: %(tracking_url)s"),
        zns={"customer_name": "name", "dossier_code": "code", "procedure_name": "procedure",
             "due_date": "due_at"},
    ),
    Kind.SUPPLEMENT_REQUESTED: MessageTemplate(
        subject=_("Hồ sơ %(code)s cần bổ sung giấy tờ"),
        email=_(
            "Kính gửi Ông/Bà %(name)s,\n\n"
            "Hồ sơ %(code)s (“%(procedure)s”) cần được bổ sung, hoàn thiện theo yêu cầu sau:\n"
            "%(reason)s\n\n"
            "Thời gian Ông/Bà bổ sung hồ sơ không tính vào thời hạn giải quyết. "
            "Xem chi tiết và nộp bổ sung tại: %(tracking_url)s\n\n"
            "%(agency)s"
        ),
        sms=_("Hồ sơ %(code)s cần bổ sung: %(reason_short)s. Chi tiết: %(tracking_url)s"),
        zns={"customer_name": "name", "dossier_code": "code", "procedure_name": "procedure",
             "reason": "reason"},
    ),
    Kind.EXTENDED: MessageTemplate(
        subject=_("Xin lỗi và hẹn lại ngày trả kết quả hồ sơ %(code)s"),
        email=_(
            "Kính gửi Ông/Bà %(name)s,\n\n"
            "%(agency)s thành thật xin lỗi Ông/Bà vì hồ sơ %(code)s (“%(procedure)s”) "
            "chưa thể trả kết quả đúng hẹn.\n"
            "Lý do: %(reason)s\n"
            "Ngày hẹn trả kết quả mới: %(due_at)s\n\n"
            "Mong Ông/Bà thông cảm. Tra cứu tình trạng hồ sơ tại: %(tracking_url)s"
        ),
        sms=_("Xin lỗi Ông/Bà: hồ sơ %(code)s chưa trả kết quả đúng hẹn. Hẹn lại: %(due_at)s. "
              "Tra cứu: %(tracking_url)s"),
        zns={"customer_name": "name", "dossier_code": "code", "due_date": "due_at", "reason": "reason"},
    ),
    Kind.RESULT_READY: MessageTemplate(
        subject=_("Hồ sơ %(code)s đã có kết quả"),
        email=_(
            "Kính gửi Ông/Bà %(name)s,\n\n"
            "Hồ sơ %(code)s (“%(procedure)s”) đã có kết quả giải quyết.\n"
            "Ông/Bà vui lòng nhận kết quả theo hình thức đã đăng ký hoặc tại %(agency)s.\n\n"
            "Tra cứu và tải kết quả điện tử tại: %(tracking_url)s"
        ),
        sms=_("Hồ sơ %(code)s đã có kết quả. Mời Ông/Bà nhận kết quả. Tra cứu: %(tracking_url)s"),
        zns={"customer_name": "name", "dossier_code": "code", "procedure_name": "procedure",
             "agency_name": "agency"},
    ),
    Kind.REFUSED: MessageTemplate(
        subject=_("Thông báo từ chối hồ sơ %(code)s"),
        email=_(
            "Kính gửi Ông/Bà %(name)s,\n\n"
            "%(agency)s thông báo hồ sơ %(code)s (“%(procedure)s”) %(refusal)s.\n"
            "Lý do: %(reason)s\n\n"
            "Tra cứu tại: %(tracking_url)s"
        ),
        sms=_("Hồ sơ %(code)s %(refusal)s. Lý do: %(reason_short)s."),
        zns={"customer_name": "name", "dossier_code": "code", "procedure_name": "procedure",
             "reason": "reason"},
    ),
}

REFUSED_AT_INTAKE = _("không được tiếp nhận")
REFUSED_IN_PROCESSING = _("không được giải quyết")


@dataclass(frozen=True)
class Rendered:
    subject: str = ""
    body: str = ""
    template_id: str = ""
    template_data: dict[str, str] | None = None


def format_moment(moment: dt.datetime | None) -> str:
    return timezone.localtime(moment).strftime(DATE_TIME) if moment else ""


def _shorten(text: str, width: int) -> str:
    text = " ".join((text or "").split())
    return textwrap.shorten(text, width=width, placeholder="…") if len(text) > width else text


@functools.lru_cache(maxsize=512)
def _unaccent_char(ch: str) -> str:
    folded = fold(ch) or ch
    return folded.upper() if ch.isupper() else folded


def unaccent(text: str) -> str:
    """Vietnamese without marks, keeping case and spacing ("Hồ sơ Đã" → "Ho so Da"): many SMS
    brandname routes carry only unaccented (GSM 7-bit) text. core.text.fold does the folding, a
    character at a time, since it also lower-cases and trims."""
    return "".join(ch if ch.isascii() else _unaccent_char(ch) for ch in text)


def render(kind: str, channel: str, facts: dict[str, Any]) -> Rendered:
    """The message of `kind` for `channel`, in the deployment's notification language."""
    template = TEMPLATES[kind]
    with translation.override(settings.TINHSO_NOTIFY_LANGUAGE):
        # Facts may be lazy translations (the refusal phrase): resolved in the same language.
        values = {key: str(value) for key, value in facts.items()}
        # The SMS sentence supplies its own full stop.
        values["reason_short"] = _shorten(values.get("reason", ""), SMS_REASON_CHARS).rstrip(" .;,")
        if channel == Channel.EMAIL:
            body = f"{template.email % values}\n\n{_AUTOMATIC}"
            return Rendered(subject=str(template.subject % values), body=body)
        if channel == Channel.SMS:
            body = str(template.sms % values)
            return Rendered(body=unaccent(body) if settings.TINHSO_SMS_UNACCENTED else body)
        if channel == Channel.ZALO:
            template_id = settings.TINHSO_ZALO_ZNS_TEMPLATES.get(str(kind), "")
            data = {param: _shorten(values.get(fact, ""), ZNS_PARAM_CHARS) for param, fact in template.zns.items()}
            # The body is what the officer's screen and the retention purge see; Zalo renders
            # the message itself from the approved template.
            return Rendered(body=str(template.subject % values), template_id=template_id, template_data=data)
    raise ValueError(f"unknown channel {channel!r}")
