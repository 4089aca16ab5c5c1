"""Public tracking API (mounted at /api/v1/): GET /tracking/{code}.

No sign-in. The same masked view as the page /tra-cuu/<code>/ (dossiers/tracking.py): status,
procedure, receiving agency, dates and steps; the applicant's name masked; nothing else personal.
Unknown and malformed codes both answer 404 {"code": "not_found"}; more look-ups from one IP than
TINHSO_TRACKING_RATE allows answer 429 with Retry-After. Times are ISO 8601 in Vietnam's time
(+07:00). Answers may be cached for 30 seconds by
anyone (Cache-Control: public, max-age=30): they hold no personal data, and a status that is half
a minute old is still right for a citizen. The server keeps each found answer for the same time
(TINHSO_TRACKING_CACHE_SECONDS, per code and language) and reads it in the round trip that counts
the look-up, so a code asked again within that time costs no database query.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Router, Schema

from tinhso.dossiers.tracking import code_normalise, tracking_answer_store, tracking_count, tracking_lookup

router = Router(tags=["Tra cứu hồ sơ"], auth=None)

CACHE_CONTROL = "public, max-age=30"


class CodeName(Schema):
    code: str
    name: str


class StepOut(Schema):
    at: dt.datetime
    name: str
    agency: str
    timeliness: Literal["early", "on_time", "late", ""]
    timeliness_name: str


class TrackingOut(Schema):
    code: str
    status: int
    status_name: str
    step_name: str
    procedure: CodeName
    receiving_agency: CodeName
    applicant: str
    submitted_at: dt.datetime
    accepted_at: dt.datetime | None
    due_at: dt.datetime | None
    finished_at: dt.datetime | None
    returned_at: dt.datetime | None
    steps: list[StepOut]


class ErrorOut(Schema):
    code: str
    message: str
    details: dict | list | None = None


def _when(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value is not None else None


@router.get("/tracking/{code}", response={200: TrackingOut, 404: ErrorOut, 429: ErrorOut},
            summary="Tra cứu tiến độ hồ sơ theo mã (công khai, đã che thông tin cá nhân)")
def tracking(request: HttpRequest, code: str):
    # Answers are written directly (the schemas above document them): on this hot path, validating
    # our own output with pydantic would cost as much as the two queries.
    normal = code_normalise(code)
    key = f"tracking:answer:{get_language()}:{normal}" if normal else None
    allowed, wait, cached = tracking_count(request, answer_key=key)
    if not allowed:
        response = _json(429, {"code": "rate_limited", "message": _(
            "Bạn đã tra cứu quá nhiều lần. Vui lòng thử lại sau %(n)d giây.") % {"n": wait},
            "details": {"retry_after": wait}})
        response["Retry-After"] = str(wait)
        return response
    if cached is not None:
        return _answer(cached)
    found = tracking_lookup(normal) if normal else None
    if found is None:
        return _json(404, {"code": "not_found", "message": _("Không tìm thấy hồ sơ."), "details": None})
    body = json.dumps({
        "code": found.code, "status": found.status, "status_name": found.status_name, "step_name": found.step_name,
        "procedure": {"code": found.procedure_code, "name": found.procedure_name},
        "receiving_agency": {"code": found.receiving_agency_code, "name": found.receiving_agency_name},
        "applicant": found.applicant_masked, "submitted_at": _when(found.submitted_at),
        "accepted_at": _when(found.accepted_at), "due_at": _when(found.due_at),
        "finished_at": _when(found.finished_at), "returned_at": _when(found.returned_at),
        "steps": [{"at": _when(s.at), "name": s.name, "agency": s.agency, "timeliness": s.timeliness,
                   "timeliness_name": s.timeliness_name} for s in found.steps],
    }, ensure_ascii=False).encode()
    tracking_answer_store(key, body)
    return _answer(body)


def _answer(body: bytes) -> HttpResponse:
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Cache-Control"] = CACHE_CONTROL
    return response


def _json(status: int, body: dict) -> HttpResponse:
    return HttpResponse(json.dumps(body, ensure_ascii=False), status=status,
                        content_type="application/json; charset=utf-8")
