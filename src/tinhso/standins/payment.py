"""Stand-in payment gateway ("thanh-toan"): speaks a VNPAY-shaped protocol, moves no money.

What it does, as the real gateway does (facts from VNPAY's public integration notes, version 2.1.0):

- ``GET /paymentv2/vpcpay.html?vnp_…&vnp_SecureHash=…`` — the pay page. The merchant's request is
  checked: known ``vnp_TmnCode``, ``vnp_SecureHash`` = HMAC-SHA512 (hex) with the merchant's
  secret over the ``vnp_*`` parameters sorted by name and URL-encoded (``key=value`` joined by
  ``&``), ``vnp_Command=pay``, ``vnp_CurrCode=VND``, ``vnp_Amount`` = amount × 100, an
  ``vnp_ExpireDate`` still in the future. The page shows the amount in VND and two buttons.
- ``POST`` of that page (the citizen's choice) — the result is signed the same way and
  1. sent **server to server** to the merchant's IPN URL (``GET ipn_url?vnp_…``; the IPN URL is
     configured per merchant at the gateway, not sent in the request), expecting
     ``{"RspCode": "00", "Message": "Confirm Success"}``;
  2. the browser is redirected to ``vnp_ReturnUrl`` with the same signed parameters.
  Success is ``vnp_ResponseCode=00`` and ``vnp_TransactionStatus=00``; a cancel is ``24`` / ``02``.
- ``POST /merchant_webapi/api/transaction`` (JSON, ``vnp_Command=querydr``) — the transaction's
  status. The request's hash is HMAC-SHA512 over ``RequestId|Version|Command|TmnCode|TxnRef|
  TransactionDate|CreateDate|IpAddr|OrderInfo``; the answer's over ``ResponseId|Command|
  ResponseCode|Message|TmnCode|TxnRef|Amount|BankCode|PayDate|TransactionNo|TransactionType|
  TransactionStatus|OrderInfo|PromotionCode|PromotionAmount``. ``vnp_ResponseCode`` 00 found,
  91 not found, 97 bad checksum, 02 unknown merchant, 03 malformed.

Configuration (environment, read at the first request): ``TINHSO_PAY_TMN_CODE``,
``TINHSO_PAY_HASH_SECRET`` (default: the published demo merchant below — the stand-in and the demo
deployment share it; **demo only**), ``TINHSO_PAY_IPN_URL`` (default ``TINHSO_BASE_URL`` +
``/thanh-toan/ipn/``). Tests build a :class:`PaymentGatewayStandin` with their own merchant and, if
they want, a ``transport`` that carries the outgoing IPN.

The signing code here is written independently of ``tinhso.payments.vnpay``: the stand-in checks
what the product's adapter really sends, so an encoding mistake on either side shows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import html
import itertools
import json
import os
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Callable

from tinhso.standins import Journal

#: The demo merchant. Its secret is public (it is in this file): it protects nothing, and is used
#: only where the stand-ins are on (TINHSO_STANDINS=1) or in tests.
DEMO_TMN_CODE = "TINHSO01"
DEMO_HASH_SECRET = "gia-lap-khong-dung-that-TINHSO-DEMO-SECRET-0001"

PAY_PATH = "/paymentv2/vpcpay.html"
QUERY_PATH = "/merchant_webapi/api/transaction"

VN_TZ = dt.timezone(dt.timedelta(hours=7))

#: Transport for the server-to-server IPN: (url, timeout) -> (HTTP status, body bytes).
Transport = Callable[[str, float], tuple[int, bytes]]


def _urlopen_transport(url: str, timeout: float) -> tuple[int, bytes]:
    request = urllib.request.Request(url, method="GET", headers={"User-Agent": "tinhso-standin-thanh-toan"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - configured URL
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _hmac512(secret: str, data: str) -> str:
    return hmac.new(secret.encode("utf-8"), data.encode("utf-8"), hashlib.sha512).hexdigest()


def _hash_data(params: dict[str, str]) -> str:
    """The signed string: vnp_* parameters except the hash itself, sorted by name, each
    `name=value` with the value form-encoded (space as +)."""
    items = sorted((k, v) for k, v in params.items()
                   if k.startswith("vnp_") and k not in ("vnp_SecureHash", "vnp_SecureHashType") and v != "")
    return "&".join(f"{urllib.parse.quote_plus(k)}={urllib.parse.quote_plus(v)}" for k, v in items)


def sign_params(secret: str, params: dict[str, str]) -> dict[str, str]:
    """`params` with their vnp_SecureHash, as the gateway signs its results."""
    return {**params, "vnp_SecureHash": _hmac512(secret, _hash_data(params))}


def _valid(secret: str, params: dict[str, str]) -> bool:
    given = params.get("vnp_SecureHash", "").lower()
    return bool(given) and hmac.compare_digest(given, _hmac512(secret, _hash_data(params)))


def _now() -> dt.datetime:
    return dt.datetime.now(VN_TZ)


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(VN_TZ).strftime("%Y%m%d%H%M%S")


def _parse_stamp(value: str) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(value, "%Y%m%d%H%M%S").replace(tzinfo=VN_TZ)
    except (TypeError, ValueError):
        return None


def vnd(amount: int) -> str:
    """12345678 → "12.345.678" (Vietnamese thousands separator)."""
    return f"{amount:,}".replace(",", ".")


@dataclass(frozen=True)
class Merchant:
    tmn_code: str
    hash_secret: str
    ipn_url: str


@dataclass
class Transaction:
    """What the gateway knows about one merchant order (vnp_TxnRef)."""

    tmn_code: str
    txn_ref: str
    amount_x100: str
    order_info: str
    create_date: str
    return_url: str
    status: str = "01"            # vnp_TransactionStatus: 01 not completed yet
    response_code: str = ""       # vnp_ResponseCode of the payment
    transaction_no: str = ""
    pay_date: str = ""
    ipn: dict[str, Any] = field(default_factory=dict)


class PaymentGatewayStandin:
    """The WSGI application. Thread-safe: the test server serves requests on threads."""

    BANK_CODE = "GIALAP"

    def __init__(self, merchants: list[Merchant], *, transport: Transport | None = None,
                 journal: Journal | None = None, ipn_timeout: float = 10.0):
        self.merchants = {m.tmn_code: m for m in merchants}
        self.transport = transport or _urlopen_transport
        self.journal = journal or Journal("thanh-toan")
        self.ipn_timeout = ipn_timeout
        self._lock = threading.Lock()
        self._transactions: dict[tuple[str, str], Transaction] = {}
        self._numbers = itertools.count(int(_now().strftime("%y%m%d")) * 100 + 1)

    @classmethod
    def from_env(cls) -> PaymentGatewayStandin:
        base = os.environ.get("TINHSO_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
        merchant = Merchant(
            tmn_code=os.environ.get("TINHSO_PAY_TMN_CODE") or DEMO_TMN_CODE,
            hash_secret=os.environ.get("TINHSO_PAY_HASH_SECRET") or DEMO_HASH_SECRET,
            ipn_url=os.environ.get("TINHSO_PAY_IPN_URL") or f"{base}/thanh-toan/ipn/",
        )
        return cls([merchant])

    def transaction(self, tmn_code: str, txn_ref: str) -> Transaction | None:
        with self._lock:
            return self._transactions.get((tmn_code, txn_ref))

    # --- WSGI --------------------------------------------------------------------------------

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "") or "/"
        method = environ.get("REQUEST_METHOD", "GET")
        try:
            if path == PAY_PATH and method == "GET":
                status, headers, body = self._pay_page(environ)
            elif path == PAY_PATH and method == "POST":
                status, headers, body = self._pay_choice(environ)
            elif path == QUERY_PATH and method == "POST":
                status, headers, body = self._query(environ)
            else:
                status, headers, body = _page("404 Not Found", "Không có trang này",
                                              "<p>Cổng thanh toán giả lập không có địa chỉ này.</p>")
        except Exception as error:  # a stand-in answers, it never takes the demo server down
            self.journal.record({"kind": "error", "path": path, "error": repr(error)})
            status, headers, body = _page("500 Internal Server Error", "Lỗi cổng giả lập",
                                          "<p>Cổng thanh toán giả lập gặp lỗi.</p>")
        start_response(status, headers)
        return [body]

    # --- The pay page ------------------------------------------------------------------------

    def _check_request(self, params: dict[str, str]) -> tuple[Merchant | None, str]:
        """The merchant and "" when the payment request is acceptable, else the reason."""
        merchant = self.merchants.get(params.get("vnp_TmnCode", ""))
        if merchant is None:
            return None, "Mã website (vnp_TmnCode) không được đăng ký với cổng."
        if not _valid(merchant.hash_secret, params):
            return None, "Sai chữ ký (vnp_SecureHash)."
        if params.get("vnp_Command") != "pay" or params.get("vnp_CurrCode") != "VND":
            return None, "Yêu cầu thanh toán không đúng định dạng (vnp_Command / vnp_CurrCode)."
        amount = params.get("vnp_Amount", "")
        if not amount.isdigit() or int(amount) <= 0 or int(amount) % 100:
            return None, "Số tiền (vnp_Amount) không hợp lệ."
        for name in ("vnp_TxnRef", "vnp_OrderInfo", "vnp_ReturnUrl", "vnp_CreateDate"):
            if not params.get(name):
                return None, f"Thiếu tham số {name}."
        expires = _parse_stamp(params.get("vnp_ExpireDate", ""))
        if expires is not None and expires < _now():
            return None, "Giao dịch đã quá thời gian chờ thanh toán."
        return merchant, ""

    def _remember(self, params: dict[str, str]) -> Transaction:
        key = (params["vnp_TmnCode"], params["vnp_TxnRef"])
        with self._lock:
            txn = self._transactions.get(key)
            if txn is None:
                txn = self._transactions[key] = Transaction(
                    tmn_code=key[0], txn_ref=key[1], amount_x100=params["vnp_Amount"],
                    order_info=params["vnp_OrderInfo"], create_date=params["vnp_CreateDate"],
                    return_url=params["vnp_ReturnUrl"])
            return txn

    def _pay_page(self, environ):
        params = _single(urllib.parse.parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True))
        merchant, problem = self._check_request(params)
        if merchant is None:
            self.journal.record({"kind": "pay_rejected", "reason": problem, "params": params})
            return _page("400 Bad Request", "Không thể thanh toán",
                         f"<p>Cổng thanh toán từ chối yêu cầu: {html.escape(problem)}</p>")
        txn = self._remember(params)
        self.journal.record({"kind": "pay_page", "txn_ref": txn.txn_ref, "amount": int(txn.amount_x100) // 100})
        if txn.status != "01":
            return _page("409 Conflict", "Giao dịch đã xử lý",
                         "<p>Giao dịch này đã được xử lý, không thể thanh toán lại.</p>")
        action = html.escape(environ.get("SCRIPT_NAME", "") + PAY_PATH)
        hidden = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                         for k, v in params.items())
        body = f"""
<p class="warn"><strong>Đây là cổng thanh toán GIẢ LẬP để trình diễn và kiểm thử.</strong>
Không có tiền thật nào được chuyển; không nhập thông tin thẻ hay tài khoản ngân hàng.</p>
<dl>
  <dt>Số tiền</dt><dd class="amount">{vnd(int(txn.amount_x100) // 100)} VND</dd>
  <dt>Nội dung</dt><dd>{html.escape(txn.order_info)}</dd>
  <dt>Mã giao dịch của đơn vị</dt><dd>{html.escape(txn.txn_ref)}</dd>
</dl>
<form method="post" action="{action}">
  {hidden}
  <button type="submit" name="choice" value="ok" class="ok">Thanh toán thành công (giả lập)</button>
  <button type="submit" name="choice" value="cancel" class="cancel">Hủy</button>
</form>"""
        return _page("200 OK", "Thanh toán phí, lệ phí", body)

    # --- The citizen's choice: IPN to the merchant, then back to the merchant's return URL ----

    def _pay_choice(self, environ):
        form = _single(urllib.parse.parse_qs(_read_body(environ).decode("utf-8", "replace"),
                                             keep_blank_values=True))
        choice = form.pop("choice", "")
        merchant, problem = self._check_request(form)
        if merchant is None or choice not in ("ok", "cancel"):
            self.journal.record({"kind": "pay_rejected", "reason": problem or "choice", "params": form})
            return _page("400 Bad Request", "Không thể thanh toán",
                         f"<p>Cổng thanh toán từ chối yêu cầu: {html.escape(problem or 'lựa chọn không hợp lệ')}</p>")
        txn = self._remember(form)
        with self._lock:
            if txn.status != "01":
                already = True
            else:
                already = False
                txn.transaction_no = str(next(self._numbers))
                txn.pay_date = _stamp(_now())
                txn.response_code, txn.status = ("00", "00") if choice == "ok" else ("24", "02")
        if already:
            return _page("409 Conflict", "Giao dịch đã xử lý",
                         "<p>Giao dịch này đã được xử lý, không thể thanh toán lại.</p>")
        result = sign_params(merchant.hash_secret, {
            "vnp_Amount": txn.amount_x100, "vnp_BankCode": self.BANK_CODE,
            "vnp_BankTranNo": f"{self.BANK_CODE}{txn.transaction_no}" if choice == "ok" else "",
            "vnp_CardType": "ATM", "vnp_OrderInfo": txn.order_info, "vnp_PayDate": txn.pay_date,
            "vnp_ResponseCode": txn.response_code, "vnp_TmnCode": txn.tmn_code,
            "vnp_TransactionNo": txn.transaction_no, "vnp_TransactionStatus": txn.status,
            "vnp_TxnRef": txn.txn_ref,
        })
        result = {k: v for k, v in result.items() if v != ""}
        query = urllib.parse.urlencode(result, quote_via=urllib.parse.quote_plus)
        txn.ipn = self._send_ipn(merchant, query, txn)
        separator = "&" if "?" in txn.return_url else "?"
        location = f"{txn.return_url}{separator}{query}"
        self.journal.record({"kind": "return", "txn_ref": txn.txn_ref, "location": location})
        return "302 Found", [("Location", location), ("Content-Type", "text/plain; charset=utf-8"),
                             ("Content-Length", "0")], b""

    def _send_ipn(self, merchant: Merchant, query: str, txn: Transaction) -> dict[str, Any]:
        """One delivery attempt (the real gateway retries on failure; a stand-in records it)."""
        separator = "&" if "?" in merchant.ipn_url else "?"
        url = f"{merchant.ipn_url}{separator}{query}"
        record: dict[str, Any] = {"kind": "ipn", "txn_ref": txn.txn_ref, "url": url}
        try:
            status, body = self.transport(url, self.ipn_timeout)
            record.update(status=status, body=body.decode("utf-8", "replace"))
            try:
                record["answer"] = json.loads(body)
            except ValueError:
                record["answer"] = None
        except Exception as error:  # the merchant is down: the citizen still gets back to it
            record.update(status=None, error=repr(error))
        return self.journal.record(record)

    # --- querydr ------------------------------------------------------------------------------

    def _query(self, environ):
        try:
            data = json.loads(_read_body(environ) or b"{}")
            assert isinstance(data, dict)
        except (ValueError, AssertionError):
            return _json({"vnp_ResponseCode": "03", "vnp_Message": "Dữ liệu không đúng định dạng"})
        data = {k: "" if v is None else str(v) for k, v in data.items()}
        merchant = self.merchants.get(data.get("vnp_TmnCode", ""))
        response_id = os.urandom(8).hex()
        if merchant is None:
            self.journal.record({"kind": "querydr", "code": "02", "request": data})
            return _json({"vnp_ResponseId": response_id, "vnp_Command": "querydr", "vnp_ResponseCode": "02",
                          "vnp_Message": "Merchant khong hop le"})
        signed = "|".join(data.get(k, "") for k in (
            "vnp_RequestId", "vnp_Version", "vnp_Command", "vnp_TmnCode", "vnp_TxnRef", "vnp_TransactionDate",
            "vnp_CreateDate", "vnp_IpAddr", "vnp_OrderInfo"))
        if data.get("vnp_Command") != "querydr":
            code, message, txn = "03", "Sai vnp_Command", None
        elif not hmac.compare_digest(data.get("vnp_SecureHash", "").lower(), _hmac512(merchant.hash_secret, signed)):
            code, message, txn = "97", "Checksum khong hop le", None
        else:
            txn = self.transaction(merchant.tmn_code, data.get("vnp_TxnRef", ""))
            code, message = ("00", "Truy van thanh cong") if txn else ("91", "Khong tim thay giao dich")
        answer = {"vnp_ResponseId": response_id, "vnp_Command": "querydr", "vnp_ResponseCode": code,
                  "vnp_Message": message, "vnp_TmnCode": merchant.tmn_code, "vnp_TxnRef": data.get("vnp_TxnRef", "")}
        if txn is not None:
            answer.update({"vnp_Amount": txn.amount_x100, "vnp_BankCode": self.BANK_CODE, "vnp_PayDate": txn.pay_date,
                           "vnp_TransactionNo": txn.transaction_no, "vnp_TransactionType": "01",
                           "vnp_TransactionStatus": txn.status, "vnp_OrderInfo": txn.order_info,
                           "vnp_PromotionCode": "", "vnp_PromotionAmount": ""})
        answer["vnp_SecureHash"] = _hmac512(merchant.hash_secret, "|".join(answer.get(k, "") for k in (
            "vnp_ResponseId", "vnp_Command", "vnp_ResponseCode", "vnp_Message", "vnp_TmnCode", "vnp_TxnRef",
            "vnp_Amount", "vnp_BankCode", "vnp_PayDate", "vnp_TransactionNo", "vnp_TransactionType",
            "vnp_TransactionStatus", "vnp_OrderInfo", "vnp_PromotionCode", "vnp_PromotionAmount")))
        self.journal.record({"kind": "querydr", "txn_ref": data.get("vnp_TxnRef", ""), "code": code,
                             "status": answer.get("vnp_TransactionStatus", "")})
        return _json(answer)


def _single(query: dict[str, list[str]]) -> dict[str, str]:
    return {k: v[-1] for k, v in query.items()}


def _read_body(environ) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    return environ["wsgi.input"].read(min(length, 64 * 1024)) if length > 0 else b""


def _json(data: dict[str, Any]):
    body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    return "200 OK", [("Content-Type", "application/json; charset=utf-8"), ("Content-Length", str(len(body)))], body


_STYLE = """body{font-family:system-ui,sans-serif;max-width:32rem;margin:1rem auto;padding:0 1rem;color:#0b0c0c}
.banner{background:#1d3f7a;color:#fff;padding:.5rem 1rem;margin:0 -1rem 1rem}
.warn{border-left:6px solid #d4351c;padding:.5rem 1rem;background:#fdf2f0}
dt{font-weight:700;margin-top:.5rem}dd{margin:0}.amount{font-size:1.6rem;font-weight:700}
button{display:block;width:100%;font-size:1.1rem;padding:.75rem;margin:.75rem 0;border:0;cursor:pointer}
.ok{background:#00703c;color:#fff}.cancel{background:#f3f2f1;color:#0b0c0c;border:1px solid #b1b4b6}"""


def _page(status: str, title: str, body: str):
    document = f"""<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} – Cổng thanh toán giả lập</title><style>{_STYLE}</style></head>
<body><div class="banner">Cổng thanh toán giả lập (không phải cổng thật)</div>
<h1>{html.escape(title)}</h1>{body}</body></html>"""
    data = document.encode("utf-8")
    headers = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(data))),
               ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"),
               ("X-Frame-Options", "DENY"), ("Cache-Control", "no-store")]
    return status, headers, data


_default: PaymentGatewayStandin | None = None
_default_lock = threading.Lock()


def application(environ, start_response):
    """The stand-in configured from the environment (mounted under /gia-lap/thanh-toan/)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = PaymentGatewayStandin.from_env()
    return _default(environ, start_response)
