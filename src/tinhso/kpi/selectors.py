"""Reads of the kpi app: the registry, plans and targets, measurements, a target's series and status.

Settings read here (optional; defaults in brackets):
- TINHSO_KPI_766_VERSION ["766-dvcqg-2025"]: the Decision 766 version shown when a code has several.
- TINHSO_KPI_SCORING_VARIANTS [{}]: {indicator code: variant name} where the sources disagree,
  e.g. {"766.4.2": "formula_doc"} to score 4.2 with the formula document's 80% threshold.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.catalog.models import Procedure
from tinhso.core.models import AdministrativeUnit, Agency, UnitLineage
from tinhso.kpi.errors import InvalidInput
from tinhso.kpi.models import (
    Indicator,
    Measurement,
    Plan,
    ReportedStatus,
    ReportedValue,
    Target,
    ValueSource,
    scope_key,
)
from tinhso.kpi.periods import Period, vn_today
from tinhso.kpi.scopes import current_units
from tinhso.kpi.scoring import Rule, scoring_parse
from tinhso.kpi.scoring import score as scoring_score
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


# --- The monitoring centre (web/monitor, the API's scores and rankings) -------------------------------
#
# The dashboard reads `Measurement` rows only, never dossiers (the drill-down excepted): each read
# below is one or two indexed queries whose size depends on the number of indicators, units and
# periods, not on the number of dossiers.

SCORE_TOTAL = "766.TOTAL"
SCORE_GROUPS = ("766.G1", "766.G2", "766.G3", "766.G4", "766.G5")


@dataclass(frozen=True)
class MonitorScope:
    """Where a figure is read: the province (or another unit, e.g. a commune) or an agency."""

    level: str  # province · commune · agency
    unit: AdministrativeUnit
    agency: Agency | None = None

    @property
    def key(self) -> str:
        return scope_key(self.level, self.unit.pk, self.agency.pk if self.agency else None)

    @property
    def name(self) -> str:
        return self.agency.name if self.agency else self.unit.name

    @property
    def param(self) -> str:
        """The scope as a query parameter: `tinh`, `xa:<GSO code>`, `co-quan:<agency code>`."""
        if self.level == "agency":
            return f"co-quan:{self.agency.code}"
        return "tinh" if self.level == "province" else f"xa:{self.unit.code}"


def indicators_of_version(version: str | None = None) -> dict[str, Indicator]:
    """Every indicator of one 766 version (default: the deployment's), by code. One query."""
    version = version or version_766()
    return {i.code: i for i in Indicator.objects.filter(version=version).order_by("order", "code")}


@dataclass
class ScoreNode:
    indicator: Indicator
    measurement: Measurement | None
    children: list[ScoreNode] = field(default_factory=list)

    @property
    def code(self) -> str:
        return self.indicator.code

    @property
    def points(self) -> Decimal | None:
        return self.measurement.points if self.measurement else None

    @property
    def value(self) -> Decimal | None:
        return self.measurement.value if self.measurement else None

    @property
    def no_data(self) -> bool:
        return self.measurement is None or (self.measurement.value is None and self.measurement.points is None)


def score_tree(*, scope: MonitorScope, period: Period, version: str | None = None,
               indicators: dict[str, Indicator] | None = None) -> ScoreNode | None:
    """The Decision 766 tree of one scope and period: the total, its five groups (group 3 with its
    two sub-totals), each with its components and their measurements. None when the version has no
    total. Two queries (one when `indicators` is given)."""
    indicators = indicators if indicators is not None else indicators_of_version(version)
    if SCORE_TOTAL not in indicators:
        return None
    rows = {m.indicator_id: m for m in Measurement.objects.filter(
        indicator_id__in=[i.pk for i in indicators.values()], period=period.key, scope=scope.key)}
    children: dict[str, list[Indicator]] = {}
    for indicator in indicators.values():
        if indicator.group:
            children.setdefault(indicator.group, []).append(indicator)

    def node(indicator: Indicator) -> ScoreNode:
        return ScoreNode(indicator, rows.get(indicator.pk),
                         [node(child) for child in sorted(children.get(indicator.code, []),
                                                          key=lambda i: (i.order, i.code))])

    return node(indicators[SCORE_TOTAL])


def score_trend(*, scope: MonitorScope, periods: list[Period], codes: tuple[str, ...] = (SCORE_TOTAL, *SCORE_GROUPS),
                version: str | None = None, indicators: dict[str, Indicator] | None = None,
                ) -> dict[str, list[tuple[Period, Decimal | None]]]:
    """Points of `codes` for one scope over `periods` (e.g. the twelve months to the one shown):
    {code: [(period, points or None)]}. One query."""
    indicators = indicators if indicators is not None else indicators_of_version(version)
    wanted = {indicators[c].pk: c for c in codes if c in indicators}
    found = {(code_pk, key): points for code_pk, key, points in Measurement.objects.filter(
        indicator_id__in=list(wanted), period__in=[p.key for p in periods], scope=scope.key,
    ).values_list("indicator_id", "period", "points")}
    return {code: [(p, found.get((pk, p.key))) for p in periods] for pk, code in wanted.items()}


@dataclass(frozen=True)
class RankRow:
    rank: int | None  # None: no dossier counted in the period (the score then says little)
    unit: AdministrativeUnit
    agency: Agency | None
    points: Decimal | None
    on_time: Decimal | None  # 2.1, %
    counted: Decimal | None  # dossiers 2.1 counted

    @property
    def name(self) -> str:
        return self.agency.name if self.agency else self.unit.name

    @property
    def scope(self) -> MonitorScope:
        return MonitorScope("agency" if self.agency else "commune", self.unit, self.agency)


def score_ranking(*, level: str, period: Period, version: str | None = None,
                  indicators: dict[str, Indicator] | None = None) -> list[RankRow]:
    """Communes (`level="commune"`) or agencies (`"agency"`) by their 766 total for the period, best
    first. Those where item 2.1 counted no dossier come last and unranked: their score is made of
    the rules' defaults (5.2 and 5.3 give full points without feedback), not of their work. Ties
    share a rank. One query."""
    if level not in ("commune", "agency"):
        raise InvalidInput(_("Chỉ xếp hạng được xã hoặc cơ quan."), code="invalid_level")
    indicators = indicators if indicators is not None else indicators_of_version(version)
    total, on_time = indicators.get(SCORE_TOTAL), indicators.get("766.2.1")
    if total is None:
        return []
    ids = [total.pk] + ([on_time.pk] if on_time else [])
    scopes: dict[str, dict] = {}
    # (No filter on the nullable procedure or agency columns: SQLite would pick their partial indexes
    # over (indicator, period, scope_level).)
    # Plain values, then the units and agencies once each (their code and name): building a model
    # instance per measurement row, with its unit and agency, was most of this read's time.
    found = list(Measurement.objects.filter(indicator_id__in=ids, period=period.key, scope_level=level)
                 .values_list("scope", "indicator_id", "unit_id", "agency_id", "points", "value", "denominator"))
    units = AdministrativeUnit.objects.only("id", "code", "name", "level").in_bulk({r[2] for r in found})
    agencies = (Agency.objects.only("id", "code", "name", "unit_id").in_bulk({r[3] for r in found if r[3]})
                if level == "agency" else {})
    for scope, indicator_id, unit_id, agency_id, points, value, denominator in found:
        entry = scopes.setdefault(scope, {"unit": units[unit_id], "agency": agencies.get(agency_id)})
        entry["total" if indicator_id == total.pk else "on_time"] = (points, value, denominator)
    rows = []
    for entry in scopes.values():
        t, o = entry.get("total"), entry.get("on_time")
        counted = o[2] if o is not None else None
        rows.append((entry, t[0] if t else None, o[1] if o else None, counted))
    has = [r for r in rows if r[3] and r[1] is not None]
    rest = [r for r in rows if not (r[3] and r[1] is not None)]
    has.sort(key=lambda r: (-r[1], r[0]["agency"].name if r[0]["agency"] else r[0]["unit"].name))
    rest.sort(key=lambda r: (r[0]["agency"].name if r[0]["agency"] else r[0]["unit"].name))
    ranked: list[RankRow] = []
    previous, rank = None, 0
    for position, (entry, points, value, counted) in enumerate(has, start=1):
        if points != previous:
            rank, previous = position, points
        ranked.append(RankRow(rank, entry["unit"], entry["agency"], points, value, counted))
    ranked += [RankRow(None, e["unit"], e["agency"], p, v, c) for e, p, v, c in rest]
    return ranked


@dataclass(frozen=True)
class ProcedureCost:
    procedure: Procedure
    lost: Decimal  # points the scope would gain if this procedure's dossiers had all scored
    by_component: dict[str, Decimal]
    counted: Decimal  # dossiers the procedure had in item 2.1 (0 if none)


def dossier_components() -> set[str]:
    from tinhso.kpi.engine.components import COMPONENTS

    return {code for code, component in COMPONENTS.items() if component.drill is not None}


def costliest_procedures(*, period: Period, scope: MonitorScope, limit: int = 10, version: str | None = None,
                         indicators: dict[str, Indicator] | None = None) -> list[ProcedureCost]:
    """The procedures that cost the scope the most points in the period. For every component counted
    per dossier (2.1, 3.3, 3.6, 4.1–4.5b, 5.4 …), a procedure's cost is what the scope's points would
    gain if that procedure's dossiers had all scored: score(num + (den_p − num_p), den) − score(num,
    den) with the component's own rule (so a threshold is respected); summed over components.
    Measurements per procedure exist at the province only (kpi/engine/places.py): for a commune or
    an agency the list is empty. Two queries."""
    if scope.level != "province":
        return []
    indicators = indicators if indicators is not None else indicators_of_version(version)
    components = {indicators[c].pk: indicators[c] for c in dossier_components() & set(indicators)
                  if indicators[c].max_points}
    whole = {m.indicator_id: m for m in Measurement.objects.filter(
        indicator_id__in=list(components), period=period.key, scope=scope.key)}
    costs: dict[int, dict] = {}
    # The province's own procedure rows (scope "procedure:<unit>::<procedure>"), as plain values; the
    # procedures are read once at the end.
    for indicator_id, procedure_id, numerator, denominator in Measurement.objects.filter(
            indicator_id__in=list(whole), period=period.key, scope_level="procedure",
            scope__startswith=f"procedure:{scope.unit.pk}::",
    ).values_list("indicator_id", "procedure_id", "numerator", "denominator"):
        total = whole[indicator_id]
        if not denominator or total.denominator is None or total.points is None:
            continue
        indicator = components[indicator_id]
        missing = denominator - (numerator or 0)
        entry = costs.setdefault(procedure_id, {"procedure": procedure_id, "by": {}, "counted": Decimal(0)})
        if indicator.code == "766.2.1":
            entry["counted"] = denominator
        if missing <= 0:
            continue
        better = scoring_score(indicator_rule(indicator), max_points=indicator.max_points,
                               numerator=(total.numerator or 0) + missing, denominator=total.denominator)
        gain = (better.points or Decimal(0)) - total.points
        if gain > 0:
            entry["by"][indicator.code] = gain
    procedures = Procedure.objects.in_bulk([pk for pk, e in costs.items() if e["by"]])
    rows = [ProcedureCost(procedures[pk], sum(e["by"].values(), Decimal(0)), e["by"], e["counted"])
            for pk, e in costs.items() if e["by"]]
    rows.sort(key=lambda r: (-r.lost, r.procedure.code))
    return rows[:limit]


def monitor_periods(*, version: str | None = None, indicators: dict[str, Indicator] | None = None) -> list[Period]:
    """The periods that have a 766 total for the province, newest first (years, quarters, months, year
    to date). One query on the (indicator, period, scope level) index."""
    indicators = indicators if indicators is not None else indicators_of_version(version)
    total = indicators.get(SCORE_TOTAL)
    if total is None:
        return []
    today = vn_today()
    keys = set(Measurement.objects.filter(indicator=total, scope_level="province")
               .values_list("period", flat=True).distinct())
    periods = [Period.parse(key, today=today) for key in keys]
    return sorted(periods, key=lambda p: (p.start_date, -(p.end_date - p.start_date).days), reverse=True)


def measurement_of(*, indicator: Indicator, scope: MonitorScope, period: Period) -> Measurement | None:
    return Measurement.objects.filter(indicator=indicator, period=period.key, scope=scope.key).first()


# --- Targets of a plan in bulk -----------------------------------------------------------------------


@dataclass(frozen=True)
class TargetRow:
    target: Target
    status: StatusResult
    series: list[Observation]


def plan_target_rows(plan: Plan, *, today: dt.date | None = None, pillar: str | None = None) -> list[TargetRow]:
    """Every target of `plan` with its series (as `target_series`) and status (as `target_status_of`),
    read in bulk: the lineage once per unit a target is written for, then one query for the
    computed indicators' measurements and one for the approved reported values of all targets."""
    today = today or vn_today()
    targets = list(target_list(plan=plan, published_only=False))
    if pillar:
        targets = [t for t in targets if t.indicator.pillar == pillar]
    units_of: dict[int, list[AdministrativeUnit]] = {}
    for target in targets:
        origin = target.unit or plan.province
        if origin.pk not in units_of:
            units_of[origin.pk] = target_units(origin, day=today)
    unit_ids = sorted({u.pk for units in units_of.values() for u in units})
    computed = {t.indicator_id for t in targets if t.indicator.source == ValueSource.COMPUTED}
    reported = {t.indicator_id for t in targets if t.indicator.source != ValueSource.COMPUTED}
    values: dict[int, list[tuple[str, int, object]]] = {}
    if computed:
        for row in Measurement.objects.filter(indicator_id__in=computed, period_kind="year", unit_id__in=unit_ids).filter(
                Q(scope_level="province", unit__level="province") | Q(scope_level="district", unit__level="district")
                | Q(scope_level="commune", unit__level="commune")).values_list("indicator_id", "period", "unit_id",
                                                                               "value"):
            values.setdefault(row[0], []).append(row[1:])
    if reported:
        for row in ReportedValue.objects.filter(indicator_id__in=reported, period_kind="year", unit_id__in=unit_ids,
                                                status=ReportedStatus.APPROVED).values_list(
                "indicator_id", "period", "unit_id", "value"):
            values.setdefault(row[0], []).append(row[1:])
    rows = []
    for target in targets:
        units = units_of[(target.unit or plan.province).pk]
        rank = {u.pk: position for position, u in enumerate(units)}
        chosen: dict[str, tuple[int, object]] = {}
        for period, unit_id, value in values.get(target.indicator_id, []):
            if unit_id in rank and (period not in chosen or rank[unit_id] < chosen[period][0]):
                chosen[period] = (rank[unit_id], value)
        series = sorted((Observation(Period.parse(key, today=today), value) for key, (_r, value) in chosen.items()),
                        key=lambda o: o.period)
        status = target_status(comparator=target.comparator, target_value=target.value, target_year=target.year,
                               series=series, today=today, higher_is_better=target.indicator.higher_is_better)
        rows.append(TargetRow(target, status, series))
    return rows


# --- Drill-down without counting ------------------------------------------------------------------------


@dataclass(frozen=True)
class DrillWindow:
    rows: list  # kpi.engine.drilldown.DrillRow
    page: int
    page_size: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def first_index(self) -> int:
        return (self.page - 1) * self.page_size + 1


def _drill_queryset(*, code: str, period: Period, scope: MonitorScope, lost: bool, user, now: dt.datetime):
    from tinhso.dossiers.selectors import visible_only

    rows = component_dossiers(code=code, period=period, unit=None if scope.agency else scope.unit,
                              agency=scope.agency, lost=lost, now=now)
    rows = visible_only(rows, user)
    return rows.select_related("procedure", "competent_agency").order_by("accepted_at", "submitted_at", "pk")


def drilldown_window(*, code: str, period: Period, scope: MonitorScope, lost: bool, user, page: int = 1,
                     page_size: int = 50, now: dt.datetime | None = None) -> DrillWindow:
    """One page of the dossiers behind a number (`component_dossiers`), only those `user` may read,
    oldest acceptance first, with the reason each lost the point — without counting the whole list
    (page_size + 1 rows are read to know whether a next page exists; the number of dossiers is the
    measurement's own denominator). The read is audited (`kpi.drilldown_viewed`), as
    `component_dossier_page` does."""
    from tinhso.core.audit import audit_record
    from tinhso.kpi.engine.cells import no_jit

    now = now or timezone.now()
    page = max(int(page), 1)
    page_size = min(max(int(page_size), 1), 200)
    rows = _drill_queryset(code=code, period=period, scope=scope, lost=lost, user=user, now=now)
    start = (page - 1) * page_size
    with transaction.atomic(), connection.cursor() as cursor:
        no_jit(cursor)
        dossiers = list(rows[start:start + page_size + 1])
    has_next = len(dossiers) > page_size
    dossiers = dossiers[:page_size]
    from tinhso.kpi.engine.drilldown import drill_reasons

    window = DrillWindow(drill_reasons(code, dossiers, period=period, now=now, lost=lost), page, page_size, has_next)
    if dossiers:
        audit_record(action="kpi.drilldown_viewed", actor=user, object_type="kpi.component", object_id=code,
                     data={"period": period.key, "scope": scope.key, "lost": lost, "page": page,
                           "dossiers": [d.code for d in dossiers]})
    return window


def drilldown_stream(*, code: str, period: Period, scope: MonitorScope, lost: bool, user, chunk: int = 1000,
                     now: dt.datetime | None = None):
    """Every dossier of the list, chunk by chunk (never the whole list in memory), with reasons; the
    export is audited once (`kpi.drilldown_exported`) before the first row."""
    from tinhso.core.audit import audit_record
    from tinhso.kpi.engine.drilldown import drill_reasons

    now = now or timezone.now()
    rows = _drill_queryset(code=code, period=period, scope=scope, lost=lost, user=user, now=now)
    audit_record(action="kpi.drilldown_exported", actor=user, object_type="kpi.component", object_id=code,
                 data={"period": period.key, "scope": scope.key, "lost": lost})
    # iterator(): a server-side cursor on PostgreSQL, chunked fetches on SQLite.
    for batch in itertools.batched(rows.iterator(chunk_size=chunk), chunk):
        yield from drill_reasons(code, list(batch), period=period, now=now, lost=lost)
