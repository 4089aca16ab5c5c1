"""HTTP API of the kpi app under /api/v1/kpi: the indicator registry, published plans and their
targets, computed measurements, Decision 766 scores and rankings (public, open data, read only), and
the drill-down list of dossiers behind a number (officials only, audited). Lists are paginated as
{count, page, page_size, items}; errors as {code, message, details}.

Unit codes are GSO codes read on a date, because a code may name two units (52 was Bình Định
before 1 July 2025 and is Gia Lai after): for measurements, the first day of the period asked for.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Count, F
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from tinhso.accounts.api_auth import caller_auth as api_caller_auth
from tinhso.api.errors import ApiError
from tinhso.api.pagination import PageIn, page
from tinhso.core.models import AdministrativeUnit
from tinhso.kpi import selectors
from tinhso.kpi.errors import KpiError
from tinhso.kpi.models import Indicator, MeasurementScope, Pillar, Plan, Target, ValueSource
from tinhso.kpi.periods import Period, PeriodError, vn_today
from tinhso.kpi.scopes import current_communes, current_units, unit_at
from tinhso.kpi.status import COMPARATOR_SYMBOLS

router = Router(tags=["kpi"])


def _number(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


# --- Schemas ------------------------------------------------------------------------------------


class IndicatorFilters(PageIn):
    pillar: Pillar | None = None
    version: str | None = Field(None, max_length=30, description="Phiên bản, ví dụ 766-dvcqg-2025.")
    source: ValueSource | None = Field(None, description="computed (hệ thống tự tính) hoặc reported (báo cáo).")
    q: str = Field("", max_length=100, description="Tìm theo mã hoặc tên.")


class IndicatorOut(Schema):
    code: str
    version: str
    name: str
    name_en: str
    pillar: str
    group: str
    unit: str
    direction: str
    formula_kind: str
    max_points: float | None
    source: str


class IndicatorPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[IndicatorOut]


class LegalBasisOut(Schema):
    text: str
    article: str
    url: str


class IndicatorDetailOut(IndicatorOut):
    numerator: str
    denominator: str
    factor: float
    source_system: str
    valid_min: float | None
    valid_max: float | None
    legal_basis: LegalBasisOut
    rule: str
    rule_en: str
    scoring: dict[str, Any]
    portal_metric: str
    notes: str
    components: list[str]
    versions: list[str]


class VersionQuery(Schema):
    version: str | None = Field(None, max_length=30)


class UnitRefOut(Schema):
    code: str
    name: str
    level: str
    valid_from: dt.date | None
    valid_to: dt.date | None


class LinkedUnitOut(UnitRefOut):
    whole: bool = Field(description="Đơn vị cũ nằm trọn trong đơn vị này.")
    exact: bool = Field(description="Đơn vị này chỉ gồm (phần của) đơn vị cũ.")


class MeasuredOnOut(Schema):
    date: dt.date
    units: list[LinkedUnitOut]
    commune_count: int
    exact: bool


class PlanFilters(PageIn):
    unit: str | None = Field(None, max_length=5, description="Mã GSO của đơn vị hiện nay; gồm kế hoạch của các "
                                                               "đơn vị cũ đã hợp thành đơn vị này.")


class PlanOut(Schema):
    id: int
    code: str
    title: str
    kind: str
    decision_number: str
    decision_date: dt.date | None
    issuing_body: str
    province: UnitRefOut
    start_year: int
    end_year: int
    vision_year: int | None
    budget_vnd: int | None
    budget_note: str
    pillars: list[str]
    priority_sectors: list[str]
    sources: list[dict[str, Any]]
    url: str
    target_count: int
    measured_on: MeasuredOnOut


class PlanPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[PlanOut]


class TargetStatusOut(Schema):
    status: str = Field(description="met, on_track, at_risk, off_track, no_data")
    reason: str
    latest_period: str | None
    latest_value: float | None
    forecast: float | None


class TargetOut(Schema):
    id: int
    plan_id: int
    plan_code: str
    key: str
    indicator_code: str
    indicator_version: str
    indicator_name: str
    indicator_unit: str
    unit: UnitRefOut | None
    scope_level: str
    year: int
    comparator: str
    comparator_symbol: str
    value: float | None
    source_sentence: str
    source_file: str
    source_line: int
    notes: str


class TargetWithStatusOut(TargetOut):
    status: TargetStatusOut


class PlanDetailOut(PlanOut):
    notes: str
    targets: list[TargetWithStatusOut]


class TargetFilters(PageIn):
    plan: int | None = Field(None, description="Mã số (id) kế hoạch.")
    indicator: str | None = Field(None, max_length=40, description="Mã chỉ tiêu.")
    year: int | None = Field(None, ge=1990, le=2100)


class TargetPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[TargetOut]


class MeasurementFilters(PageIn):
    indicator: str | None = Field(None, max_length=40, description="Mã chỉ tiêu, ví dụ 766.2.1.")
    version: str | None = Field(None, max_length=30, description="Phiên bản; mặc định phiên bản đang áp dụng.")
    unit: str | None = Field(None, max_length=5, description="Mã GSO, đọc theo ngày đầu kỳ (hoặc hôm nay).")
    period: str | None = Field(None, max_length=12, description="2026-03, 2026-Q1, 2026 hoặc 2026-YTD.")
    scope_level: MeasurementScope | None = None


class MeasurementOut(Schema):
    indicator_code: str
    indicator_version: str
    period: str
    period_kind: str
    period_start: dt.date
    period_end: dt.date
    scope_level: str
    unit_code: str
    unit_name: str
    agency_code: str | None
    procedure_code: str | None
    numerator: float | None
    denominator: float | None
    value: float | None = Field(description="null = chưa có số liệu (không phải 0).")
    points: float | None
    note: str
    computed_at: dt.datetime


class MeasurementPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[MeasurementOut]


# --- Helpers ------------------------------------------------------------------------------------


def _raise(error: KpiError, field: str | None = None):
    raise ApiError(error.status, error.code, error.message, error.details or ({"field": field} if field else None))


def _unit_ref(unit: AdministrativeUnit | None) -> dict | None:
    if unit is None:
        return None
    return {"code": unit.code, "name": unit.name, "level": unit.level, "valid_from": unit.valid_from,
            "valid_to": unit.valid_to}


def _indicator_or_404(code: str, version: str | None) -> Indicator:
    indicator = selectors.indicator_get(code=code, version=version)
    if indicator is None:
        raise ApiError(404, "indicator_not_found",
                       _("Không tìm thấy chỉ tiêu %(code)s.") % {"code": code + (f" ({version})" if version else "")},
                       {"code": code, "version": version})
    return indicator


def _unit_or_404(code: str, day: dt.date, field: str) -> AdministrativeUnit:
    try:
        return unit_at(code, day)
    except KpiError as error:
        _raise(error, field)


def _measured_on(plan: Plan, day: dt.date) -> dict:
    units = current_units(plan.province, day=day)
    return {
        "date": day,
        "units": [_unit_ref(link.unit) | {"whole": link.whole, "exact": link.exact} for link in units],
        "commune_count": len(current_communes(plan.province, day=day)),
        "exact": bool(units) and all(link.exact for link in units),
    }


def _plan_row(plan: Plan, day: dt.date) -> dict:
    return {
        "id": plan.pk, "code": plan.code, "title": plan.title, "kind": plan.kind,
        "decision_number": plan.decision_number, "decision_date": plan.decision_date,
        "issuing_body": plan.issuing_body, "province": _unit_ref(plan.province),
        "start_year": plan.start_year, "end_year": plan.end_year, "vision_year": plan.vision_year,
        "budget_vnd": plan.budget_vnd, "budget_note": plan.budget_note, "pillars": plan.pillars,
        "priority_sectors": plan.priority_sectors, "sources": plan.sources, "url": plan.url,
        "target_count": plan.target_count if hasattr(plan, "target_count") else plan.targets.count(),
        "measured_on": _measured_on(plan, day),
    }


def _target_row(target: Target) -> dict:
    return {
        "id": target.pk, "plan_id": target.plan_id, "plan_code": target.plan.code, "key": target.key,
        "indicator_code": target.indicator.code, "indicator_version": target.indicator.version,
        "indicator_name": target.indicator.name, "indicator_unit": target.indicator.unit,
        "unit": _unit_ref(target.unit), "scope_level": target.scope_level, "year": target.year,
        "comparator": target.comparator, "comparator_symbol": COMPARATOR_SYMBOLS[target.comparator],
        "value": _number(target.value), "source_sentence": target.source_sentence,
        "source_file": target.source_file, "source_line": target.source_line, "notes": target.notes,
    }


# --- Endpoints ----------------------------------------------------------------------------------


@router.get("/indicators", response=IndicatorPage, summary="Danh mục chỉ tiêu")
def list_indicators(request, filters: Query[IndicatorFilters]):
    rows = selectors.indicator_list(pillar=filters.pillar, version=filters.version, source=filters.source,
                                    q=filters.q)
    return page(rows.values("code", "version", "name", "name_en", "pillar", "group", "unit", "direction",
                            "formula_kind", "max_points", "source"), filters,
                lambda row: row | {"max_points": _number(row["max_points"])})


@router.get("/indicators/{code}", response=IndicatorDetailOut, summary="Một chỉ tiêu: công thức, căn cứ, tham số")
def get_indicator(request, code: str, query: Query[VersionQuery]):
    indicator = _indicator_or_404(code, query.version)
    components = [c.code for c in selectors.indicator_components(indicator)] if indicator.formula_kind == "sum" else []
    return {
        "code": indicator.code, "version": indicator.version, "name": indicator.name, "name_en": indicator.name_en,
        "pillar": indicator.pillar, "group": indicator.group, "unit": indicator.unit,
        "direction": indicator.direction, "formula_kind": indicator.formula_kind,
        "max_points": _number(indicator.max_points), "source": indicator.source,
        "numerator": indicator.numerator, "denominator": indicator.denominator, "factor": float(indicator.factor),
        "source_system": indicator.source_system, "valid_min": _number(indicator.valid_min),
        "valid_max": _number(indicator.valid_max),
        "legal_basis": {"text": indicator.legal_basis, "article": indicator.legal_article, "url": indicator.legal_url},
        "rule": indicator.rule, "rule_en": indicator.rule_en, "scoring": indicator.scoring,
        "portal_metric": indicator.portal_metric, "notes": indicator.notes, "components": components,
        "versions": list(Indicator.objects.filter(code=indicator.code).order_by("version")
                         .values_list("version", flat=True)),
    }


@router.get("/plans", response=PlanPage, summary="Các kế hoạch, đề án đã công khai")
def list_plans(request, filters: Query[PlanFilters]):
    day = vn_today()
    unit = _unit_or_404(filters.unit, day, "unit") if filters.unit else None
    plans = selectors.plan_list(unit=unit).annotate(target_count=Count("targets"))
    return page(plans, filters, lambda plan: _plan_row(plan, day))


@router.get("/plans/{int:plan_id}", response=PlanDetailOut, summary="Một kế hoạch và các chỉ tiêu của nó")
def get_plan(request, plan_id: int):
    plan = selectors.plan_get(plan_id=plan_id)
    if plan is None:
        raise ApiError(404, "plan_not_found", _("Không tìm thấy kế hoạch."), {"id": plan_id})
    day = vn_today()
    targets = list(selectors.target_list(plan=plan))
    units_of: dict[int, list] = {}
    rows = []
    for target in targets:
        origin = target.unit or plan.province
        if origin.pk not in units_of:
            units_of[origin.pk] = selectors.target_units(origin, day=day)
        result = selectors.target_status_of(target, today=day, units=units_of[origin.pk])
        rows.append(_target_row(target) | {"status": {
            "status": result.status.value, "reason": result.reason,
            "latest_period": result.latest.period.key if result.latest else None,
            "latest_value": _number(Decimal(str(result.latest.value))) if result.latest else None,
            "forecast": _number(result.forecast),
        }})
    plan.target_count = len(targets)
    return _plan_row(plan, day) | {"notes": plan.notes, "targets": rows}


@router.get("/targets", response=TargetPage, summary="Chỉ tiêu của các kế hoạch đã công khai")
def list_targets(request, filters: Query[TargetFilters]):
    plan = None
    if filters.plan is not None:
        plan = selectors.plan_get(plan_id=filters.plan)
        if plan is None:
            raise ApiError(404, "plan_not_found", _("Không tìm thấy kế hoạch."), {"field": "plan", "id": filters.plan})
    targets = selectors.target_list(plan=plan, indicator_code=filters.indicator, year=filters.year)
    return page(targets, filters, _target_row)


@router.get("/measurements", response=MeasurementPage, summary="Kết quả đo theo chỉ tiêu, đơn vị, kỳ")
def list_measurements(request, filters: Query[MeasurementFilters]):
    period = None
    if filters.period:
        try:
            period = Period.parse(filters.period)
        except PeriodError as error:
            raise ApiError(422, "invalid_input", _("Dữ liệu gửi lên không hợp lệ."),
                           [{"field": "period", "message": str(error)}]) from None
    indicator = _indicator_or_404(filters.indicator, filters.version) if filters.indicator else None
    day = period.start_date if period else vn_today()
    unit = _unit_or_404(filters.unit, day, "unit") if filters.unit else None
    rows = selectors.measurement_list(indicator=indicator, unit=unit, period=period, scope_level=filters.scope_level)
    values = rows.values(
        "period", "period_kind", "period_start", "period_end", "scope_level", "numerator", "denominator", "value",
        "points", "note", "computed_at", indicator_code=F("indicator__code"),
        indicator_version=F("indicator__version"), unit_code=F("unit__code"), unit_name=F("unit__name"),
        agency_code=F("agency__code"), procedure_code=F("procedure__code"),
    )
    return page(values, filters, lambda row: row | {key: _number(row[key]) for key in
                                                     ("numerator", "denominator", "value", "points")})


# --- Monitoring: scores, rankings, drill-down ------------------------------------------------------


class ScopeQuery(Schema):
    period: str = Field(..., max_length=12, description="2026-03, 2026-Q1, 2026 hoặc 2026-YTD.")
    unit: str | None = Field(None, max_length=5, description="Mã GSO của xã (đọc theo ngày cuối kỳ); trống: toàn tỉnh.")
    agency: str | None = Field(None, max_length=20, description="Mã định danh cơ quan (QCVN 102).")
    version: str | None = Field(None, max_length=30, description="Phiên bản 766; mặc định phiên bản đang áp dụng.")


class ScoreNodeOut(Schema):
    code: str
    name: str
    max_points: float | None
    points: float | None = Field(description="null = chưa có điểm (không phải 0).")
    value: float | None
    numerator: float | None
    denominator: float | None
    note: str
    children: list[ScoreNodeOut]


ScoreNodeOut.model_rebuild()


class ScoresOut(Schema):
    version: str
    period: str
    scope_level: str
    scope_name: str
    total: ScoreNodeOut


class RankingQuery(Schema):
    period: str = Field(..., max_length=12)
    level: str = Field("commune", pattern="^(commune|agency)$", description="commune (xã) hoặc agency (cơ quan).")
    version: str | None = Field(None, max_length=30)


class RankOut(Schema):
    rank: int | None = Field(description="null: không có hồ sơ nào được tính ở chỉ tiêu 2.1 trong kỳ.")
    unit_code: str
    unit_name: str
    agency_code: str | None
    agency_name: str | None
    points: float | None
    on_time: float | None
    counted: float | None


class RankingOut(Schema):
    version: str
    period: str
    level: str
    items: list[RankOut]


class DrillQuery(ScopeQuery):
    indicator: str = Field(..., max_length=40, description="Mã chỉ tiêu đếm theo hồ sơ, ví dụ 766.2.1.")
    lost: bool = Field(True, description="true: chỉ hồ sơ không đạt; false: mọi hồ sơ được tính.")
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=200)


class DrillItemOut(Schema):
    code: str
    procedure_code: str
    procedure_name: str
    competent_agency: str | None
    submitted_at: dt.datetime | None
    accepted_at: dt.datetime | None
    due_at: dt.datetime | None
    finished_at: dt.datetime | None
    reason: str
    late_by_seconds: float | None


class DrillPageOut(Schema):
    indicator: str
    period: str
    scope_level: str
    scope_name: str
    lost: bool
    count: int | None = Field(description="Số hồ sơ theo số liệu đo (mẫu số, hoặc mẫu số − tử số khi lost); "
                                          "danh sách chỉ gồm hồ sơ người gọi được xem.")
    page: int
    page_size: int
    has_next: bool
    items: list[DrillItemOut]


def _period_or_422(text: str) -> Period:
    try:
        return Period.parse(text)
    except PeriodError as error:
        raise ApiError(422, "invalid_input", _("Dữ liệu gửi lên không hợp lệ."),
                       [{"field": "period", "message": str(error)}]) from None


def _monitor_scope(query: ScopeQuery, period: Period) -> selectors.MonitorScope:
    from tinhso.core.models import Agency
    from tinhso.core.selectors import deployment_province

    if query.agency:
        agency = Agency.objects.select_related("unit").filter(code=query.agency).first()
        if agency is None:
            raise ApiError(404, "agency_not_found", _("Không tìm thấy cơ quan."), {"field": "agency"})
        return selectors.MonitorScope("agency", agency.unit, agency)
    if query.unit:
        unit = _unit_or_404(query.unit, min(period.end_date - dt.timedelta(days=1), vn_today()), "unit")
        return selectors.MonitorScope(unit.level if unit.level == "province" else "commune", unit)
    province = deployment_province()
    if province is None:
        raise ApiError(404, "unit_not_found", _("Chưa cấu hình tỉnh triển khai."), None)
    return selectors.MonitorScope("province", province)


def _node(node: selectors.ScoreNode) -> dict:
    m = node.measurement
    return {"code": node.code, "name": node.indicator.name, "max_points": _number(node.indicator.max_points),
            "points": _number(node.points), "value": _number(node.value),
            "numerator": _number(m.numerator) if m else None, "denominator": _number(m.denominator) if m else None,
            "note": m.note if m else "", "children": [_node(child) for child in node.children]}


@router.get("/scores", response=ScoresOut, summary="Điểm Quyết định 766 của một phạm vi và kỳ (cây nhóm, chỉ tiêu)")
def get_scores(request, query: Query[ScopeQuery]):
    period = _period_or_422(query.period)
    scope = _monitor_scope(query, period)
    indicators = selectors.indicators_of_version(query.version)
    tree = selectors.score_tree(scope=scope, period=period, indicators=indicators)
    if tree is None:
        raise ApiError(404, "indicator_not_found", _("Phiên bản này không có tổng điểm 766."),
                       {"version": query.version})
    return {"version": tree.indicator.version, "period": period.key, "scope_level": scope.level,
            "scope_name": scope.name, "total": _node(tree)}


@router.get("/rankings", response=RankingOut, summary="Xếp hạng xã hoặc cơ quan theo tổng điểm 766")
def get_rankings(request, query: Query[RankingQuery]):
    period = _period_or_422(query.period)
    indicators = selectors.indicators_of_version(query.version)
    rows = selectors.score_ranking(level=query.level, period=period, indicators=indicators)
    return {"version": query.version or selectors.version_766(), "period": period.key, "level": query.level,
            "items": [{"rank": r.rank, "unit_code": r.unit.code, "unit_name": r.unit.name,
                       "agency_code": r.agency.code if r.agency else None,
                       "agency_name": r.agency.name if r.agency else None, "points": _number(r.points),
                       "on_time": _number(r.on_time), "counted": _number(r.counted)} for r in rows]}


@router.get("/drilldown", response=DrillPageOut, auth=api_caller_auth(),
            summary="Danh sách hồ sơ tạo nên một con số (cán bộ; mỗi lần xem được ghi nhật ký)")
def get_drilldown(request, query: Query[DrillQuery]):
    user = request.auth  # the bearer token's account or the session's user
    if not getattr(user, "is_official", False):
        raise ApiError(403, "forbidden", _("Chỉ cán bộ có vai trò tại cơ quan mới xem được danh sách hồ sơ."), None)
    period = _period_or_422(query.period)
    indicators = selectors.indicators_of_version(query.version)
    indicator = indicators.get(query.indicator)
    if indicator is None:
        raise ApiError(404, "indicator_not_found", _("Không tìm thấy chỉ tiêu %(code)s.") % {"code": query.indicator},
                       {"field": "indicator"})
    scope = _monitor_scope(query, period)
    try:
        window = selectors.drilldown_window(code=indicator.code, period=period, scope=scope, lost=query.lost,
                                            user=user, page=query.page, page_size=query.page_size)
    except KpiError as error:
        _raise(error, "indicator")
    measurement = selectors.measurement_of(indicator=indicator, scope=scope, period=period)
    count = None
    if measurement is not None and measurement.denominator is not None:
        count = int(measurement.denominator - (measurement.numerator or 0) if query.lost else measurement.denominator)
    return {
        "indicator": indicator.code, "period": period.key, "scope_level": scope.level, "scope_name": scope.name,
        "lost": query.lost, "count": count, "page": window.page, "page_size": window.page_size,
        "has_next": window.has_next,
        "items": [{
            "code": r.dossier.code, "procedure_code": r.dossier.procedure.code,
            "procedure_name": r.dossier.procedure.name,
            "competent_agency": r.dossier.competent_agency.name if r.dossier.competent_agency else None,
            "submitted_at": r.dossier.submitted_at, "accepted_at": r.dossier.accepted_at,
            "due_at": r.dossier.due_at, "finished_at": r.dossier.finished_at, "reason": r.reason,
            "late_by_seconds": r.late_by.total_seconds() if r.late_by else None,
        } for r in window.rows],
    }
