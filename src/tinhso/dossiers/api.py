"""HTTP API of the one-stop lifecycle (mounted at /api/v1/).

- POST /dossiers                        intake at the counter, by post, or online
- GET  /dossiers/{code}                 the dossier, its allowed actions and on-time verdict
- GET  /dossiers/{code}/events          the control slip
- POST /dossiers/{code}/actions         one workflow action (Idempotency-Key header honoured)
- GET  /dossiers/{code}/attachments/{id}  a file, to the applicant and the agencies handling it
- GET  /inbox                           the officer inbox (by role or assigned), with filters
- POST /inbox/accept                    bulk acceptance
- GET  /register, /register.xlsx        the dossier register of an agency and period
- POST /national-portal/dossiers        inbound dossiers from the national portal

Repeating a POST with the same `Idempotency-Key` header gives the first answer again (one dossier,
one transition). Refusals use the project's error shape {code, message, details}.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Any, Literal

from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Body, Field, Query, Router, Schema, Status

from tinhso.accounts.api_auth import BearerTokenAuth
from tinhso.accounts.api_auth import caller_auth as api_caller_auth
from tinhso.accounts.models import User
from tinhso.api.errors import ApiError
from tinhso.api.pagination import PageIn, page
from tinhso.catalog.workflow import compiled
from tinhso.core.models import Agency
from tinhso.dossiers import selectors, services
from tinhso.dossiers.errors import DossierError
from tinhso.dossiers.models import Attachment, Dossier, DossierEvent

caller_auth = api_caller_auth()
router = Router(tags=["Hồ sơ"], auth=caller_auth)



def _raise(exc: DossierError):
    raise ApiError(exc.status, exc.code, exc.message, exc.details) from exc


def _idempotency_key(request: HttpRequest) -> str | None:
    key = (request.headers.get("Idempotency-Key") or "").strip()
    if not key:
        return None
    if len(key) > 80:
        raise ApiError(400, "invalid_idempotency_key", _("Idempotency-Key dài quá 80 ký tự."))
    # Scope the key to the caller: two people can never collide on each other's keys.
    return f"{request.user.pk}:{key}"[:80]


def _agency(code: str, field: str = "agency") -> Agency:
    agency = Agency.objects.filter(code=code).first()
    if agency is None:
        raise ApiError(422, "invalid_input", _("Không tìm thấy cơ quan “%(code)s”.") % {"code": code},
                       [{"field": field, "message": _("Mã cơ quan không tồn tại.")}])
    return agency


# --- Schemas ----------------------------------------------------------------------------------

class FileIn(Schema):
    name: str = Field(max_length=255)
    content_base64: str = Field(description="Nội dung tệp, mã hóa base64.")
    component_code: str = Field("", max_length=40)
    digitised: bool = Field(False, description="Giấy tờ giấy đã được số hóa tại quầy.")
    reused: bool = False
    from_citizen_store: bool = False
    replaced_result_code: str = Field("", max_length=60)


class ApplicantIn(Schema):
    name: str = Field(max_length=200)
    id_number: str = Field(max_length=20)
    kind: Literal["citizen", "foreigner", "business", "household"] = "citizen"
    phone: str = Field("", max_length=20)
    email: str = Field("", max_length=254)
    address: str = Field("", max_length=300)


class IntakeIn(Schema):
    procedure: str = Field(description="Mã thủ tục (mã TTHC).", max_length=30)
    receiving_agency: str = Field(description="Mã định danh cơ quan tiếp nhận.", max_length=20)
    competent_agency: str | None = Field(None, max_length=20)
    source: Literal["counter", "post", "online"] = "counter"
    applicant: ApplicantIn
    form_data: dict[str, Any] = Field(default_factory=dict)
    files: list[FileIn] = Field(default_factory=list, max_length=30)
    summary: str = Field("", max_length=500)
    accept: bool = Field(False, description="Tiếp nhận ngay (tại quầy): cấp mã hồ sơ và ngày hẹn trả.")
    assignee: str | None = Field(None, description="Tên đăng nhập của chuyên viên được giao.")


class AgencyOut(Schema):
    code: str
    name: str


class ActionOut(Schema):
    code: str
    name: str
    effect: str
    assign: bool


class AttachmentOut(Schema):
    id: int
    name: str
    component_code: str
    size: int
    content_type: str
    sha256: str
    digitised: bool
    reused: bool
    is_result: bool


class EventOut(Schema):
    seq: int
    at: dt.datetime
    action: str
    action_name: str
    from_state: str
    to_state: str
    status: int
    actor_name: str
    actor_role: str
    from_agency: AgencyOut | None
    to_agency: AgencyOut
    to_user: str | None
    state_entered_at: dt.datetime | None
    state_due_at: dt.datetime | None
    timeliness: str
    note: str
    data: dict[str, Any]


class VerdictOut(Schema):
    on_time: bool | None
    end: dt.datetime | None
    reason: str


class DossierOut(Schema):
    code: str
    procedure_code: str
    procedure_name: str
    procedure_version: int
    state: str
    state_name: str
    status: int
    status_name: str
    channel: int
    source: str
    receiving_agency: AgencyOut
    competent_agency: AgencyOut
    holder_agency: AgencyOut
    assignee: str | None
    applicant_name: str
    applicant_id_number: str
    summary: str
    form_data: dict[str, Any]
    submitted_at: dt.datetime
    accepted_at: dt.datetime | None
    due_at: dt.datetime | None
    finished_at: dt.datetime | None
    returned_at: dt.datetime | None
    state_due_at: dt.datetime | None
    supplement_count: int
    extension_count: int
    fee_total: int
    event_seq: int
    allowed_actions: list[ActionOut]
    attachments: list[AttachmentOut]
    verdict: VerdictOut


class DossierCreatedOut(Schema):
    code: str
    created: bool
    status: int
    due_at: dt.datetime | None


class ActIn(Schema):
    action: str = Field(max_length=60)
    note: str = Field("", max_length=4000, description="Lý do, nội dung yêu cầu bổ sung, ý kiến xử lý.")
    new_due_at: dt.datetime | None = Field(None, description="Ngày hẹn trả mới (xin lỗi và gia hạn).")
    assignee: str | None = Field(None, description="Tên đăng nhập của người xử lý bước tiếp theo.")
    expected_seq: int | None = Field(None, description="Số bước cuối cùng người dùng đã thấy; lệch → 409.")
    files: list[FileIn] = Field(default_factory=list, max_length=30)


class InboxItemOut(Schema):
    code: str
    procedure_name: str
    applicant_name: str
    state: str
    status: int
    submitted_at: dt.datetime
    due_at: dt.datetime | None
    state_due_at: dt.datetime | None
    assignee: str | None


class InboxPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[InboxItemOut]


class InboxQueryIn(PageIn):
    agency: str = Field(max_length=20)
    mode: Literal["role", "assigned"] = "role"
    filter: Literal["all", "due_soon", "late", "supplement", "payment"] = "all"
    q: str = Field("", max_length=100)


class BulkAcceptIn(Schema):
    codes: list[str] = Field(min_length=1, max_length=200)


class BulkResultOut(Schema):
    code: str
    ok: bool
    error: str | None = None


class RegisterQueryIn(Schema):
    agency: str = Field(max_length=20)
    start: dt.date = Field(alias="from")
    end: dt.date = Field(alias="to")


class RegisterRowOut(Schema):
    code: str
    procedure_name: str
    applicant_name: str
    submitted_at: dt.datetime
    accepted_at: dt.datetime | None
    due_at: dt.datetime | None
    finished_at: dt.datetime | None
    returned_at: dt.datetime | None
    status: int
    competent_agency: str
    on_time: bool | None


# --- Helpers ----------------------------------------------------------------------------------

def _files(items: list[FileIn]) -> list[services.IncomingFile]:
    out = []
    for i, item in enumerate(items):
        try:
            data = base64.b64decode(item.content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise ApiError(422, "invalid_input", _("Tệp đính kèm không đọc được."),
                           [{"field": f"files.{i}.content_base64",
                             "message": _("Nội dung không phải base64 hợp lệ.")}]) from None
        out.append(services.IncomingFile(
            name=item.name, data=data, component_code=item.component_code, digitised=item.digitised,
            reused=item.reused, from_citizen_store=item.from_citizen_store,
            replaced_result_code=item.replaced_result_code))
    return out


def _user(username: str | None, field: str = "assignee") -> User | None:
    if not username:
        return None
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise ApiError(422, "invalid_input", _("Không tìm thấy người dùng “%(u)s”.") % {"u": username},
                       [{"field": field, "message": _("Tên đăng nhập không tồn tại.")}])
    return user


def _agency_out(agency: Agency | None) -> dict | None:
    return None if agency is None else {"code": agency.code, "name": agency.name}


def dossier_out(dossier: Dossier, user: User) -> dict:
    wf = compiled(dossier.workflow)
    verdict = selectors.dossier_verdict(dossier)
    return {
        "code": dossier.code,
        "procedure_code": dossier.procedure.code,
        "procedure_name": dossier.procedure_version.name,
        "procedure_version": dossier.procedure_version.number,
        "state": dossier.state,
        "state_name": wf.state(dossier.state).name,
        "status": dossier.status,
        "status_name": str(dossier.get_status_display()),
        "channel": dossier.channel,
        "source": dossier.source,
        "receiving_agency": _agency_out(dossier.receiving_agency),
        "competent_agency": _agency_out(dossier.competent_agency),
        "holder_agency": _agency_out(dossier.holder_agency),
        "assignee": dossier.assignee.get_username() if dossier.assignee else None,
        "applicant_name": dossier.applicant_name,
        "applicant_id_number": dossier.applicant_id_number,
        "summary": dossier.summary,
        "form_data": dossier.form_data,
        "submitted_at": dossier.submitted_at,
        "accepted_at": dossier.accepted_at,
        "due_at": dossier.due_at,
        "finished_at": dossier.finished_at,
        "returned_at": dossier.returned_at,
        "state_due_at": dossier.state_due_at,
        "supplement_count": dossier.supplement_count,
        "extension_count": dossier.extension_count,
        "fee_total": dossier.fee_total,
        "event_seq": dossier.event_seq,
        "allowed_actions": [
            {"code": a.code, "name": a.name, "effect": str(a.effect), "assign": a.assign}
            for a in services.actions_for(dossier, user, workflow=wf)
        ],
        "attachments": list(dossier.attachments.values(
            "id", "name", "component_code", "size", "content_type", "sha256", "digitised", "reused", "is_result")),
        "verdict": {"on_time": verdict.on_time, "end": verdict.end, "reason": str(verdict.reason)},
    }


def event_out(event: DossierEvent) -> dict:
    return {
        "seq": event.seq, "at": event.at, "action": event.action, "action_name": event.action_name,
        "from_state": event.from_state, "to_state": event.to_state, "status": event.status,
        "actor_name": event.actor_name, "actor_role": event.actor_role,
        "from_agency": _agency_out(event.from_agency), "to_agency": _agency_out(event.to_agency),
        "to_user": event.to_user.get_username() if event.to_user else None,
        "state_entered_at": event.state_entered_at, "state_due_at": event.state_due_at,
        "timeliness": event.timeliness, "note": event.note, "data": event.data,
    }


def _visible(request, code: str, *, audit: bool = True) -> Dossier:
    dossier = selectors.dossier_get_for(request.user, code=code, ip=_ip(request), audit=audit)
    if dossier is None:
        raise ApiError(404, "not_found", _("Không tìm thấy hồ sơ %(code)s.") % {"code": code})
    return dossier


def _ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


# --- Endpoints --------------------------------------------------------------------------------

@router.post("/dossiers", response={200: DossierCreatedOut, 201: DossierCreatedOut}, summary="Tiếp nhận hồ sơ")
def dossier_create(request, payload: IntakeIn):
    try:
        dossier, created = services.dossier_intake(
            actor=request.user, procedure_code=payload.procedure,
            receiving_agency=_agency(payload.receiving_agency, "receiving_agency"),
            competent_agency=_agency(payload.competent_agency, "competent_agency")
            if payload.competent_agency else None,
            applicant=services.Applicant(**payload.applicant.dict()), source=payload.source,
            form_data=payload.form_data, files=_files(payload.files), summary=payload.summary,
            accept=payload.accept, assignee=_user(payload.assignee), idempotency_key=_idempotency_key(request),
        )
    except DossierError as exc:
        _raise(exc)
    return Status(201 if created else 200, {"code": dossier.code, "created": created, "status": dossier.status,
                                            "due_at": dossier.due_at})


@router.get("/dossiers/{code}", response=DossierOut, summary="Xem hồ sơ")
def dossier_detail(request, code: str):
    return dossier_out(_visible(request, code), request.user)


@router.get("/dossiers/{code}/events", response=list[EventOut], summary="Phiếu kiểm soát quá trình giải quyết")
def dossier_event_list(request, code: str):
    dossier = _visible(request, code, audit=False)
    return [event_out(e) for e in selectors.dossier_events(dossier)]


@router.post("/dossiers/{code}/actions", response={200: EventOut, 201: EventOut}, summary="Xử lý hồ sơ")
def dossier_action(request, code: str, payload: ActIn):
    # To citizens, unknown and invisible dossiers answer alike (404), so codes cannot be probed;
    # an official acting on another agency's dossier is told it is not theirs (403).
    dossier = selectors.dossier_get_for(request.user, code=code, audit=False)
    if dossier is None:
        if request.user.is_official and Dossier.objects.filter(code=code).exists():
            raise ApiError(403, "forbidden", _("Hồ sơ %(code)s không thuộc cơ quan của bạn.") % {"code": code})
        raise ApiError(404, "not_found", _("Không tìm thấy hồ sơ %(code)s.") % {"code": code})
    data = {"new_due_at": payload.new_due_at} if payload.new_due_at else {}
    try:
        event = services.dossier_act(
            actor=request.user, dossier_id=dossier.pk, action=payload.action, note=payload.note, data=data,
            assignee=_user(payload.assignee), files=_files(payload.files),
            idempotency_key=_idempotency_key(request), expected_seq=payload.expected_seq)
    except DossierError as exc:
        _raise(exc)
    return Status(201, event_out(event))


@router.get("/dossiers/{code}/attachments/{attachment_id}", summary="Tải tệp đính kèm")
def attachment_download(request, code: str, attachment_id: int):
    from tinhso.dossiers.attachments import attachment_open

    dossier = _visible(request, code, audit=False)
    attachment = get_object_or_404(Attachment, pk=attachment_id, dossier=dossier)
    if request.user.is_official:
        from tinhso.core.audit import audit_record

        audit_record(action="dossier.attachment_downloaded", actor=request.user, object_type="dossier",
                     object_id=dossier.code, data={"attachment": attachment.pk}, ip=_ip(request))
    response = FileResponse(attachment_open(attachment.storage_path), content_type=attachment.content_type,
                            as_attachment=True, filename=attachment.name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@router.get("/inbox", response=InboxPage, summary="Hồ sơ cần xử lý")
def inbox_list(request, params: Query[InboxQueryIn]):
    agency = _agency(params.agency)
    qs = selectors.inbox(request.user, selectors.InboxQuery(agency=agency, mode=params.mode,
                                                            filter=params.filter, q=params.q))
    return page(qs, params, lambda d: {
        "code": d.code, "procedure_name": d.procedure.name, "applicant_name": d.applicant_name,
        "state": d.state, "status": d.status, "submitted_at": d.submitted_at, "due_at": d.due_at,
        "state_due_at": d.state_due_at, "assignee": d.assignee.get_username() if d.assignee else None,
    })


@router.post("/inbox/accept", response=list[BulkResultOut], summary="Tiếp nhận nhiều hồ sơ")
def inbox_bulk_accept(request, payload: BulkAcceptIn):
    """Accept several dossiers waiting for acceptance, in one batch: a dossier that cannot be
    accepted is reported with the reason and does not stop the others."""
    results: dict[str, dict] = {}
    visible: dict[int, str] = {}
    codes = list(dict.fromkeys(payload.codes))
    for code in codes:
        dossier = selectors.dossier_get_for(request.user, code=code, audit=False)
        if dossier is None:
            results[code] = {"code": code, "ok": False, "error": _("Không tìm thấy hồ sơ.")}
        else:
            visible[dossier.pk] = code
    for outcome in services.dossier_accept_many(actor=request.user, dossier_ids=list(visible)):
        code = visible[outcome.dossier_id]
        results[code] = {"code": code, "ok": True} if outcome.ok else {
            "code": code, "ok": False, "error": str(outcome.error.message)}
    return [results[code] for code in codes]


def _register_rows(request, params: RegisterQueryIn):
    agency = _agency(params.agency)
    if not selectors.may_view_register(request.user, agency):
        raise ApiError(403, "forbidden", _("Bạn không có vai trò tại %(agency)s.") % {"agency": agency.name})
    if params.end < params.start or (params.end - params.start).days > 366:
        raise ApiError(422, "invalid_input", _("Khoảng thời gian không hợp lệ (tối đa một năm)."),
                       [{"field": "to", "message": _("Ngày cuối phải sau ngày đầu, cách không quá 366 ngày.")}])
    return agency, selectors.register(agency=agency, start=params.start, end=params.end)


@router.get("/register", response=list[RegisterRowOut], summary="Sổ theo dõi hồ sơ")
def register_list(request, params: Query[RegisterQueryIn]):
    from tinhso.dossiers.register import register_rows

    _agency_checked, qs = _register_rows(request, params)
    return register_rows(qs)


@router.get("/register.xlsx", summary="Sổ theo dõi hồ sơ (.xlsx)")
def register_xlsx(request, params: Query[RegisterQueryIn]):
    from tinhso.dossiers.register import register_workbook

    agency, qs = _register_rows(request, params)
    content = register_workbook(agency=agency, start=params.start, end=params.end, dossiers=qs)
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = (
        f'attachment; filename="so-theo-doi-{agency.code}-{params.start:%Y%m%d}-{params.end:%Y%m%d}.xlsx"')
    return response


# --- National portal --------------------------------------------------------------------------

national_router = Router(tags=["Cổng Dịch vụ công quốc gia"], auth=[BearerTokenAuth()])


class NationalAck(Schema):
    error_code: int
    message: str
    MaHoSo: str
    created: bool


@national_router.post("/national-portal/dossiers", response={200: NationalAck, 201: NationalAck},
                      summary="Nhận hồ sơ từ Cổng DVCQG")
def national_inbound(request, payload: Body[dict[str, Any]]):
    """A dossier filed on the national portal, in its sync-message shape (regulations.md §7).
    Idempotent on MaHoSo: the same dossier sent twice is one dossier."""
    from tinhso.dossiers.national import NationalMessageInvalid, national_inbound_parse

    try:
        dossier, created = services.dossier_intake_national(actor=request.user,
                                                            inbound=national_inbound_parse(payload))
    except NationalMessageInvalid as exc:
        raise ApiError(400, "invalid_message", _("Thông điệp hồ sơ không hợp lệ: %(f)s") % {
            "f": ", ".join(e["field"] for e in exc.errors)}, exc.errors) from None
    except DossierError as exc:
        _raise(exc)
    return Status(201 if created else 200,
                  {"error_code": 0, "message": "OK", "MaHoSo": dossier.code, "created": created})
