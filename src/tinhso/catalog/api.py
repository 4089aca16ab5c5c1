"""HTTP API of the procedure catalogue (mounted at /api/v1/).

Reading is public: the list of procedures, what each requires and how it is processed is public
information (Decree 118/2025 requires it published). Importing and exporting the whole catalogue is
for the province admin (session or bearer token). Lists are {count, page, page_size, items}.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Body, Field, Query, Router, Schema

from tinhso.accounts.api_auth import caller_auth as api_caller_auth
from tinhso.accounts.selectors import user_is_province_admin
from tinhso.api.errors import ApiError
from tinhso.api.pagination import PageIn, page
from tinhso.catalog import selectors, services
from tinhso.catalog.models import AgencyLevel, ServiceLevel
from tinhso.catalog.workflow import compiled

# The same pair as tinhso.api.root.caller_auth (root imports this module to mount the router).
caller_auth = api_caller_auth()

router = Router(tags=["Thủ tục hành chính"])



# --- Schemas ------------------------------------------------------------------------------------


class ProcedureFilters(PageIn):
    q: str = Field("", max_length=200, description="Tìm theo tên, không phân biệt dấu, hoa thường.")
    field: str | None = Field(None, max_length=20, description="Mã lĩnh vực.")
    level: AgencyLevel | None = Field(None, description="Cấp thực hiện: province, commune.")
    service_level: ServiceLevel | None = Field(None, description="Mức độ DVCTT: full, partial, none.")


class FieldOut(Schema):
    code: str
    name: str


class ProcedureItemOut(Schema):
    code: str
    name: str
    field: FieldOut
    version: int
    agency_levels: list[str]
    service_level: str
    processing_amount: float
    processing_unit: str
    fee_total: int


class ProcedurePage(Schema):
    count: int
    page: int
    page_size: int
    items: list[ProcedureItemOut]


class FeeOut(Schema):
    code: str
    name: str
    kind: str
    amount: int
    note: str


class ComponentOut(Schema):
    code: str
    name: str
    originals: int
    copies: int
    required: bool
    reusable_result: bool
    note: str


class ResultOut(Schema):
    code: str
    name: str
    paper: bool
    electronic: bool


class WorkflowStateOut(Schema):
    code: str
    name: str
    status: int
    start: bool
    terminal: bool
    actions: list[dict[str, str]]


class WorkflowSummaryOut(Schema):
    code: str
    version: int
    name: str
    status: str
    states: list[WorkflowStateOut]


class WorkflowOut(WorkflowSummaryOut):
    definition: dict[str, Any]


class AgencyOut(Schema):
    code: str
    name: str


class VersionOut(Schema):
    procedure_code: str
    number: int
    status: str
    name: str
    field: FieldOut
    applicant_types: list[str]
    agency_levels: list[str]
    channels: list[int]
    processing_amount: float
    processing_unit: str
    fees: list[FeeOut]
    fee_total: int
    components: list[ComponentOut]
    results: list[ResultOut]
    legal_basis: list[str]
    requirements: str
    service_level: str
    eligible_full: bool
    requires_presence: bool
    form_schema: dict[str, Any]
    form_ui: dict[str, Any]
    effective_from: dt.date | None
    published_at: dt.datetime | None
    workflow: WorkflowSummaryOut
    competent_agencies: list[AgencyOut]


class VersionItemOut(Schema):
    number: int
    status: str
    name: str
    published_at: dt.datetime | None
    effective_from: dt.date | None
    current: bool


class ImportCounts(Schema):
    fields: dict[str, int]
    workflows: dict[str, int]
    procedures: dict[str, int]
    versions: dict[str, int]
    assignments: dict[str, int]


# --- Helpers ------------------------------------------------------------------------------------


def _procedure_or_404(code: str):
    procedure = selectors.procedure_get(code)
    if procedure is None:
        raise ApiError(404, "procedure_not_found", _("Không tìm thấy thủ tục hành chính mã %(code)s.")
                       % {"code": code}, {"code": code})
    return procedure


def _workflow_summary(workflow) -> dict:
    wf = compiled(workflow)
    return {
        "code": workflow.code, "version": workflow.version, "name": workflow.name, "status": workflow.status,
        "states": [
            {"code": s.code, "name": s.name, "status": s.status, "start": s.start, "terminal": s.terminal,
             "actions": [{"code": a.code, "name": a.name, "to": a.to} for a in s.actions]}
            for s in (wf.states[code] for code in wf.order)
        ],
    }


def _version_row(version, procedure) -> dict:
    return {
        "procedure_code": procedure.code,
        "number": version.number,
        "status": version.status,
        "name": version.name,
        "field": {"code": procedure.field.code, "name": procedure.field.name},
        "applicant_types": version.applicant_types,
        "agency_levels": version.agency_levels,
        "channels": version.channels,
        "processing_amount": float(version.processing_amount),
        "processing_unit": version.processing_unit,
        "fees": version.fees,
        "fee_total": version.fee_total,
        "components": version.components,
        "results": version.results,
        "legal_basis": version.legal_basis,
        "requirements": version.requirements,
        "service_level": version.service_level,
        "eligible_full": version.eligible_full,
        "requires_presence": version.requires_presence,
        "form_schema": version.form_schema,
        "form_ui": version.form_ui,
        "effective_from": version.effective_from,
        "published_at": version.published_at,
        "workflow": _workflow_summary(version.workflow),
        "competent_agencies": [{"code": a.code, "name": a.name}
                               for a in selectors.procedure_competent_agencies(procedure)],
    }


def _require_province_admin(request) -> None:
    user = request.user
    if not (getattr(user, "is_superuser", False) or user_is_province_admin(user)):
        raise ApiError(403, "forbidden", _("Chỉ quản trị hệ thống cấp tỉnh mới được nhập, xuất danh mục thủ tục."))


def _invalid(exc: Exception) -> ApiError:
    problems = getattr(exc, "problems", [])
    details = [{"field": p.get("field") or p.get("path", ""), "message": p["message"]} for p in problems]
    return ApiError(422, "catalog_invalid", _("Danh mục thủ tục có thông tin chưa hợp lệ; không có gì thay đổi."),
                    details)


# --- Endpoints ----------------------------------------------------------------------------------


@router.get("/procedures", response=ProcedurePage, summary="Danh mục thủ tục hành chính đang áp dụng")
def list_procedures(request, filters: Query[ProcedureFilters]):
    # Only the listed columns: a version's form schema and document lists are for the detail page.
    procedures = selectors.procedure_search(filters.q, field=filters.field, level=filters.level,
                                            service_level=filters.service_level).only(
        "code", "name", "field__code", "field__name", "current_version__number",
        "current_version__agency_levels", "current_version__service_level",
        "current_version__processing_amount", "current_version__processing_unit", "current_version__fees")

    def row(procedure) -> dict:
        version = procedure.current_version
        return {
            "code": procedure.code, "name": procedure.name,
            "field": {"code": procedure.field.code, "name": procedure.field.name},
            "version": version.number, "agency_levels": version.agency_levels,
            "service_level": version.service_level, "processing_amount": float(version.processing_amount),
            "processing_unit": version.processing_unit, "fee_total": version.fee_total,
        }

    return page(procedures, filters, row)


@router.get("/procedures/{code}", response=VersionOut, summary="Thủ tục hành chính: phiên bản đang áp dụng")
def get_procedure(request, code: str):
    procedure = _procedure_or_404(code)
    version = selectors.procedure_current_version(procedure)
    if version is None:
        raise ApiError(404, "procedure_not_published", _("Thủ tục %(code)s chưa có phiên bản đang áp dụng.")
                       % {"code": code}, {"code": code})
    return _version_row(version, procedure)


@router.get("/procedures/{code}/versions", response=list[VersionItemOut], summary="Các phiên bản của thủ tục")
def list_versions(request, code: str):
    procedure = _procedure_or_404(code)
    return [
        {"number": v.number, "status": v.status, "name": v.name, "published_at": v.published_at,
         "effective_from": v.effective_from, "current": v.pk == procedure.current_version_id}
        for v in selectors.procedure_versions(procedure).exclude(status="draft")
    ]


@router.get("/procedures/{code}/versions/{int:number}", response=VersionOut, summary="Một phiên bản của thủ tục")
def get_version(request, code: str, number: int):
    procedure = _procedure_or_404(code)
    version = selectors.procedure_version_get(procedure, number)
    if version is None or version.status == "draft":
        raise ApiError(404, "version_not_found", _("Thủ tục %(code)s không có phiên bản %(number)d.")
                       % {"code": code, "number": number}, {"code": code, "number": number})
    return _version_row(version, procedure)


@router.get("/fields", response=list[FieldOut], summary="Danh mục lĩnh vực")
def list_fields(request):
    return list(selectors.field_list().values("code", "name"))


@router.get("/workflows/{code}/{int:version}", response=WorkflowOut, summary="Quy trình xử lý")
def get_workflow(request, code: str, version: int):
    workflow = selectors.workflow_get(code, version)
    if workflow is None or workflow.status == "draft":
        raise ApiError(404, "workflow_not_found", _("Không tìm thấy quy trình %(code)s phiên bản %(version)d.")
                       % {"code": code, "version": version}, {"code": code, "version": version})
    return _workflow_summary(workflow) | {"definition": workflow.definition}


@router.post("/catalog/import", response=ImportCounts, auth=caller_auth,
             summary="Nhập danh mục thủ tục (JSON, cả danh mục; tất cả hoặc không)")
def import_catalog(request, payload: Body[dict[str, Any]]):
    _require_province_admin(request)
    try:
        return services.catalog_import_json(payload, actor=request.user)
    except (services.CatalogInvalid, services.DefinitionInvalid) as exc:
        raise _invalid(exc) from None


@router.get("/catalog/export.json", auth=caller_auth, summary="Xuất danh mục thủ tục (JSON)")
def export_catalog_json(request):
    _require_province_admin(request)
    body = json.dumps(services.catalog_export_json(), ensure_ascii=False, indent=1)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="danh-muc-thu-tuc.json"'
    return response


@router.get("/catalog/export.xlsx", auth=caller_auth, summary="Xuất danh mục thủ tục (Excel)")
def export_catalog_xlsx(request):
    _require_province_admin(request)
    response = HttpResponse(
        services.catalog_export_xlsx(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="danh-muc-thu-tuc.xlsx"'
    return response
