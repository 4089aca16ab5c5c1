"""Reads of the kpi app: the registry, plans and targets, measurements, a target's series and status.

Settings read here (optional; defaults in brackets):
- TINHSO_KPI_766_VERSION ["766-dvcqg-2025"]: the Decision 766 version shown when a code has several.
- TINHSO_KPI_SCORING_VARIANTS [{}]: {indicator code: variant name} where the sources disagree,
  e.g. {"766.4.2": "formula_doc"} to score 4.2 with the formula document's 80% threshold.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Q, QuerySet

from tinhso.core.models import AdministrativeUnit, UnitLineage
from tinhso.kpi.models import (
    Indicator,
    Measurement,
    Plan,
    ReportedStatus,
    ReportedValue,
    Target,
    ValueSource,
)
from tinhso.kpi.periods import Period, vn_today
from tinhso.kpi.scopes import current_units
from tinhso.kpi.scoring import Rule, scoring_parse
from tinhso.kpi.status import Observation, StatusResult, target_status

DEFAULT_766_VERSION = "766-dvcqg-2025"


def version_766() -> str:
    return getattr(settings, "TINHSO_KPI_766_VERSION", DEFAULT_766_VERSION)


def scoring_variants() -> dict[str, str]:
    return dict(getattr(settings, "TINHSO_KPI_SCORING_VARIANTS", {}) or {})


# --- Indicators ------------------------------------------------------------------------------------


def indicator_list(
    *, pillar: str | None = None, version: str | None = None, source: str | None = None, q: str = ""
) -> QuerySet[Indicator]:
    rows = Indicator.objects.all()
    if pillar:
        rows = rows.filter(pillar=pillar)
    if version:
        rows = rows.filter(version=version)
    if source:
        rows = rows.filter(source=source)
    for word in q.split():
        rows = rows.filter(Q(code__icontains=word) | Q(name__icontains=word) | Q(name_en__icontains=word))
    return rows.order_by("pillar", "version", "order", "code")


def indicator_get(*, code: str, version: str | None = None) -> Indicator | None:
    """One indicator: the given version, else the only one, else the deployment's 766 version,
    else the last version by name."""
    rows = list(Indicator.objects.filter(code=code).order_by("version"))
    if version:
        return next((row for row in rows if row.version == version), None)
    if len(rows) <= 1:
        return rows[0] if rows else None
    return next((row for row in rows if row.version == version_766()), rows[-1])


def indicator_rule(indicator: Indicator, *, variant: str | None = None) -> Rule:
    """The scoring rule the engine applies: the variant named by the caller, else by
    TINHSO_KPI_SCORING_VARIANTS, else the indicator's default."""
    return scoring_parse(indicator.formula_kind, indicator.scoring).choose(
        variant or scoring_variants().get(indicator.code)
    )


def indicator_components(indicator: Indicator) -> list[Indicator]:
    """The components of a group total, in their declared order (same version)."""
    components = scoring_parse(indicator.formula_kind, indicator.scoring).rule
    codes = list(getattr(components, "components", []))
    found = {i.code: i for i in Indicator.objects.filter(code__in=codes, version=indicator.version)}
    return [found[code] for code in codes if code in found]


# --- Plans and targets -----------------------------------------------------------------------------


def _predecessor_closure(unit: AdministrativeUnit) -> set[int]:
    """`unit` and every unit it was made from, at any depth."""
    ids, frontier = {unit.pk}, {unit.pk}
    while frontier:
        frontier = set(UnitLineage.objects.filter(successor_id__in=frontier).values_list("predecessor_id", flat=True))
        frontier -= ids
        ids |= frontier
    return ids


def plan_list(*, published_only: bool = True, unit: AdministrativeUnit | None = None) -> QuerySet[Plan]:
    """Plans, optionally those written for `unit` or for any unit it was made from (today's Vĩnh
    Long lists Bến Tre's plan)."""
    plans = Plan.objects.select_related("province")
    if published_only:
        plans = plans.filter(is_published=True)
    if unit is not None:
        plans = plans.filter(province_id__in=_predecessor_closure(unit))
    return plans.order_by("start_year", "code")


def plan_get(*, plan_id: int, published_only: bool = True) -> Plan | None:
    plans = Plan.objects.select_related("province")
    if published_only:
        plans = plans.filter(is_published=True)
    return plans.filter(pk=plan_id).first()


def target_list(
    *, plan: Plan | None = None, indicator_code: str | None = None, year: int | None = None,
    published_only: bool = True,
) -> QuerySet[Target]:
    targets = Target.objects.select_related("plan", "indicator", "unit")
    if published_only:
        targets = targets.filter(plan__is_published=True)
    if plan is not None:
        targets = targets.filter(plan=plan)
    if indicator_code:
        targets = targets.filter(indicator__code=indicator_code)
    if year:
        targets = targets.filter(year=year)
    return targets.order_by("plan__start_year", "plan__code", "order")


# --- Measurements and series -----------------------------------------------------------------------


def measurement_list(
    *,
    indicator: Indicator | None = None,
    unit: AdministrativeUnit | None = None,
    period: Period | None = None,
    scope_level: str | None = None,
    year: int | None = None,
) -> QuerySet[Measurement]:
    rows = Measurement.objects.select_related("indicator", "unit", "agency", "procedure")
    if indicator is not None:
        rows = rows.filter(indicator=indicator)
    if period is not None:
        rows = rows.filter(period=period.key)
    if unit is not None:
        rows = rows.filter(unit=unit)
    if scope_level:
        rows = rows.filter(scope_level=scope_level)
    if year:
        rows = rows.filter(period_year=year)
    return rows.order_by("indicator__code", "period_start", "period_kind", "scope")


def target_series(target: Target, *, kind: str = "year", day: dt.date | None = None,
                  unit: AdministrativeUnit | None = None,
                  units: list[AdministrativeUnit] | None = None) -> list[Observation]:
    """The values of the target's indicator for its unit — the plan's province unless the target
    names one, or `unit` — and for the units that hold it today, one per period of `kind`. Before
    July 2025 the old unit's own values, after it today's units' (Bến Tre's 2024 value, then Vĩnh
    Long's 2026 value); where both exist the old unit's wins. Computed indicators read
    measurements at the unit's own level; reported ones read approved reported values only."""
    origin = unit or target.unit or target.plan.province
    if units is None:  # `units` lets a caller resolve the lineage once for many targets
        units = target_units(origin, day=day)
    rank = {u.pk: position for position, u in enumerate(units)}
    if target.indicator.source == ValueSource.COMPUTED:
        rows = Measurement.objects.filter(
            indicator=target.indicator, period_kind=kind,
            unit_id__in=list(rank),
        ).filter(Q(scope_level="province", unit__level="province") | Q(scope_level="district", unit__level="district")
                 | Q(scope_level="commune", unit__level="commune"))
    else:
        rows = ReportedValue.objects.filter(indicator=target.indicator, period_kind=kind, unit_id__in=list(rank),
                                            status=ReportedStatus.APPROVED)
    chosen: dict[str, tuple[int, object]] = {}
    for period, unit_id, value in rows.values_list("period", "unit_id", "value"):
        if period not in chosen or rank[unit_id] < chosen[period][0]:
            chosen[period] = (rank[unit_id], value)
    today = day or vn_today()
    return sorted(
        (Observation(Period.parse(key, today=today), value) for key, (_rank, value) in chosen.items()),
        key=lambda o: o.period,
    )


def target_units(origin: AdministrativeUnit, *, day: dt.date | None = None) -> list[AdministrativeUnit]:
    """The unit a target was written for, then the units that hold it on `day`."""
    links = current_units(origin, day=day or vn_today())
    return [origin] + [link.unit for link in links if link.unit.pk != origin.pk]


def target_status_of(target: Target, *, today: dt.date | None = None, kind: str = "year",
                     units: list[AdministrativeUnit] | None = None) -> StatusResult:
    """The status of the target now (kpi.status), from `target_series`."""
    today = today or vn_today()
    return target_status(
        comparator=target.comparator, target_value=target.value, target_year=target.year,
        series=target_series(target, kind=kind, day=today, units=units), today=today,
        higher_is_better=target.indicator.higher_is_better,
    )


# --- Drill-down (kpi/engine/drilldown.py) ------------------------------------------------------------


def component_dossiers(**kwargs):
    """The dossiers a Decision 766 component counted for a scope and period (or those that lost the
    point, `lost=True`): see kpi.engine.drilldown.component_dossiers."""
    from tinhso.kpi.engine.drilldown import component_dossiers as dossiers

    return dossiers(**kwargs)


def component_dossier_page(**kwargs):
    """One page of them with the reason per dossier: kpi.engine.drilldown.component_dossier_page."""
    from tinhso.kpi.engine.drilldown import component_dossier_page as page

    return page(**kwargs)
