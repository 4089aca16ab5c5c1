"""Reporting periods in Vietnam time: keys, boundaries, containment, stepping."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tinhso.kpi.periods import VN, Period, PeriodError, PeriodKind

UTC = dt.UTC


@pytest.mark.parametrize("key", ["2026-03", "2026-12", "2026-Q1", "2026-Q4", "2026", "2025"])
def test_a_key_reads_back_to_itself(key):
    assert str(Period.parse(key)) == key


def test_year_to_date_key_does_not_name_the_day():
    period = Period.parse("2026-YTD", today=dt.date(2026, 3, 15))
    assert period.key == "2026-YTD"
    assert period.through == dt.date(2026, 3, 15)
    assert period == Period.parse("2026-ytd", today=dt.date(2026, 5, 1))  # a running figure: same period


@pytest.mark.parametrize(
    ("key", "start", "end"),
    [
        ("2026-02", dt.date(2026, 2, 1), dt.date(2026, 3, 1)),
        ("2024-02", dt.date(2024, 2, 1), dt.date(2024, 3, 1)),
        ("2026-12", dt.date(2026, 12, 1), dt.date(2027, 1, 1)),
        ("2026-Q1", dt.date(2026, 1, 1), dt.date(2026, 4, 1)),
        ("2026-Q3", dt.date(2026, 7, 1), dt.date(2026, 10, 1)),
        ("2026-Q4", dt.date(2026, 10, 1), dt.date(2027, 1, 1)),
        ("2026", dt.date(2026, 1, 1), dt.date(2027, 1, 1)),
    ],
)
def test_boundaries_are_half_open_dates(key, start, end):
    period = Period.parse(key)
    assert (period.start_date, period.end_date) == (start, end)
    assert period.last_date == end - dt.timedelta(days=1)


def test_boundaries_are_midnight_in_hanoi():
    march = Period.parse("2026-03")
    assert march.start == dt.datetime(2026, 3, 1, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    assert march.start.utcoffset() == dt.timedelta(hours=7)
    # Midnight in Hanoi is 17:00 UTC the evening before.
    assert march.start.astimezone(UTC) == dt.datetime(2026, 2, 28, 17, 0, tzinfo=UTC)
    assert march.end.astimezone(UTC) == dt.datetime(2026, 3, 31, 17, 0, tzinfo=UTC)


def test_a_late_evening_dossier_belongs_to_the_vietnamese_day():
    march, april = Period.parse("2026-03"), Period.parse("2026-04")
    late_on_31_march = dt.datetime(2026, 3, 31, 23, 30, tzinfo=VN)  # 16:30 UTC, still 31 March
    assert march.contains(late_on_31_march) and not april.contains(late_on_31_march)
    utc_evening = dt.datetime(2026, 3, 31, 17, 30, tzinfo=UTC)  # already 1 April, 00:30 in Hanoi
    assert april.contains(utc_evening) and not march.contains(utc_evening)
    assert march.contains(dt.datetime(2026, 3, 1, 0, 0, tzinfo=VN))
    assert not march.contains(dt.datetime(2026, 4, 1, 0, 0, tzinfo=VN))  # the end is excluded


def test_contains_a_day_and_refuses_a_naive_datetime():
    q1 = Period.parse("2026-Q1")
    assert q1.contains(dt.date(2026, 3, 31)) and not q1.contains(dt.date(2026, 4, 1))
    with pytest.raises(PeriodError):
        q1.contains(dt.datetime(2026, 2, 1, 12, 0))


def test_year_to_date_runs_through_today_or_the_whole_past_year():
    current = Period.ytd(2026, today=dt.date(2026, 3, 15))
    assert (current.start_date, current.end_date) == (dt.date(2026, 1, 1), dt.date(2026, 3, 16))
    assert current.contains(dt.date(2026, 3, 15)) and not current.contains(dt.date(2026, 3, 16))
    past = Period.ytd(2025, today=dt.date(2026, 3, 15))
    assert past.end_date == dt.date(2026, 1, 1)
    with pytest.raises(PeriodError, match="chưa bắt đầu"):
        Period.ytd(2027, today=dt.date(2026, 3, 15))


@pytest.mark.parametrize(
    ("key", "previous", "following"),
    [
        ("2026-01", "2025-12", "2026-02"),
        ("2026-12", "2026-11", "2027-01"),
        ("2026-Q1", "2025-Q4", "2026-Q2"),
        ("2026-Q4", "2026-Q3", "2027-Q1"),
        ("2026", "2025", "2027"),
    ],
)
def test_previous_and_next_cross_year_ends(key, previous, following):
    period = Period.parse(key)
    assert str(period.previous()) == previous
    assert str(period.next()) == following
    assert period.previous().next() == period


def test_previous_year_to_date_is_the_same_span_last_year():
    leap_day = Period.ytd(2024, today=dt.date(2024, 2, 29))
    before = leap_day.previous()
    assert str(before) == "2023-YTD" and before.through == dt.date(2023, 2, 28)
    assert Period.ytd(2026, today=dt.date(2026, 7, 10)).previous().end_date == dt.date(2025, 7, 11)


def test_months_of_a_period():
    assert [str(m) for m in Period.parse("2026-Q2").months()] == ["2026-04", "2026-05", "2026-06"]
    assert len(Period.parse("2026").months()) == 12
    assert [str(m) for m in Period.ytd(2026, today=dt.date(2026, 3, 2)).months()] == ["2026-01", "2026-02", "2026-03"]
    assert Period.parse("2026-07").months() == [Period.parse("2026-07")]


def test_the_period_containing_a_moment_is_read_in_vietnam_time():
    utc_evening = dt.datetime(2025, 12, 31, 18, 0, tzinfo=UTC)  # 1 January 2026, 01:00 in Hanoi
    assert str(Period.containing(PeriodKind.MONTH, utc_evening)) == "2026-01"
    assert str(Period.containing("quarter", dt.date(2026, 8, 15))) == "2026-Q3"
    assert str(Period.containing("year", dt.date(2026, 8, 15))) == "2026"


@pytest.mark.parametrize("text", ["", "2026-13", "2026-00", "2026-Q5", "26-03", "2026/03", "2026-3", "abcd", "2026-H1"])
def test_malformed_keys_are_refused_in_vietnamese(text):
    with pytest.raises(PeriodError, match="không đúng định dạng|không hợp lệ"):
        Period.parse(text)


def test_labels_are_vietnamese():
    assert Period.parse("2026-03").label == "Tháng 3/2026"
    assert Period.parse("2026-Q2").label == "Quý II/2026"
    assert Period.parse("2026").label == "Năm 2026"
    assert Period.ytd(2026, today=dt.date(2026, 3, 15)).label == "Từ đầu năm 2026 đến 15/03/2026"


def test_periods_sort_by_start_then_length():
    keys = ["2026", "2026-02", "2025-Q4", "2026-Q1", "2026-01"]
    assert [str(p) for p in sorted(Period.parse(k) for k in keys)] == ["2025-Q4", "2026-01", "2026-Q1", "2026", "2026-02"]
