"""The status rule of a target: met, on track, at risk, off track, no data (kpi/status.py).

Series are placed at the day after each period ends; yearly values a year apart give a line whose
value at 1 January after the target year is worked out by hand below.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tinhso.kpi.periods import Period
from tinhso.kpi.status import Observation, TargetStatus, satisfies, target_status

MID_2026 = dt.date(2026, 6, 1)


def years(**values) -> list[Observation]:
    return [Observation(Period.of_year(int(year[1:])), value) for year, value in values.items()]


def status(series, *, comparator="gte", value=80, year=2026, today=MID_2026, higher=True):
    return target_status(comparator=comparator, target_value=value, target_year=year, series=series, today=today,
                         higher_is_better=higher)


def test_no_values_is_no_data_not_zero():
    assert status([]).status is TargetStatus.NO_DATA
    result = status(years(y2024=None, y2025=None))
    assert result.status is TargetStatus.NO_DATA and result.latest is None and result.forecast is None


def test_a_value_already_reaching_the_target_is_met():
    result = status(years(y2024=70, y2025=85))
    assert result.status is TargetStatus.MET and result.reason == "reached"
    assert result.latest.value == 85


def test_a_trend_reaching_the_target_by_the_end_of_the_year_is_on_track():
    # 60 at 1/1/2025, 70 at 1/1/2026: +10 a year (2025 is 365 days), so 80 at 1/1/2027 — exactly the target.
    result = status(years(y2024=60, y2025=70))
    assert result.status is TargetStatus.ON_TRACK and result.reason == "trend"
    assert result.forecast == Decimal(80)


def test_a_trend_falling_short_by_at_most_ten_percent_is_at_risk():
    result = status(years(y2024=60, y2025=68))  # forecast 76: 4 short of 80, within 8
    assert result.status is TargetStatus.AT_RISK and result.forecast == Decimal(76)


def test_a_trend_falling_short_by_more_is_off_track():
    result = status(years(y2024=60, y2025=62))  # forecast 64: 16 short
    assert result.status is TargetStatus.OFF_TRACK and result.forecast == Decimal(64)


def test_one_value_gives_no_trend():
    assert status(years(y2025=75)).status is TargetStatus.AT_RISK
    result = status(years(y2025=50))
    assert result.status is TargetStatus.OFF_TRACK and result.reason == "single_point"
    assert result.forecast == Decimal(50)


def test_after_the_target_year_the_years_value_decides():
    after = dt.date(2027, 2, 1)
    met = status(years(y2025=70, y2026=81), today=after)
    assert met.status is TargetStatus.MET and met.latest.period == Period.of_year(2026)
    missed = status(years(y2025=70, y2026=79), today=after)
    assert missed.status is TargetStatus.OFF_TRACK and missed.reason == "missed"


def test_after_the_target_year_without_its_value_there_is_no_data():
    result = status(years(y2024=90, y2025=95), today=dt.date(2027, 2, 1))
    assert result.status is TargetStatus.NO_DATA and result.reason == "no_value_for_target_year"


def test_the_last_month_of_the_target_year_decides_a_monthly_series():
    series = [Observation(Period.month(2026, 11), 90), Observation(Period.month(2026, 12), 78)]
    assert status(series, today=dt.date(2027, 1, 5)).status is TargetStatus.OFF_TRACK


def test_a_monthly_series_forecasts_the_same_way():
    # 50 at 1/2/2026, 55 at 1/3/2026 (28 days): +5 every 28 days, far above 80 by 1/1/2027.
    series = [Observation(Period.month(2026, 1), 50), Observation(Period.month(2026, 2), 55)]
    assert status(series, today=dt.date(2026, 3, 10)).status is TargetStatus.ON_TRACK


def test_more_than_is_strict():
    assert not satisfies("gt", 80, 80) and satisfies("gt", Decimal("80.01"), 80)
    assert status(years(y2025=80), comparator="gt").status is TargetStatus.AT_RISK  # 80 is not above 80


def test_rank_within_top_n():
    """Đồng Tháp: “top 25 … by 2025”. Rank 30 at 1/1/2024, 27 at 1/1/2025 (366 days, a leap year):
    at 1/1/2026, 365 days on, 27 − 3 × 365/366 = 24.0082 → on track."""
    result = status(years(y2023=30, y2024=27), comparator="top_n", value=25, year=2025,
                    today=dt.date(2025, 3, 1), higher=False)
    assert result.status is TargetStatus.ON_TRACK and result.forecast == Decimal("24.0082")
    assert status(years(y2024=24), comparator="top_n", value=25, year=2025, today=dt.date(2025, 3, 1),
                  higher=False).status is TargetStatus.MET
    assert status(years(y2023=40, y2024=41), comparator="top_n", value=25, year=2025,
                  today=dt.date(2025, 3, 1), higher=False).status is TargetStatus.OFF_TRACK


def test_at_most():
    assert status(years(y2025=3), comparator="lte", value=5, higher=False).status is TargetStatus.MET
    # 9 then 7: 5 at 1/1/2027, exactly the target.
    assert status(years(y2024=9, y2025=7), comparator="lte", value=5, higher=False).status is TargetStatus.ON_TRACK


def test_a_yes_no_target():
    assert status(years(y2025=1), comparator="eq", value=1).status is TargetStatus.MET
    assert status(years(y2025=0), comparator="eq", value=1).status is TargetStatus.OFF_TRACK


def test_improve_compares_with_the_year_before():
    """Bình Định 2024: “nâng cao chỉ số chuyển đổi số (DTI)”."""
    after = dt.date(2025, 3, 1)
    better = status(years(y2023=Decimal("0.61"), y2024=Decimal("0.64")), comparator="improve", value=None,
                    year=2024, today=after)
    assert better.status is TargetStatus.MET and better.compared_with == Decimal("0.61")
    worse = status(years(y2023=Decimal("0.61"), y2024=Decimal("0.60")), comparator="improve", value=None,
                   year=2024, today=after)
    assert worse.status is TargetStatus.OFF_TRACK
    assert status(years(y2024=Decimal("0.64")), comparator="improve", value=None, year=2024,
                  today=after).status is TargetStatus.NO_DATA  # nothing to compare with


def test_values_of_periods_not_yet_started_are_ignored():
    series = years(y2025=60) + [Observation(Period.of_year(2027), 95)]
    assert status(series).status is TargetStatus.OFF_TRACK


def test_a_target_needs_a_value_unless_it_asks_to_improve():
    with pytest.raises(ValueError):
        status(years(y2025=1), value=None)
