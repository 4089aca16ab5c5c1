"""Stand-in for an SMS brandname provider, speaking eSMS.vn's JSON API ("Tin nhắn SMS OTP/CSKH").

    POST /MainService.svc/json/SendMultipleMessage_V4_post_json/
    {"ApiKey", "SecretKey", "Phone", "Content", "Brandname", "SmsType": "2", "IsUnicode": "0"|"1",
     "RequestId"}
    → 200 {"CodeResult": "100", "CountRegenerate": 0, "SMSID": "…"}
    → 200 {"CodeResult": "101"|"104"|"108"|"118"|"124", "CountRegenerate": 0, "ErrorMessage": "…"}

Codes as eSMS documents them: 100 accepted, 101 wrong ApiKey/SecretKey, 104 unknown brandname,
108 phone number not in a valid format, 118 unsupported message type, 124 RequestId already used
today (nothing is sent again). A malformed body gets HTTP 400 {"error": "Invalid request"}.
Nothing reaches a phone: each request is recorded in the journal and listed at ``/``.

Fault switch: ``POST /_fail`` with ``mode=down`` (HTTP 503 to every send), ``mode=slow`` (answers
only after `slow_seconds`, past any client timeout) or ``mode=off``; the environment variable
``TINHSO_STANDIN_SMS_FAIL`` sets the starting mode. With ``TINHSO_DATA_DIR`` the mode and the
journal live in files there, so every process of the demo server sees the same.
``GET /_messages`` returns the journal as JSON.

This module also holds `StandinApp`, the small WSGI base the notification stand-ins share.
"""

from __future__ import annotations

import html
import json
import os
import re
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Callable
from urllib.parse import parse_qs

from tinhso.standins import Journal

MAX_BODY = 64 * 1024
DEMO_API_KEY = "gia-lap-sms-key"          # the defaults of settings.TINHSO_SMS_* in the demo
DEMO_SECRET_KEY = "gia-lap-sms-secret"
DEMO_BRANDNAME = "TINHSO"
SEND_PATH = "/MainService.svc/json/SendMultipleMessage_V4_post_json"
#: Vietnamese mobile numbers (Viettel 03x/09x, VinaPhone 08x/09x, MobiFone 07x/09x, Vietnamobile
#: 05x, …) as 0xxxxxxxxx or 84xxxxxxxxx; a landline (02x) is refused like eSMS does, code 108.
MOBILE = re.compile(r"^(?:0|84)(?:3[2-9]|5[2689]|7[06-9]|8[1-9]|9\d)\d{7}$")
MODES = ("off", "down", "slow")

Response = tuple[str, list[tuple[str, str]], bytes]


def mask_phone(phone: str) -> str:
    return f"{phone[:3]}****{phone[-3:]}" if len(phone) >= 7 else "***"


class StandinApp:
    """WSGI app with a journal, a fault switch and an HTML page of what it received."""

    name = "standin"
    title = "Máy giả lập"

    def __init__(self, *, journal: Journal | None = None, slow_seconds: float = 15.0,
                 state_dir: Path | None = None):
        self.journal = journal or Journal(self.name)
        self.slow_seconds = slow_seconds
        data_dir = os.environ.get("TINHSO_DATA_DIR")
        self.state_dir = state_dir or (Path(data_dir) / "standins" if data_dir else None)
        self._mode = os.environ.get(f"TINHSO_STANDIN_{self.name.upper()}_FAIL", "off") or "off"
        if self._mode not in MODES:
            self._mode = "down"
        self._lock = threading.Lock()

    # --- fault switch -------------------------------------------------------------------------

    def _mode_file(self) -> Path | None:
        return self.state_dir / f"{self.journal.name}.fail" if self.state_dir else None

    @property
    def mode(self) -> str:
        path = self._mode_file()
        if path is not None and path.exists():
            value = path.read_text().strip()
            return value if value in MODES else "off"
        return self._mode

    def set_mode(self, mode: str) -> None:
        with self._lock:
            self._mode = mode
            path = self._mode_file()
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(mode)

    # --- records --------------------------------------------------------------------------------

    def records(self) -> list[dict[str, Any]]:
        """Everything received, also by the other processes of the demo server (journal file)."""
        data_dir = os.environ.get("TINHSO_DATA_DIR")
        path = Path(data_dir) / "standins" / f"{self.journal.name}.jsonl" if data_dir else None
        if path is not None and path.exists():
            with path.open(encoding="utf-8") as lines:
                return [json.loads(line) for line in lines if line.strip()]
        return self.journal.items()

    # --- WSGI ---------------------------------------------------------------------------------

    def __call__(self, environ, start_response):
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "") or "/"
        try:
            status, headers, body = self.route(method, path.rstrip("/") or "/", environ)
        except _BadRequest as bad:
            status, headers, body = _json(400, bad.body)
        start_response(status, headers + [("Content-Length", str(len(body))),
                                          ("X-Content-Type-Options", "nosniff"),
                                          ("Cache-Control", "no-store")])
        return [body]

    def route(self, method: str, path: str, environ) -> Response:
        if path == "/" and method == "GET":
            return self.page(environ)
        if path == "/_messages" and method == "GET":
            return _json(200, self.records())
        if path == "/_fail" and method == "POST":
            return self.switch(environ)
        handler = self.endpoints().get((method, path))
        if handler is None:
            return _json(404, {"error": "Not found"})
        mode = self.mode
        if mode == "slow":
            time.sleep(self.slow_seconds)
        if mode in ("down", "slow"):
            return ("503 Service Unavailable", [("Content-Type", "text/html; charset=utf-8")],
                    b"<h1>Service Unavailable</h1>")
        return handler(environ)

    def endpoints(self) -> dict[tuple[str, str], Callable[[dict], Response]]:
        return {}

    def switch(self, environ) -> Response:
        fields = parse_qs(environ.get("QUERY_STRING", ""))
        if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
            fields.update(parse_qs(_read(environ).decode("utf-8", "replace")))
        mode = (fields.get("mode") or [""])[0] or ("off" if self.mode != "off" else "down")
        if mode not in MODES:
            return _json(400, {"error": f"mode must be one of {', '.join(MODES)}"})
        self.set_mode(mode)
        if "text/html" in environ.get("HTTP_ACCEPT", ""):
            return ("303 See Other", [("Location", environ.get("SCRIPT_NAME", "") + "/")], b"")
        return _json(200, {"mode": mode})

    def rows(self) -> tuple[list[str], list[list[str]]]:
        return [], []

    def page(self, environ) -> Response:
        heads, rows = self.rows()
        mode = self.mode
        state = {"off": "bình thường", "down": "đang giả lập sự cố (trả lỗi 503)",
                 "slow": "đang giả lập trả lời chậm"}[mode]
        table = "".join(
            "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>" for row in reversed(rows))
        buttons = "".join(
            f'<button name="mode" value="{m}"{" disabled" if m == mode else ""}>{label}</button> '
            for m, label in (("off", "Hoạt động bình thường"), ("down", "Giả lập sự cố"),
                             ("slow", "Giả lập trả lời chậm")))
        body = f"""<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(self.title)} — không gửi tin thật</title>
<style>body{{font-family:sans-serif;margin:1rem;max-width:70rem}}table{{border-collapse:collapse;width:100%}}
td,th{{border:1px solid #999;padding:.3rem;text-align:left;vertical-align:top}}
.banner{{background:#fff3cd;border:2px solid #b58100;padding:.6rem}}</style></head>
<body><h1>{html.escape(self.title)} — không gửi tin thật</h1>
<p class="banner"><strong>Máy giả lập (stand-in), không phải dịch vụ thật.</strong> Tin nhắn gửi đến đây
được ghi lại để kiểm tra và trình diễn, không đến điện thoại nào.</p>
<form method="post" action="{html.escape(environ.get("SCRIPT_NAME", ""))}/_fail">
<p>Trạng thái: <strong>{state}</strong>. {buttons}</p></form>
<h2>Đã nhận {len(rows)} yêu cầu</h2>
<table><thead><tr>{"".join(f"<th>{html.escape(h)}</th>" for h in heads)}</tr></thead>
<tbody>{table}</tbody></table></body></html>"""
        return ("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                           ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; "
                                                       "form-action 'self'; frame-ancestors 'none'")],
                body.encode("utf-8"))


class _BadRequest(Exception):
    def __init__(self, body: dict[str, Any]):
        super().__init__(str(body))
        self.body = body


def _read(environ) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY:
        raise _BadRequest({"error": "Request too large"})
    return environ["wsgi.input"].read(length) if length > 0 else b""


def read_json(environ, error_body: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(_read(environ).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _BadRequest(error_body) from None
    if not isinstance(data, dict):
        raise _BadRequest(error_body)
    return data


def _json(status: int, data: Any) -> Response:
    reason = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found"}.get(status, "")
    return (f"{status} {reason}".strip(), [("Content-Type", "application/json; charset=utf-8")],
            json.dumps(data, ensure_ascii=False).encode("utf-8"))


def local_time(timestamp: float) -> str:
    return time.strftime("%d/%m/%Y %H:%M:%S", time.localtime(timestamp))


class SmsStandin(StandinApp):
    name = "sms"
    title = "Máy giả lập SMS brandname"

    def __init__(self, *, api_key: str | None = None, secret_key: str | None = None,
                 brandname: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.api_key = api_key or os.environ.get("TINHSO_SMS_API_KEY") or DEMO_API_KEY
        self.secret_key = secret_key or os.environ.get("TINHSO_SMS_SECRET_KEY") or DEMO_SECRET_KEY
        self.brandname = brandname or os.environ.get("TINHSO_SMS_BRANDNAME") or DEMO_BRANDNAME
        self._request_ids: set[tuple[str, str]] = set()

    def endpoints(self):
        return {("POST", SEND_PATH): self.send}

    def send(self, environ) -> Response:
        data = read_json(environ, {"error": "Invalid request"})
        fields = ("ApiKey", "SecretKey", "Phone", "Content", "Brandname", "SmsType")
        if any(not isinstance(data.get(f), str) or not data.get(f) for f in fields):
            raise _BadRequest({"error": "Invalid request"})
        phone, content, request_id = data["Phone"].strip(), data["Content"], str(data.get("RequestId") or "")
        record = {"phone": phone, "content": content, "brandname": data["Brandname"], "sms_type": data["SmsType"],
                  "is_unicode": str(data.get("IsUnicode", "0")), "request_id": request_id}

        def answer(code: str, message: str = "", **extra) -> Response:
            self.journal.record({**record, "code_result": code, "error": message, **extra})
            body = {"CodeResult": code, "CountRegenerate": 0, **extra}
            if message:
                body["ErrorMessage"] = message
            return _json(200, body)

        if data["ApiKey"] != self.api_key or data["SecretKey"] != self.secret_key:
            return answer("101", "Authorize Failed")
        if data["Brandname"] != self.brandname:
            return answer("104", "Brand name code is not exist")
        if data["SmsType"] != "2":
            return answer("118", "Unsupported message type")
        if not MOBILE.match(phone):
            return answer("108", "Phone number is not in correct format")
        if request_id:
            key = (time.strftime("%Y-%m-%d"), request_id)   # eSMS blocks a RequestId for the day
            with self._lock:
                seen = key in self._request_ids
                self._request_ids.add(key)
            if seen:
                return answer("124", "Request exist 1")
        return answer("100", SMSID=uuid.uuid4().hex)

    def rows(self):
        heads = ["Lúc", "Số điện thoại", "Brandname", "Nội dung", "Kết quả"]
        rows = [[local_time(r["received_at"]), mask_phone(r["phone"]), r["brandname"], r["content"],
                 r["code_result"] + (f" {r['error']}" if r.get("error") else "")] for r in self.records()]
        return heads, rows


app = SmsStandin()
