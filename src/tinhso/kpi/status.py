"""Whether a plan's target is met, on track, at risk or off track — or has no data.

The rule (docs/modules/kpi.md, "Status of a target"; docs/decisions.md):

1. Only observations that have a value count; a period without data is never read as 0. None at
   all → **no data**. Observations of periods that start after `today` are ignored.
2. **The target year is over** (today is after 31 December of it): the value *for* the target
   year is the last observation whose period lies inside that year (the year itself, or its last
   quarter or month given). It satisfies the comparator → **met**; it does not → **off track**
   (missed); there is none → **no data**.
3. **The target year is not over**:
   - the latest value already satisfies the comparator → **met** (reached early);
   - otherwise a straight line is fitted by least squares through the observations (x = the day
     after each period ends, y = its value) and read at 1 January after the target year. With one
     observation (or all at one x) the forecast is that value (no trend can be drawn);
   - the forecast satisfies the comparator → **on track**;
   - it misses by no more than `tolerance` (default 10%) of the target value → **at risk**;
   - it misses by more → **off track**.

Comparators: ≥ (gte), > (gt), = (eq), ≤ (lte), "rank within top N" (top_n: the value is a rank, 1 is
best, met when rank ≤ N) and "improve" (nâng cao: better than the last value of the year before the
target year, in the indicator's direction; no such value → no data).

Pure Python: the series is given by the caller (measurements or reported values, one period kind).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from tinhso.kpi.periods import Period

DEFAULT_TOLERANCE = Decimal("0.10")


class TargetStatus(StrEnum):
    MET = "met"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    NO_DATA = "no_data"


class Comparator(StrEnum):
    GTE = "gte"
    GT = "gt"
    EQ = "eq"
    LTE = "lte"
    TOP_N = "top_n"
    IMPROVE = "improve"


COMPARATOR_SYMBOLS = {"gte": "≥", "gt": ">", "eq": "=", "lte": "≤", "top_n": "top", "improve": "↑"}


@dataclass(frozen=True)
class Observation:
    period: Period
    value: Decimal | int | float | None


@dataclass(frozen=True)
class StatusResult:
    status: TargetStatus
    reason: str  # a stable code: no_observation, no_value_for_target_year, no_baseline, missed, reached, trend, single_point
    latest: Observation | None = None
    forecast: Decimal | None = None
    compared_with: Decimal | None = None  # the target value, or for "improve" the baseline


def _fraction(value) -> Fraction:
    return Fraction(Decimal(repr(value))) if isinstance(value, float) else Fraction(value)


def _decimal(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.0001"))


def satisfies(comparator: Comparator | str, value, target, *, higher_is_better: bool = True) -> bool:
    """Whether `value` satisfies `comparator target`. For "improve", `target` is the baseline."""
    comparator = Comparator(comparator)
    v, t = _fraction(value), _fraction(target)
    if comparator is Comparator.GTE:
        return v >= t
    if comparator is Comparator.GT:
        return v > t
    if comparator is Comparator.EQ:
        return v == t
    if comparator in (Comparator.LTE, Comparator.TOP_N):
        return v <= t
    return v > t if higher_is_better else v < t  # improve


def _shortfall(comparator: Comparator, forecast: Fraction, target: Fraction, higher_is_better: bool) -> Fraction:
    """How far the forecast is from satisfying the comparator (≥ 0)."""
    if comparator is Comparator.EQ:
        return abs(forecast - target)
    if comparator in (Comparator.GTE, Comparator.GT) or (comparator is Comparator.IMPROVE and higher_is_better):
        return max(Fraction(0), target - forecast)
    return max(Fraction(0), forecast - target)


def _trend_at(points: list[tuple[int, Fraction]], x: int) -> tuple[Fraction, bool]:
    """Least-squares line through (x, y) read at `x`; (value, True) or (the last y, False) when
    no line can be drawn."""
    xs = {px for px, _ in points}
    if len(xs) < 2:
        return points[-1][1], False
    n = len(points)
    mean_x = Fraction(sum(px for px, _ in points), n)
    mean_y = sum((py for _, py in points), Fraction(0)) / n
    sxx = sum(((px - mean_x) ** 2 for px, _ in points), Fraction(0))
    sxy = sum(((px - mean_x) * (py - mean_y) for px, py in points), Fraction(0))
    slope = sxy / sxx
    return mean_y + slope * (x - mean_x), True


def target_status(
    *,
    comparator: Comparator | str,
    target_value,
    target_year: int,
    series: Iterable[Observation],
    today: dt.date,
    higher_is_better: bool = True,
    tolerance: Decimal = DEFAULT_TOLERANCE,
) -> StatusResult:
    comparator = Comparator(comparator)
    observed = sorted(
        (o for o in series if o.value is not None and o.period.start_date <= today),
        key=lambda o: (o.period.end_date, o.period.start_date),
    )
    if not observed:
        return StatusResult(TargetStatus.NO_DATA, "no_observation")

    year_end = dt.date(target_year + 1, 1, 1)
    if comparator is Comparator.IMPROVE:
        before = [o for o in observed if o.period.end_date <= dt.date(target_year, 1, 1)]
        if not before:
            return StatusResult(TargetStatus.NO_DATA, "no_baseline", latest=observed[-1])
        goal = _fraction(before[-1].value)
        observed = [o for o in observed if o.period.start_date >= dt.date(target_year, 1, 1)]
        if not observed:
            return StatusResult(TargetStatus.NO_DATA, "no_value_for_target_year", compared_with=_decimal(goal))
    else:
        if target_value is None:
            raise ValueError("Chỉ tiêu cần giá trị mục tiêu. / The target needs a value.")
        goal = _fraction(target_value)
    compared_with = _decimal(goal)

    def ok(value) -> bool:
        return satisfies(comparator, value, goal, higher_is_better=higher_is_better)

    if today >= year_end:
        inside = [o for o in observed if o.period.start_date.year == target_year and o.period.end_date <= year_end]
        if not inside:
            return StatusResult(TargetStatus.NO_DATA, "no_value_for_target_year", compared_with=compared_with)
        final = inside[-1]
        status = TargetStatus.MET if ok(final.value) else TargetStatus.OFF_TRACK
        return StatusResult(status, "reached" if status is TargetStatus.MET else "missed", latest=final,
                            compared_with=compared_with)

    latest = observed[-1]
    if ok(latest.value):
        return StatusResult(TargetStatus.MET, "reached", latest=latest, compared_with=compared_with)
    forecast, trended = _trend_at(
        [(o.period.end_date.toordinal(), _fraction(o.value)) for o in observed], year_end.toordinal()
    )
    reason = "trend" if trended else "single_point"
    result = {"latest": latest, "forecast": _decimal(forecast), "compared_with": compared_with}
    if ok(forecast):
        return StatusResult(TargetStatus.ON_TRACK, reason, **result)
    gap = _shortfall(comparator, forecast, goal, higher_is_better)
    if gap <= _fraction(tolerance) * abs(goal):
        return StatusResult(TargetStatus.AT_RISK, reason, **result)
    return StatusResult(TargetStatus.OFF_TRACK, reason, **result)
