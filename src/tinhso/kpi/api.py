"""HTTP API of the kpi app under /api/v1/kpi: the indicator registry, published plans and their
targets, computed measurements. Public (open data), read only, paginated as
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
