"""From month cells to measurements: sum the months of each period for each scope, run the
components, score them with the registry's rules, add the groups up.

Periods are sums of months (a dossier belongs to the month of its cohort date); the counters of
open dossiers are kept per kind of period (facts.VARIANTS), so a quarter judges a dossier still
open at the quarter's end, not at its month's. PAKN (items 5.1–5.3) are counted per period
directly, by `dossiers.feedback.feedback_counts_by_agency`: a PAKN belongs to every period it was
received or handled in, which months cannot add up.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from decimal import Decimal
from fractions import Fraction

from django.db.models import Count

from tinhso.dossiers.feedback import FeedbackCounts, feedback_counts_by_agency
from tinhso.dossiers.models import Dossier
from tinhso.kpi import scoring
from tinhso.kpi.engine.catalogue import CatalogueSets
from tinhso.kpi.engine.components import COMPONENTS, Figure
from tinhso.kpi.engine.facts import VARIANT_OF_KIND
from tinhso.kpi.engine.facts import gettext_cached as _
from tinhso.kpi.engine.facts import notes_language
from tinhso.kpi.engine.places import Place, ScopeKey
from tinhso.kpi.models import Indicator, MeasurementScope, ReportedStatus, ReportedValue
from tinhso.kpi.periods import Period, PeriodKind
from tinhso.kpi.selectors import indicator_rule
from tinhso.kpi.services import MeasurementRow, ratio_value

PLACES = Decimal("0.0001")


def year_periods(year: int, *, today: dt.date) -> list[Period]:
    """The periods of `year` measured on `today`: months and quarters begun, the year, and the year to
    date while the year runs."""
    if year > today.year:
        return []
    periods = [Period.month(year, m) for m in range(1, 13) if dt.date(year, m, 1) <= today]
    periods += [Period.quarter(year, q) for q in range(1, 5) if dt.date(year, 3 * q - 2, 1) <= today]
    periods.append(Period.of_year(year))
    if year == today.year:
        periods.append(Period.ytd(year, today=today))
    return periods


@dataclass
class Tally:
    """One scope's counts: per month, the counters; per month and counter, the procedures with some."""

    months: dict[int, Counter] = field(default_factory=lambda: defaultdict(Counter))
    procedures: dict[int, dict[str, set[int]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(set)))
    agencies: set[int] = field(default_factory=set)
    until: dt.date | None = None
    _sums: dict = field(default_factory=dict, repr=False)

    def add(self, month: int, procedure_id: int, counts: dict) -> None:
        self.months[month].update(counts)
        for name, value in counts.items():
            if value and name.startswith("p_"):
                self.procedures[month][name].add(procedure_id)

    def merge(self, other: Tally) -> None:
        for month, counts in other.months.items():
            self.months[month].update(counts)
        for month, named in other.procedures.items():
            mine = self.procedures[month]
            for name, procedures in named.items():
                mine[name] |= procedures

    def summed(self, months: list[int]) -> dict:
        """The counters of some months added up (a quarter's three months are added once, then reused
        by the year)."""
        key = tuple(months)
        found = self._sums.get(key)
        if found is None:
            if len(months) > 3 and len(months) % 3 == 0 and months[0] % 3 == 1:
                parts = [self.summed(months[i:i + 3]) for i in range(0, len(months), 3)]
            else:
                parts = [self.months.get(month, {}) for month in months]
            found = Counter()
            for part in parts:
                found.update(part)
            self._sums[key] = found
        return found


def tally(cells, places: dict[int, Place], *, levels, wanted: set[ScopeKey] | None = None) -> dict[ScopeKey, Tally]:
    """Add each cell (agency, procedure, month, counts) into the scopes of its agency: first into one
    tally per agency (its procedures collapsed; the procedure scopes take the cells themselves), then
    each agency's tally into the units it counts in — a province adds up its agencies, not their
    tens of thousands of cells."""
    tallies: dict[ScopeKey, Tally] = defaultdict(Tally)
    by_agency: dict[int, Tally] = defaultdict(Tally)
    for agency_id, procedure_id, month, counts in cells:
        place = places.get(agency_id)
        if place is None:
            continue
        by_agency[agency_id].add(month, procedure_id, counts)
        if place.province_id is not None and MeasurementScope.PROCEDURE in levels:
            key = (MeasurementScope.PROCEDURE, place.province_id, None, procedure_id)
            if wanted is None or key in wanted:
                t = tallies[key]
                t.agencies.add(agency_id)
                t.add(month, procedure_id, counts)
    for agency_id, own in by_agency.items():
        for member in places[agency_id].members:
            key = member.key
            if key[0] not in levels or (wanted is not None and key not in wanted):
                continue
            t = tallies[key]
            t.until = member.until
            t.agencies.add(agency_id)
            t.merge(own)
    return tallies


def _sum_feedback(rows: list[FeedbackCounts]) -> FeedbackCounts:
    names = [f.name for f in fields(FeedbackCounts)]
    return FeedbackCounts(**{n: sum(getattr(r, n) for r in rows) for n in names})


class Run:
    """What one assembly shares: the registry rows, the catalogue, PAKN per period, the moment."""

    def __init__(self, *, version: str, catalogue: CatalogueSets, now: dt.datetime, year: int):
        self.version, self.catalogue, self.now, self.year = version, catalogue, now, year
        notes_language()
        self.indicators = {i.code: i for i in Indicator.objects.filter(version=version, code__startswith="766.")}
        self.indicator_ids = {code: i.pk for code, i in self.indicators.items()}
        self.rules = {code: indicator_rule(i) for code, i in self.indicators.items()}
        self._feedback: dict[str, dict[int, FeedbackCounts]] = {}
        self._last_year: dict[tuple[int, int], int] | None = None
        self._reported: dict | None = None
        self.codes = _ordered_codes(self)
        self.groups = _groups(self)
        self._scores: dict[tuple, tuple] = {}

    @functools.lru_cache(maxsize=4096)  # noqa: B019 - one Run per recompute
    def group_note(self, missing: tuple[str, ...], complete: bool) -> str:
        notes = []
        if missing:
            notes.append(_("Chưa có điểm: %(codes)s.") % {"codes": ", ".join(c.removeprefix("766.") for c in missing)})
        if not complete:
            notes.append(_("Văn bản chưa nêu đủ các chỉ tiêu thành phần của nhóm."))
        return " ".join(notes)[:300]

    def scored(self, code: str, figure: Figure) -> tuple[Decimal | None, Decimal | None, bool]:
        """(value, points, empty) of a figure by the indicator's rule; many scopes share the same
        counts (0 of 0, 1 of 1…), so each distinct figure is scored once per run."""
        key = (code, figure.numerator, figure.denominator, figure.ratio)
        found = self._scores.get(key)
        if found is None:
            indicator, rule = self.indicators[code], self.rules[code]
            if figure.ratio is not None:
                result = scoring.score(rule, max_points=indicator.max_points, value=figure.ratio)
                value = _decimal(figure.ratio * Fraction(indicator.factor))
            else:
                result = scoring.score(rule, max_points=indicator.max_points, numerator=figure.numerator,
                                       denominator=figure.denominator)
                value = ratio_value(figure.numerator, figure.denominator, indicator.factor)
            found = self._scores[key] = (value, result.points, result.empty)
        return found

    def prefetch(self, keys, tallies: dict[ScopeKey, Tally], periods: list[Period]) -> None:
        """Read now what assembling `keys` × `periods` reads from the database (PAKN per period,
        reported values, and last year's dossiers when a scope has none accepted in a period: item
        1.4's fallback), so that the rows can stream into a COPY on the same connection."""
        for period in periods:
            self.feedback(period)
        if periods:
            self.reported("", 0, periods[0])
        months = [[m.index for m in period.months()] for period in periods]
        for key in keys:
            t = tallies.get(key)
            if t is None or any(not t.summed(m).get("acc") for m in months):
                self.last_year_accepted()
                break

    def feedback(self, period: Period) -> dict[int, FeedbackCounts]:
        if period.key not in self._feedback:
            self._feedback[period.key] = feedback_counts_by_agency(start=period.start, end=min(period.end, self.now))
        return self._feedback[period.key]

    def last_year_accepted(self) -> dict[tuple[int, int], int]:
        """Dossiers accepted the year before, per competent agency and procedure (item 1.4's fallback
        denominator); read only when a scope has no dossier in a period."""
        if self._last_year is None:
            span = Period.of_year(self.year - 1)
            self._last_year = {
                (agency, procedure): n for agency, procedure, n in
                Dossier.objects.filter(accepted_at__gte=span.start, accepted_at__lt=span.end)
                .values_list("competent_agency_id", "procedure_id").annotate(n=Count("pk")).order_by()}
        return self._last_year

    def reported(self, code: str, unit_id: int, period: Period) -> Decimal | None:
        if self._reported is None:
            codes = [c for c, i in self.indicators.items() if i.formula_kind == "reported"]
            self._reported = {
                (r.indicator.code, r.unit_id, r.period): r.value
                for r in ReportedValue.objects.filter(indicator__in=[self.indicators[c] for c in codes],
                                                      period_year=self.year, status=ReportedStatus.APPROVED)
                .select_related("indicator")}
        return self._reported.get((code, unit_id, period.key))


class Context:
    """What a component reads for one scope and one period (`x` in components.py)."""

    def __init__(self, run: Run, key: ScopeKey, t: Tally | None, period: Period, scope_agencies: set[int]):
        self.run, self.key, self.tally, self.period = run, key, t, period
        self.level, self.unit_id, self.agency_id, self.procedure_id = key
        self.catalogue = run.catalogue
        self.variant = VARIANT_OF_KIND[period.kind.value]
        self.months = [m.index for m in period.months()]
        self.scope_agencies = scope_agencies
        self.figures: dict[str, Figure] = {}
        self._counts: Counter | None = None

    @property
    def counts(self) -> dict:
        if self._counts is None:
            self._counts = self.tally.summed(self.months) if self.tally is not None else {}
        return self._counts

    def count(self, name: str) -> int:
        counts = self.counts
        varied = counts.get(f"{name}.{self.variant}")
        return varied if varied is not None else counts.get(name, 0)

    def procedures_with(self, name: str) -> set[int]:
        found: set[int] = set()
        if self.tally is not None:
            for month in self.months:
                found |= self.tally.procedures.get(month, {}).get(name, set())
        return found

    @functools.cached_property
    def applied(self) -> set[int]:
        procedures = self.catalogue.applied(self.scope_agencies)
        if self.procedure_id is not None:
            procedures &= {self.procedure_id}
        return procedures

    @functools.cached_property
    def feedback(self) -> FeedbackCounts:
        by_agency = self.run.feedback(self.period)
        return _sum_feedback([by_agency[a] for a in self.scope_agencies if a in by_agency])

    def previous_year_accepted(self) -> int:
        return sum(n for (agency, procedure), n in self.run.last_year_accepted().items()
                   if agency in self.scope_agencies and self.procedure_id in (None, procedure))

    def figure(self, code: str) -> Figure:
        return self.figures[code]

    def reported(self) -> Decimal | None:
        return self.run.reported("766.4.ecc", self.unit_id, self.period)


def _decimal(value) -> Decimal | None:
    if value is None:
        return None
    if type(value) is int:  # the common case first (counts)
        return Decimal(value)
    if isinstance(value, Fraction):
        return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(PLACES)
    if isinstance(value, int):
        return Decimal(value)  # exact; equal to the four-place value the database gives back
    return Decimal(value).quantize(PLACES)


def _empty_note(rule) -> str:
    """Nothing to count: "no data", and the points the rule gives then (5.2, 5.3: full; 5.4: none)."""
    empty = getattr(rule, "empty", "no_data")
    if empty == "full_points":
        return _("Không có dữ liệu trong kỳ: đủ điểm theo quy tắc.")
    if empty == "zero":
        return _("Không có dữ liệu trong kỳ: 0 điểm theo quy tắc.")
    return _("Không có dữ liệu trong kỳ.")


def _ordered_codes(run: Run) -> list[str]:
    """Components in the order their dependencies need (1.4 before 3.3), registry order otherwise."""
    codes = [c for c, i in sorted(run.indicators.items(), key=lambda item: (item[1].order, item[0]))
             if i.formula_kind != "sum" and c in COMPONENTS]
    done: list[str] = []

    def visit(code: str) -> None:
        if code in done:
            return
        for dependency in COMPONENTS[code].uses:
            if dependency in codes:
                visit(dependency)
        done.append(code)

    for code in codes:
        visit(code)
    return done


def _groups(run: Run) -> list[str]:
    """Group totals, children before parents."""
    groups = {c: i for c, i in run.indicators.items() if i.formula_kind == "sum"}
    ordered: list[str] = []

    def visit(code: str) -> None:
        if code in ordered:
            return
        for child in getattr(run.rules[code], "components", []):
            if child in groups:
                visit(child)
        ordered.append(code)

    for code in sorted(groups):
        visit(code)
    return ordered


def scope_rows(run: Run, key: ScopeKey, t: Tally | None, period: Period, scope_agencies: set[int]) -> list[MeasurementRow]:
    """Every indicator of the version for one scope and period."""
    x = Context(run, key, t, period, scope_agencies)
    level, unit_id, agency_id, procedure_id = key
    rows: list[MeasurementRow] = []
    points: dict[str, Decimal | None] = {}
    ids = run.indicator_ids
    for code in run.codes:
        figure = COMPONENTS[code].function(x)
        x.figures[code] = figure
        if figure.reported:
            value = score_points = figure.points
        else:
            value, score_points, empty = run.scored(code, figure)
            if empty and not figure.note:
                figure = Figure(figure.numerator, figure.denominator, note=_empty_note(run.rules[code]))
        points[code] = score_points
        rows.append(MeasurementRow(
            indicator_id=ids[code], period=period, scope_level=level, unit_id=unit_id, value=value,
            numerator=_decimal(figure.numerator), denominator=_decimal(figure.denominator), points=score_points,
            agency_id=agency_id, procedure_id=procedure_id, note=str(figure.note)[:300]))
    missing: dict[str, list[str]] = {}  # a group → the components below it without points
    for code in run.groups:
        indicator, rule = run.indicators[code], run.rules[code]
        parts = [points.get(child) for child in rule.components]
        present = [p for p in parts if p is not None]
        # scoring.score_sum's total: the components' points are four-place decimals, so their
        # Decimal sum is exact and the same; without Fractions, for the thousands of group rows.
        total = sum(present, Decimal(0)).quantize(PLACES) if present else None
        points[code] = total
        missing[code] = [leaf for child, part in zip(rule.components, parts, strict=True)
                         for leaf in missing.get(child, [child] if part is None else [])]
        rows.append(MeasurementRow(
            indicator_id=indicator.pk, period=period, scope_level=level, unit_id=unit_id, value=total,
            points=total, agency_id=agency_id, procedure_id=procedure_id,
            note=run.group_note(tuple(missing[code]), rule.complete)))
    return rows


def measurement_rows(run: Run, keys, tallies: dict[ScopeKey, Tally], periods: list[Period],
                     scope_agencies: dict[ScopeKey, set[int]]) -> Iterator[MeasurementRow]:
    """The rows of `keys` (scopes) for `periods`, one scope at a time (the writer streams them); an
    old unit only for the periods it existed in."""
    for key in sorted(keys, key=lambda k: (k[0], k[1], k[2] or 0, k[3] or 0)):
        t = tallies.get(key)
        until = t.until if t is not None else None
        for period in periods:
            if until is not None and period.start_date >= until:
                continue
            if period.kind is PeriodKind.YTD and until is not None:
                continue
            yield from scope_rows(run, key, t, period, scope_agencies.get(key, set()))
