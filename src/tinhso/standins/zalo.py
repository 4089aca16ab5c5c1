"""Stand-in for Zalo Notification Service (ZNS), speaking Zalo's template-message API.

    POST /message/template          header  access_token: <Official Account access token>
    {"phone": "84xxxxxxxxx", "template_id": "…", "template_data": {…}, "tracking_id": "…"}
    → 200 {"error": 0, "message": "Success",
           "data": {"msg_id": "…", "sent_time": "<ms>", "quota": {"dailyQuota": "…", "remainingQuota": "…"}}}
    → 200 {"error": -108|-109|-111|-112|-118, "message": "…"}

Error codes as Zalo documents them ("Cách xử lý mã lỗi"): -108 phone number invalid, -109
template id invalid, -111 template data empty, -112 template data invalid, -118 Zalo account not
existed, -124 access token invalid. Zalo itself answers every error with HTTP 200; this stand-in
answers a missing or wrong access token with HTTP 401 (same body, error -124) so that a request
without the header stands out. It is stricter than Zalo on the phone: only the international form
84xxxxxxxxx is taken, the form our adapter must send.

The approved templates are the stand-in's own list (ZNS templates are approved at Zalo, with
fixed parameter names); `template_data` must carry exactly their parameters, as strings. A number
listed in `no_zalo` has no Zalo account (-118). Fault switch, journal and page as in `sms.py`.
"""

from __future__ import annotations

import os
import re
import threading
import time
import uuid

from tinhso.standins.sms import StandinApp, _json, local_time, mask_phone, read_json

DEMO_ACCESS_TOKEN = "gia-lap-zalo-token"   # the default of settings.TINHSO_ZALO_ACCESS_TOKEN in the demo
#: The demo Official Account's approved templates: id → parameter names (the ids are the defaults
#: of settings.TINHSO_ZALO_ZNS_TEMPLATES in the demo).
DEMO_TEMPLATES: dict[str, frozenset[str]] = {
    "100001": frozenset({"customer_name", "dossier_code", "procedure_name", "due_date"}),
    "100002": frozenset({"customer_name", "dossier_code", "procedure_name", "reason"}),
    "100003": frozenset({"customer_name", "dossier_code", "due_date", "reason"}),
    "100004": frozenset({"customer_name", "dossier_code", "procedure_name", "agency_name"}),
    "100005": frozenset({"customer_name", "dossier_code", "procedure_name", "reason"}),
}
PHONE = re.compile(r"^84\d{9}$")
DAILY_QUOTA = 500


class ZaloStandin(StandinApp):
    name = "zalo"
    title = "Máy giả lập Zalo ZNS"

    def __init__(self, *, access_token: str | None = None, templates: dict[str, frozenset[str]] | None = None,
                 no_zalo: frozenset[str] = frozenset(), **kwargs):
        super().__init__(**kwargs)
        self.access_token = access_token or os.environ.get("TINHSO_ZALO_ACCESS_TOKEN") or DEMO_ACCESS_TOKEN
        self.templates = DEMO_TEMPLATES if templates is None else templates
        self.no_zalo = no_zalo
        self._sent_today = 0
        self._count_lock = threading.Lock()

    def endpoints(self):
        return {("POST", "/message/template"): self.send}

    def send(self, environ) -> tuple:
        token = environ.get("HTTP_ACCESS_TOKEN", "")
        if token != self.access_token:
            # Recorded without the token: the journal never keeps a credential.
            self.journal.record({"phone": "", "template_id": "", "template_data": {}, "tracking_id": "",
                                 "error": -124, "message": "Access token invalid"})
            return _json(401, {"error": -124, "message": "Access token invalid"})
        data = read_json(environ, {"error": -100, "message": "Body invalid"})
        phone, template_id = str(data.get("phone", "")), str(data.get("template_id", ""))
        template_data = data.get("template_data")
        record = {"phone": phone, "template_id": template_id, "tracking_id": str(data.get("tracking_id", "")),
                  "template_data": template_data if isinstance(template_data, dict) else {}}

        def answer(error: int, message: str, payload: dict | None = None):
            self.journal.record({**record, "error": error, "message": message,
                                 **({"msg_id": payload["msg_id"]} if payload else {})})
            body = {"error": error, "message": message}
            if payload:
                body["data"] = payload
            return _json(200, body)

        if not PHONE.match(phone):
            return answer(-108, "Phone number invalid")
        if template_id not in self.templates:
            return answer(-109, "Template ID invalid")
        if not template_data or not isinstance(template_data, dict):
            return answer(-111, "Template data empty")
        if set(template_data) != set(self.templates[template_id]) or not all(
                isinstance(v, str) and v for v in template_data.values()):
            return answer(-112, "Template data invalid")
        if phone in self.no_zalo:
            return answer(-118, "Zalo account not existed")
        with self._count_lock:
            self._sent_today += 1
            remaining = max(DAILY_QUOTA - self._sent_today, 0)
        return answer(0, "Success", {"msg_id": uuid.uuid4().hex, "sent_time": str(int(time.time() * 1000)),
                                     "quota": {"dailyQuota": str(DAILY_QUOTA), "remainingQuota": str(remaining)}})

    def rows(self):
        heads = ["Lúc", "Số điện thoại", "Mẫu ZNS", "Tham số", "Kết quả"]
        rows = [[local_time(r["received_at"]), mask_phone(r["phone"]) if r["phone"] else "—", r["template_id"],
                 "; ".join(f"{k}: {v}" for k, v in sorted((r.get("template_data") or {}).items())),
                 f"{r['error']} {r['message']}"] for r in self.records()]
        return heads, rows


app = ZaloStandin()
