"""Which days of a year are days off for civil servants: the statutory rules and the official decisions.

Pure functions, no database: `year_plan_build` takes the official rows as plain values.

Rules (Bộ luật Lao động 2019, Law 45/2019/QH14, in force from 01/01/2021):

- Art. 112(1): paid public holidays — a) Tết Dương lịch, 1 day (1/1); b) Tết Âm lịch, 5 days;
  c) Ngày Chiến thắng, 1 day (30/4); d) Ngày Quốc tế lao động, 1 day (1/5); đ) Quốc khánh, 2 days
  (2/9 and one adjacent day before or after); e) Giỗ Tổ Hùng Vương, 1 day (10/3 lunar).
- Art. 112(3): each year the Prime Minister fixes the days of Tết (point b) and the adjacent day of
  Quốc khánh (point đ). Without a decision we use our defaults (see `_tet_days`, `_national_day_adjacent`).
- Art. 111(3): a holiday that falls on a weekly rest day is compensated on the next working day.
- Weekly rest of state agencies: Saturday and Sunday (Quyết định 188/1999/QĐ-TTg, 40-hour week).

Before 2021 the Labour Code 2012 (Art. 115) applied: the same list with one day of Quốc khánh.

Official decisions (the yearly notice of the Ministry of Home Affairs, swaps of working days, a
province's own days) are CalendarDay rows. For each holiday period of a year (New Year, Tết, Hùng
Kings, 30/4–1/5, National Day), if any official day-off row belongs to it, the official rows are the
whole truth for that period and the rule days of that period (compensatory days included) are dropped.
An official row belongs to the period with the nearest statutory date, if within `PERIOD_REACH_DAYS`.
"working" rows always make their day a full working day (a make-up Saturday, làm bù).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from tinhso.core import lunar

LABOUR_CODE_2019_FROM = 2021
MIN_YEAR, MAX_YEAR = 2014, 2099  # the first full year under the Labour Code 2012 (in force 01/05/2013)
PERIOD_REACH_DAYS = 10
ONE_DAY = dt.timedelta(days=1)


class Period(enum.StrEnum):
    NEW_YEAR = "new_year"
    TET = "tet"
    HUNG_KINGS = "hung_kings"
    VICTORY_LABOUR = "victory_labour"
    NATIONAL_DAY = "national_day"


class DayType(enum.IntEnum):
    """How a calendar day is worked."""

    OFF = 0
    FULL = 1  # morning and afternoon
    MORNING = 2  # Saturday morning of an agency that works on Saturdays


@dataclass(frozen=True)
class OfficialDay:
    """An official decision about one day (a CalendarDay row, as a value)."""

    date: dt.date
    kind: str  # "holiday" | "day_off" | "working" (CalendarDayKind)
    name: str
    source: str = ""


@dataclass(frozen=True)
class StatutoryHoliday:
    date: dt.date
    name: str
    period: Period
    year: int  # the year of the period (its Gregorian year)


@dataclass(frozen=True)
class YearPlan:
    """The days of one Gregorian year: how each is worked and, for days off, why."""

    year: int
    types: tuple[DayType, ...]  # index 0 = 1 January
    reasons: dict[dt.date, str]  # days off other than plain weekly rest


def _tet_days(year: int) -> list[dt.date]:
    """Default Tết: the last day of the old lunar year and days 1–4 of the new one (5 days, Art. 112(1)(b)).

    It is what the Government decided in 2026 (the five weekdays of 14–22/02/2026 are 29 tháng Chạp
    to mùng 4); other years' decisions moved the five days (e.g. 2025: 28 tháng Chạp to mùng 3), so
    an official decision, when one exists, replaces this default.
    """
    first = lunar.tet(year)
    return [first + dt.timedelta(days=offset) for offset in range(-1, 4)]


def _national_day_adjacent(year: int) -> dt.date:
    """Default adjacent day of Quốc khánh (Art. 112(1)(đ)): 1/9, except 3/9 when 2/9 is a Thursday.

    With Saturday–Sunday rest this joins the two days to the weekend whenever one of them can be, and
    it gives the breaks decided in 2021 (2–3/9), 2022 (1–4/9), 2023 (1–4/9: 4/9 compensates 2/9, a
    Saturday), 2024 (31/8–3/9) and 2025 (30/8–2/9). When 2/9 is a Monday, 1/9 is a Sunday and the
    compensation gives 3/9 anyway. 2026 was decided otherwise (1–2/9 plus a swap): rows override.
    """
    national_day = dt.date(year, 9, 2)
    return dt.date(year, 9, 3) if national_day.weekday() == 3 else dt.date(year, 9, 1)


def statutory_holidays(year: int) -> list[StatutoryHoliday]:
    """The holidays Art. 112(1) gives in Gregorian `year`, before any official decision."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"working calendar supported for {MIN_YEAR}..{MAX_YEAR}, not {year}")
    days = [StatutoryHoliday(dt.date(year, 1, 1), _("Tết Dương lịch"), Period.NEW_YEAR, year)]
    days += [StatutoryHoliday(d, _("Tết Nguyên đán"), Period.TET, year) for d in _tet_days(year)]
    days.append(StatutoryHoliday(lunar.lunar_to_solar(year, 3, 10), _("Giỗ Tổ Hùng Vương"), Period.HUNG_KINGS, year))
    days.append(StatutoryHoliday(dt.date(year, 4, 30), _("Ngày Chiến thắng"), Period.VICTORY_LABOUR, year))
    days.append(StatutoryHoliday(dt.date(year, 5, 1), _("Ngày Quốc tế Lao động"), Period.VICTORY_LABOUR, year))
    days.append(StatutoryHoliday(dt.date(year, 9, 2), _("Quốc khánh"), Period.NATIONAL_DAY, year))
    if year >= LABOUR_CODE_2019_FROM:  # the second day came with the Labour Code 2019
        days.append(StatutoryHoliday(_national_day_adjacent(year), _("Quốc khánh"), Period.NATIONAL_DAY, year))
    return sorted(days, key=lambda h: h.date)


def is_weekly_rest(day: dt.date, *, saturday_works: bool) -> bool:
    """Sunday always; Saturday unless the agency works on Saturdays (QĐ 188/1999/QĐ-TTg)."""
    weekday = day.weekday()
    return weekday == 6 or (weekday == 5 and not saturday_works)


def _period_of(day: dt.date, holidays: list[StatutoryHoliday]) -> tuple[int, Period] | None:
    """The holiday period an official day-off row belongs to: the one with the nearest statutory date."""
    best = min(holidays, key=lambda h: (abs((h.date - day).days), h.date), default=None)
    if best is None or abs((best.date - day).days) > PERIOD_REACH_DAYS:
        return None
    return best.year, best.period


def _normal_type(day: dt.date, saturday_works: bool) -> DayType:
    if is_weekly_rest(day, saturday_works=saturday_works):
        return DayType.OFF
    return DayType.MORNING if day.weekday() == 5 else DayType.FULL


def year_plan_build(year: int, *, saturday_works: bool, official: Iterable[OfficialDay]) -> YearPlan:
    """Classify every day of `year`. `official` may hold rows of any dates; those within
    PERIOD_REACH_DAYS of the year matter (a row of late December can belong to next year's New Year)."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"working calendar supported for {MIN_YEAR}..{MAX_YEAR}, not {year}")
    holidays = [h for y in (year - 1, year, year + 1) if MIN_YEAR <= y <= MAX_YEAR for h in statutory_holidays(y)]
    rows = list(official)
    working = {row.date: row.name for row in rows if row.kind == "working"}
    off_rows = {row.date: row.name for row in rows if row.kind != "working"}
    decided = {period for day in off_rows if (period := _period_of(day, holidays)) is not None}

    off: dict[dt.date, str] = dict(off_rows)
    rule_days = [h for h in holidays if (h.year, h.period) not in decided]
    for holiday in rule_days:
        off.setdefault(holiday.date, holiday.name)

    def is_working(day: dt.date) -> bool:
        if day in working:
            return True
        return day not in off and not is_weekly_rest(day, saturday_works=saturday_works)

    # Art. 111(3): a statutory holiday on a weekly rest day is compensated on the next working day.
    for holiday in rule_days:
        if holiday.date in working or not is_weekly_rest(holiday.date, saturday_works=saturday_works):
            continue
        day = holiday.date + ONE_DAY
        while not is_working(day):
            day += ONE_DAY
        off[day] = format_lazy(_("Nghỉ bù {}"), holiday.name)

    start = dt.date(year, 1, 1)
    types, reasons = [], {}
    for offset in range((dt.date(year + 1, 1, 1) - start).days):
        day = start + dt.timedelta(days=offset)
        if day in working:
            types.append(DayType.FULL)  # a make-up day is a full office day, whatever its weekday
        elif day in off:
            types.append(DayType.OFF)
            reasons[day] = off[day]
        else:
            types.append(_normal_type(day, saturday_works))
    return YearPlan(year, tuple(types), reasons)
