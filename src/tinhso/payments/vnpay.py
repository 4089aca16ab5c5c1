"""VNPAY-shaped gateway adapter (payment URL v2.1.0, IPN, querydr).

Protocol facts used here (VNPAY's public integration notes; checked against open-source clients):
- the citizen is sent to ``TINHSO_PAY_URL`` (…/paymentv2/vpcpay.html) with ``vnp_Version=2.1.0``,
  ``vnp_Command=pay``, ``vnp_TmnCode``, ``vnp_Amount`` = VND × 100, ``vnp_CurrCode=VND``,
  ``vnp_TxnRef`` (our reference), ``vnp_OrderInfo`` (unaccented text), ``vnp_OrderType``,
  ``vnp_Locale``, ``vnp_ReturnUrl``, ``vnp_IpAddr``, ``vnp_CreateDate`` / ``vnp_ExpireDate``
  (yyyyMMddHHmmss, GMT+7) and ``vnp_SecureHash``: HMAC-SHA512 (hex) with the merchant's secret
  over the other ``vnp_*`` parameters sorted by name, form-encoded, joined ``k=v&k=v``;
- the IPN URL is registered at the gateway for the merchant, not sent with each payment;
- the IPN is answered with JSON ``{"RspCode", "Message"}``: 00 confirmed, 01 order not found,
  02 already confirmed, 03 IP prohibited, 04 invalid amount, 97 invalid signature, 99 other;
- success is ``vnp_ResponseCode=00`` and ``vnp_TransactionStatus=00``; 24 = the customer cancelled;
- ``querydr`` is a JSON POST to …/merchant_webapi/api/transaction, signed over the fields joined
  by ``|`` (see :meth:`VnpayGateway.query`); its answer is signed the same way.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from tinhso.payments.gateway import CallbackResult, Gateway, GatewayUnavailable, QueryResult
from tinhso.payments.models import Outcome, Payment

VERSION = "2.1.0"
VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
QUERY_TIMEOUT = 10.0

REPLIES = {
    Outcome.CONFIRMED: ("00", "Confirm Success"),
    Outcome.ORDER_NOT_FOUND: ("01", "Order not found"),
    Outcome.ALREADY_CONFIRMED: ("02", "Order already confirmed"),
    Outcome.IP_PROHIBITED: ("03", "IP prohibited"),
    Outcome.INVALID_AMOUNT: ("04", "Invalid amount"),
    Outcome.INVALID_SIGNATURE: ("97", "Invalid signature"),
}
UNKNOWN_ERROR = ("99", "Unknown error")

#: querydr vnp_TransactionStatus → our payment status. 07 (suspected fraud, under review) and
#: anything unknown stay pending: a person looks at them (reconciliation is a later module).
QUERY_STATUS = {"00": "paid", "01": "pending", "02": "failed"}

QUERY_REQUEST_FIELDS = ("vnp_RequestId", "vnp_Version", "vnp_Command", "vnp_TmnCode", "vnp_TxnRef",
                        "vnp_TransactionDate", "vnp_CreateDate", "vnp_IpAddr", "vnp_OrderInfo")
QUERY_ANSWER_FIELDS = ("vnp_ResponseId", "vnp_Command", "vnp_ResponseCode", "vnp_Message", "vnp_TmnCode",
                       "vnp_TxnRef", "vnp_Amount", "vnp_BankCode", "vnp_PayDate", "vnp_TransactionNo",
                       "vnp_TransactionType", "vnp_TransactionStatus", "vnp_OrderInfo", "vnp_PromotionCode",
                       "vnp_PromotionAmount")


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(VN_TZ).strftime("%Y%m%d%H%M%S")


def _moment(stamp: str) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(stamp, "%Y%m%d%H%M%S").replace(tzinfo=VN_TZ)
    except (TypeError, ValueError):
        return None


def _unaccented(text: str) -> str:
    """vnp_OrderInfo must be Vietnamese without diacritics and without special characters."""
    text = text.replace("đ", "d").replace("Đ", "D")
    text = "".join(ch for ch in unicodedata.normalize("NFD", text) if unicodedata.category(ch) != "Mn")
    return "".join(ch if ch.isascii() and (ch.isalnum() or ch in " .-:") else " " for ch in text).strip()[:255]


def _mac(secret: str, data: str) -> str:
    return hmac.new(secret.encode("utf-8"), data.encode("utf-8"), hashlib.sha512).hexdigest()


def _signed_query(params: Mapping[str, str]) -> str:
    fields = sorted((k, v) for k, v in params.items()
                    if k.startswith("vnp_") and k not in ("vnp_SecureHash", "vnp_SecureHashType") and v != "")
    return urllib.parse.urlencode(fields, quote_via=urllib.parse.quote_plus)


def _amount(value: str) -> int | None:
    """vnp_Amount (VND × 100) → VND; None when it is not a whole number of đồng."""
    if not value.isdigit():
        return None
    x100 = int(value)
    return x100 // 100 if x100 % 100 == 0 else None


class VnpayGateway(Gateway):
    name = "vnpay"

    def __init__(self):
        self.pay_url = settings.TINHSO_PAY_URL
        self.query_url = settings.TINHSO_PAY_QUERY_URL or (
            urllib.parse.urljoin(self.pay_url, "../merchant_webapi/api/transaction") if self.pay_url else "")
        self.tmn_code = settings.TINHSO_PAY_TMN_CODE
        self.secret = settings.TINHSO_PAY_HASH_SECRET

    def is_configured(self) -> bool:
        return bool(self.pay_url and self.tmn_code and self.secret)

    def create(self, payment: Payment, *, return_url: str, notify_url: str, client_ip: str) -> tuple[str, dict]:
        # `notify_url` is not sent: VNPAY calls the IPN URL registered for the merchant.
        params = {
            "vnp_Version": VERSION, "vnp_Command": "pay", "vnp_TmnCode": self.tmn_code,
            "vnp_Amount": str(payment.amount * 100), "vnp_CurrCode": "VND", "vnp_TxnRef": payment.reference,
            "vnp_OrderInfo": _unaccented(payment.description), "vnp_OrderType": "other", "vnp_Locale": "vn",
            "vnp_ReturnUrl": return_url, "vnp_IpAddr": client_ip or "127.0.0.1",
            "vnp_CreateDate": _stamp(payment.created_at), "vnp_ExpireDate": _stamp(payment.expires_at),
        }
        query = _signed_query(params)
        separator = "&" if "?" in self.pay_url else "?"
        return f"{self.pay_url}{separator}{query}&vnp_SecureHash={_mac(self.secret, query)}", params

    def verify_callback(self, params: Mapping[str, str]) -> CallbackResult:
        params = {k: str(v) for k, v in params.items() if k.startswith("vnp_")}
        given = params.get("vnp_SecureHash", "").lower()
        valid = (bool(given) and bool(self.secret) and params.get("vnp_TmnCode") == self.tmn_code
                 and hmac.compare_digest(given, _mac(self.secret, _signed_query(params))))
        response_code = params.get("vnp_ResponseCode", "")
        return CallbackResult(
            signature_valid=valid, reference=params.get("vnp_TxnRef", "")[:100],
            amount=_amount(params.get("vnp_Amount", "")),
            paid=response_code == "00" and params.get("vnp_TransactionStatus") == "00",
            cancelled=response_code == "24", transaction_id=params.get("vnp_TransactionNo", "")[:60],
            response_code=response_code[:10], paid_at=_moment(params.get("vnp_PayDate", "")),
        )

    def query(self, payment: Payment) -> QueryResult:
        request = {
            "vnp_RequestId": secrets.token_hex(16), "vnp_Version": VERSION, "vnp_Command": "querydr",
            "vnp_TmnCode": self.tmn_code, "vnp_TxnRef": payment.reference,
            "vnp_TransactionDate": payment.request_params.get("vnp_CreateDate") or _stamp(payment.created_at),
            "vnp_CreateDate": _stamp(timezone.now()), "vnp_IpAddr": "127.0.0.1",
            "vnp_OrderInfo": _unaccented(f"Truy van giao dich {payment.reference}"),
        }
        request["vnp_SecureHash"] = _mac(self.secret, "|".join(request[k] for k in QUERY_REQUEST_FIELDS))
        http_request = urllib.request.Request(
            self.query_url, data=json.dumps(request).encode("utf-8"), method="POST",
            headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(http_request, timeout=QUERY_TIMEOUT) as response:  # noqa: S310
                answer = json.loads(response.read())
        except (OSError, ValueError, urllib.error.URLError) as error:
            raise GatewayUnavailable(repr(error)) from error
        if not isinstance(answer, dict):
            raise GatewayUnavailable("querydr answer is not an object")
        answer = {k: "" if v is None else str(v) for k, v in answer.items()}
        expected = _mac(self.secret, "|".join(answer.get(k, "") for k in QUERY_ANSWER_FIELDS))
        verified = (hmac.compare_digest(answer.get("vnp_SecureHash", "").lower(), expected)
                    and answer.get("vnp_TxnRef") == payment.reference)
        code = answer.get("vnp_ResponseCode", "")
        found = verified and code == "00"
        return QueryResult(
            verified=verified, found=found,
            status=QUERY_STATUS.get(answer.get("vnp_TransactionStatus", ""), "pending") if found else "pending",
            amount=_amount(answer.get("vnp_Amount", "")), transaction_id=answer.get("vnp_TransactionNo", "")[:60],
            response_code=code[:10], paid_at=_moment(answer.get("vnp_PayDate", "")), raw=answer,
        )

    def callback_reply(self, outcome: Outcome) -> dict:
        code, message = REPLIES.get(outcome, UNKNOWN_ERROR)
        return {"RspCode": code, "Message": message}
