"""One interface, three adapters: e-mail (Django's e-mail backend), SMS brandname (eSMS.vn's JSON
API) and Zalo ZNS (Zalo's template message API).

An adapter's one method, `send`, hands one rendered message to the provider and returns the
provider's message id, or raises `RetryableError` (try again later: provider down, timeout, quota,
credentials being fixed) or `PermanentError` (this message will never go: bad number, no Zalo
account, address refused). Every HTTP call has a timeout.

Channels are configured by settings; one listed in `TINHSO_NOTIFY_CHANNELS` but lacking its URL
or credentials is disabled, with a warning in the log (production has no defaults; the demo
points them at the stand-ins under /gia-lap/).
"""

from __future__ import annotations

import json
import logging
import smtplib
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.mail.message import make_msgid
from django.core.validators import validate_email

from tinhso.notifications.models import Channel
from tinhso.notifications.privacy import phone_international, phone_normalise, redact

logger = logging.getLogger(__name__)


class SendError(Exception):
    retryable = True

    def __init__(self, message: str, *, code: str = ""):
        super().__init__(redact(message)[:400])
        self.code = code


class RetryableError(SendError):
    retryable = True


class PermanentError(SendError):
    retryable = False


@dataclass(frozen=True)
class OutgoingMessage:
    reference: str            # our id of the message: the provider's RequestId / tracking_id
    recipient: str
    body: str
    subject: str = ""
    template_id: str = ""
    template_data: dict[str, str] = field(default_factory=dict)


class ChannelAdapter(Protocol):
    name: str

    def send(self, message: OutgoingMessage) -> str: ...


# --- HTTP ---------------------------------------------------------------------------------------

def _post_json(url: str, payload: dict[str, Any], *, headers: dict[str, str] | None = None,
               timeout: float) -> tuple[int, Any]:
    """POST JSON, return (HTTP status, decoded JSON or None). Network failures and timeouts are
    retryable; an HTTP error status is returned to the caller, who knows the provider's codes."""
    request = urllib.request.Request(
        url, data=json.dumps(payload, ensure_ascii=False).encode(), method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", "Accept": "application/json",
                 **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - URL from settings
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    except (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise RetryableError(f"network: {reason}", code="network") from None
    try:
        body = json.loads(raw.decode("utf-8")) if raw else None
    except (UnicodeDecodeError, json.JSONDecodeError):
        body = None
    return status, body


def _http_failure(status: int, detail: str) -> SendError:
    """An HTTP error status the provider's own code did not explain."""
    if status >= 500 or status in (401, 403, 408, 429):
        # Down, overloaded or our credentials being fixed: the message itself is fine.
        return RetryableError(f"HTTP {status}: {detail}", code=f"http_{status}")
    return PermanentError(f"HTTP {status}: {detail}", code=f"http_{status}")


# --- E-mail -------------------------------------------------------------------------------------

class EmailChannel:
    name = Channel.EMAIL

    def send(self, message: OutgoingMessage) -> str:
        try:
            validate_email(message.recipient)
        except ValidationError:
            raise PermanentError("invalid e-mail address", code="invalid_address") from None
        domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(">") or None
        message_id = make_msgid(domain=domain)
        email = EmailMessage(subject=message.subject, body=message.body, to=[message.recipient],
                             headers={"Message-ID": message_id})
        try:
            email.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused:
            raise PermanentError("recipient refused by the mail server", code="recipient_refused") from None
        except (smtplib.SMTPException, OSError) as error:
            raise RetryableError(f"mail server: {error.__class__.__name__}", code="smtp") from None
        return message_id


# --- SMS brandname (eSMS.vn) --------------------------------------------------------------------

#: eSMS.vn answer codes (CodeResult) that condemn this message: the number is blocked or
#: malformed, or the text does not match a registered customer-care template. Other codes
#: (credentials, balance, brandname, IP whitelist…) are the account's problem and are retried.
ESMS_PERMANENT = {"99": "phone number blocked", "108": "phone number invalid", "146": "template not registered"}
ESMS_DUPLICATE = "124"  # this RequestId was already accepted today: an earlier attempt went through


class SmsBrandnameChannel:
    """eSMS.vn "SendMultipleMessage_V4_post_json" (SMS OTP/CSKH): POST JSON {ApiKey, SecretKey,
    Phone, Content, Brandname, SmsType, IsUnicode, RequestId}, answer {CodeResult, SMSID,
    ErrorMessage}; CodeResult "100" is accepted."""

    name = Channel.SMS

    def __init__(self, *, url: str, api_key: str, secret_key: str, brandname: str, sms_type: str,
                 unicode: bool, timeout: float):
        self.url, self.api_key, self.secret_key = url, api_key, secret_key
        self.brandname, self.sms_type, self.unicode, self.timeout = brandname, sms_type, unicode, timeout

    def send(self, message: OutgoingMessage) -> str:
        phone = phone_normalise(message.recipient)
        if phone is None:
            raise PermanentError("phone number invalid", code="invalid_phone")
        status, body = _post_json(self.url, {
            "ApiKey": self.api_key, "SecretKey": self.secret_key, "Phone": phone, "Content": message.body,
            "Brandname": self.brandname, "SmsType": self.sms_type, "IsUnicode": "1" if self.unicode else "0",
            "RequestId": message.reference,
        }, timeout=self.timeout)
        code = str(body.get("CodeResult", "")) if isinstance(body, dict) else ""
        if code == "100":
            return str(body.get("SMSID", ""))
        if code == ESMS_DUPLICATE:
            return str(body.get("SMSID", "")) or f"duplicate:{message.reference}"
        detail = (body.get("ErrorMessage") or body.get("error") or "") if isinstance(body, dict) else ""
        if code in ESMS_PERMANENT:
            raise PermanentError(f"eSMS {code}: {detail or ESMS_PERMANENT[code]}", code=f"esms_{code}")
        if code:
            raise RetryableError(f"eSMS {code}: {detail}", code=f"esms_{code}")
        raise _http_failure(status, str(detail) or "no answer code")


# --- Zalo ZNS -----------------------------------------------------------------------------------

#: Zalo ZNS error codes that condemn this message (zalo.cloud, "Cách xử lý mã lỗi"): number
#: invalid, template data empty or invalid, no Zalo account, account cannot receive ZNS. Others
#: (-124 access token invalid, -115 out of quota, -100 unknown…) are retried.
ZNS_PERMANENT = {-108: "phone number invalid", -111: "template data empty", -112: "template data invalid",
                 -118: "Zalo account not existed", -119: "account cannot receive ZNS"}


class ZaloZnsChannel:
    """Zalo ZNS: POST {url} (…/message/template), header `access_token`, body {phone (84…),
    template_id, template_data, tracking_id}; answer {error, message, data: {msg_id}}, error 0 is
    sent. Zalo answers its errors with HTTP 200, so the `error` field decides."""

    name = Channel.ZALO

    def __init__(self, *, url: str, access_token: str, timeout: float):
        self.url, self.access_token, self.timeout = url, access_token, timeout

    def send(self, message: OutgoingMessage) -> str:
        phone = phone_normalise(message.recipient)
        if phone is None:
            raise PermanentError("phone number invalid", code="invalid_phone")
        if not message.template_id:
            raise PermanentError("no ZNS template for this message", code="no_template")
        status, body = _post_json(self.url, {
            "phone": phone_international(phone), "template_id": message.template_id,
            "template_data": message.template_data, "tracking_id": message.reference,
        }, headers={"access_token": self.access_token}, timeout=self.timeout)
        if isinstance(body, dict) and isinstance(body.get("error"), int):
            error, detail = body["error"], str(body.get("message", ""))
            if error == 0 and 200 <= status < 300:
                return str((body.get("data") or {}).get("msg_id", ""))
            if error in ZNS_PERMANENT:
                raise PermanentError(f"ZNS {error}: {detail or ZNS_PERMANENT[error]}", code=f"zns_{error}")
            if error != 0:
                raise RetryableError(f"ZNS {error}: {detail}", code=f"zns_{error}")
        raise _http_failure(status, "no ZNS answer")


# --- Configuration ------------------------------------------------------------------------------

_warned: set[str] = set()


def _disabled(name: str, missing: str) -> None:
    if name not in _warned:
        _warned.add(name)
        logger.warning("notifications: channel %s is disabled, not configured: %s", name, missing)


def enabled_channels() -> dict[str, ChannelAdapter]:
    """The channels configured for this deployment, by name."""
    wanted = set(settings.TINHSO_NOTIFY_CHANNELS)
    timeout = float(settings.TINHSO_NOTIFY_HTTP_TIMEOUT)
    out: dict[str, ChannelAdapter] = {}
    if Channel.EMAIL in wanted:
        out[Channel.EMAIL] = EmailChannel()
    if Channel.SMS in wanted:
        missing = [n for n in ("TINHSO_SMS_URL", "TINHSO_SMS_API_KEY", "TINHSO_SMS_SECRET_KEY",
                               "TINHSO_SMS_BRANDNAME") if not getattr(settings, n)]
        if missing:
            _disabled(Channel.SMS, ", ".join(missing))
        else:
            out[Channel.SMS] = SmsBrandnameChannel(
                url=settings.TINHSO_SMS_URL, api_key=settings.TINHSO_SMS_API_KEY,
                secret_key=settings.TINHSO_SMS_SECRET_KEY, brandname=settings.TINHSO_SMS_BRANDNAME,
                sms_type=settings.TINHSO_SMS_TYPE, unicode=not settings.TINHSO_SMS_UNACCENTED, timeout=timeout)
    if Channel.ZALO in wanted:
        missing = [n for n in ("TINHSO_ZALO_ZNS_URL", "TINHSO_ZALO_ACCESS_TOKEN", "TINHSO_ZALO_ZNS_TEMPLATES")
                   if not getattr(settings, n)]
        if missing:
            _disabled(Channel.ZALO, ", ".join(missing))
        else:
            out[Channel.ZALO] = ZaloZnsChannel(url=settings.TINHSO_ZALO_ZNS_URL,
                                               access_token=settings.TINHSO_ZALO_ACCESS_TOKEN, timeout=timeout)
    return out
