"""The Vietnamese lunisolar calendar (âm lịch), computed astronomically for UTC+7.

Rules of the modern calendar (the same as the Chinese one, except for the meridian):

1. A lunar month starts on the civil day, at UTC+7, that contains a new moon (ngày sóc).
2. The month that contains the winter solstice (Đông chí, sun at 270°) is month 11.
3. If there are 13 new moons from one month 11 to the next, one of them is leap (tháng nhuận): the first
   month after month 11 that contains no principal term (trung khí, a multiple of 30° of the sun's
   longitude). It takes the number of the month before it.
4. The lunar year starts with month 1 (Tết Nguyên đán), the second non-leap month after month 11.

Vietnam has computed its calendar at UTC+7 since 1967 (earlier dates here are proleptic: the
calendars then in use followed the UTC+8 tables), so Tết sometimes differs from China's: 17/02/2007
here, 18/02/2007 in China; 21/01/1985 here, 20/02/1985 in China (a whole month: month 11 and the
leap month fall differently). Chinese-calendar libraries are therefore not usable as they are.

The astronomy is the classic low-precision one (Jean Meeus, *Astronomical Algorithms*: the mean new
moon with its main periodic terms, ch. 49 in its older form; the sun's apparent longitude, ch. 25), as
popularised for the Vietnamese calendar by Hồ Ngọc Đức. Its error is a few minutes, so it is
dependable from 1800 to 2199, which is the range accepted here. This module is an independent
implementation (no code from GPL or non-commercial sources).
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from dataclasses import dataclass
from functools import lru_cache

VIETNAM_UTC_OFFSET = 7.0
"""Hours east of UTC at which Vietnam computes the calendar (UTC+7, since 1967)."""

MIN_YEAR, MAX_YEAR = 1800, 2199

_SYNODIC_MONTH = 29.530588853
_NEW_MOON_EPOCH = 2415021.076998695  # Julian date of the new moon of 1900-01-01, the k=0 of Meeus' series.
_JDN_OFFSET = 1721425  # date.toordinal() + this = Julian day number (Gregorian calendar).
_DEG = math.pi / 180


@dataclass(frozen=True, order=True)
class LunarDate:
    """A day of the lunar calendar. `year` is the Gregorian year in which that lunar year begins."""

    year: int
    month: int
    day: int
    leap: bool = False

    def __str__(self) -> str:
        return f"{self.day:02d}/{self.month:02d}{'N' if self.leap else ''}/{self.year}"


@dataclass(frozen=True)
class _Month:
    start: int  # Julian day number of day 1
    number: int  # 1..12
    leap: bool
    lunar_year: int


def _jdn(day: dt.date) -> int:
    return day.toordinal() + _JDN_OFFSET


def _date(jdn: int) -> dt.date:
    return dt.date.fromordinal(jdn - _JDN_OFFSET)


def _new_moon(k: int) -> float:
    """Julian date (UT) of the k-th new moon after 1900-01-01 (Meeus' series)."""
    t = k / 1236.85
    t2, t3 = t * t, t * t * t
    jd = 2415020.75933 + 29.53058868 * k + 0.0001178 * t2 - 0.000000155 * t3
    jd += 0.00033 * math.sin((166.56 + 132.87 * t - 0.009173 * t2) * _DEG)
    sun_anomaly = (359.2242 + 29.10535608 * k - 0.0000333 * t2 - 0.00000347 * t3) * _DEG
    moon_anomaly = (306.0253 + 385.81691806 * k + 0.0107306 * t2 + 0.00001236 * t3) * _DEG
    latitude_arg = (21.2964 + 390.67050646 * k - 0.0016528 * t2 - 0.00000239 * t3) * _DEG
    m, mp, f = sun_anomaly, moon_anomaly, latitude_arg
    correction = (
        (0.1734 - 0.000393 * t) * math.sin(m)
        + 0.0021 * math.sin(2 * m)
        - 0.4068 * math.sin(mp)
        + 0.0161 * math.sin(2 * mp)
        - 0.0004 * math.sin(3 * mp)
        + 0.0104 * math.sin(2 * f)
        - 0.0051 * math.sin(m + mp)
        - 0.0074 * math.sin(m - mp)
        + 0.0004 * math.sin(2 * f + m)
        - 0.0004 * math.sin(2 * f - m)
        - 0.0006 * math.sin(2 * f + mp)
        + 0.0010 * math.sin(2 * f - mp)
        + 0.0005 * math.sin(2 * mp + m)
    )
    # ΔT (terrestrial minus universal time), in days: the series gives ephemeris time.
    if t < -11:
        delta_t = 0.001 + 0.000839 * t + 0.0002261 * t2 - 0.00000845 * t3 - 0.000000081 * t * t3
    else:
        delta_t = -0.000278 + 0.000265 * t + 0.000262 * t2
    return jd + correction - delta_t


def _sun_longitude(jd: float) -> float:
    """Apparent ecliptic longitude of the sun at Julian date `jd`, in radians in [0, 2π)."""
    t = (jd - 2451545.0) / 36525
    t2 = t * t
    mean_anomaly = (357.52910 + 35999.05030 * t - 0.0001559 * t2 - 0.00000048 * t * t2) * _DEG
    mean_longitude = 280.46645 + 36000.76983 * t + 0.0003032 * t2
    centre = (
        (1.914600 - 0.004817 * t - 0.000014 * t2) * math.sin(mean_anomaly)
        + (0.019993 - 0.000101 * t) * math.sin(2 * mean_anomaly)
        + 0.000290 * math.sin(3 * mean_anomaly)
    )
    longitude = (mean_longitude + centre) * _DEG
    return longitude - 2 * math.pi * math.floor(longitude / (2 * math.pi))


def _new_moon_day(k: int, utc_offset: float) -> int:
    """Julian day number of the civil day (at `utc_offset`) that contains the k-th new moon."""
    return math.floor(_new_moon(k) + 0.5 + utc_offset / 24)


def _sun_sector(jdn: int, utc_offset: float) -> int:
    """Which 30° sector (0..11) the sun is in at local midnight starting day `jdn`; 9 starts at the solstice."""
    return math.floor(_sun_longitude(jdn - 0.5 - utc_offset / 24) / math.pi * 6)


@lru_cache(maxsize=1024)
def _month11_start(year: int, utc_offset: float) -> int:
    """Day 1 of the lunar month that contains the winter solstice of Gregorian `year` (rule 2)."""
    k = math.floor((_jdn(dt.date(year, 12, 31)) - _NEW_MOON_EPOCH) / _SYNODIC_MONTH)
    start = _new_moon_day(k, utc_offset)
    if _sun_sector(start, utc_offset) >= 9:  # the solstice already passed when that month began
        start = _new_moon_day(k - 1, utc_offset)
    return start


@lru_cache(maxsize=512)
def _sui(year: int, utc_offset: float) -> tuple[_Month, ...]:
    """The months from month 11 before Gregorian `year` up to (not including) month 11 of `year`,
    numbered and with the leap month marked (rules 3 and 4)."""
    first, nxt = _month11_start(year - 1, utc_offset), _month11_start(year, utc_offset)
    k0 = round((first - _NEW_MOON_EPOCH) / _SYNODIC_MONTH)
    count = round((nxt - first) / _SYNODIC_MONTH)
    starts = [_new_moon_day(k0 + i, utc_offset) for i in range(count + 1)]
    assert starts[0] == first and starts[-1] == nxt and count in (12, 13), (year, starts)
    leap_index = None
    if count == 13:
        leap_index = next(
            i for i in range(1, 13) if _sun_sector(starts[i], utc_offset) == _sun_sector(starts[i + 1], utc_offset)
        )
    months: list[_Month] = []
    number, lunar_year = 10, year - 1
    for i, start in enumerate(starts[:-1]):
        leap = i == leap_index
        if not leap:
            number = number % 12 + 1
            if number == 1:
                lunar_year = year
        months.append(_Month(start, number, leap, lunar_year))
    return tuple(months)


def _check_year(year: int, *, lunar_year: bool = False) -> None:
    # 1 January 1800 is still in lunar year 1799: a lunar year may start one year before the range.
    if not MIN_YEAR - (1 if lunar_year else 0) <= year <= MAX_YEAR:
        raise ValueError(f"lunar calendar supported for {MIN_YEAR}..{MAX_YEAR}, not {year}")


def solar_to_lunar(day: dt.date, *, utc_offset: float = VIETNAM_UTC_OFFSET) -> LunarDate:
    """The lunar date of a Gregorian (dương lịch) day."""
    _check_year(day.year)
    jdn = _jdn(day)
    sui_year = day.year + 1 if jdn >= _month11_start(day.year, utc_offset) else day.year
    months = _sui(sui_year, utc_offset)
    month = months[bisect.bisect_right([m.start for m in months], jdn) - 1]
    return LunarDate(month.lunar_year, month.number, jdn - month.start + 1, month.leap)


def _month_of(year: int, month: int, leap: bool, utc_offset: float) -> tuple[_Month, int]:
    """Find lunar month (`year`, `month`, `leap`) and its length in days."""
    # Months 11 and 12 of lunar year Y lie in the span that ends with the solstice month of Y + 1.
    sui_year = year + 1 if month >= 11 else year
    months = _sui(sui_year, utc_offset)
    ends = [m.start for m in months[1:]] + [_month11_start(sui_year, utc_offset)]
    for found, end in zip(months, ends, strict=True):
        if (found.lunar_year, found.number, found.leap) == (year, month, leap):
            return found, end - found.start
    raise ValueError(f"lunar year {year} has no {'leap ' if leap else ''}month {month}")


def lunar_to_solar(
    year: int, month: int, day: int, *, leap: bool = False, utc_offset: float = VIETNAM_UTC_OFFSET
) -> dt.date:
    """The Gregorian day of lunar day `day` of month `month` (leap or not) of lunar year `year`."""
    _check_year(year, lunar_year=True)
    if not 1 <= month <= 12:
        raise ValueError(f"lunar month must be 1..12, not {month}")
    found, length = _month_of(year, month, leap, utc_offset)
    if not 1 <= day <= length:
        raise ValueError(f"lunar month {month}{' (leap)' if leap else ''} of {year} has {length} days, not {day}")
    result = _date(found.start + day - 1)
    _check_year(result.year)
    return result


def lunar_month_length(year: int, month: int, *, leap: bool = False, utc_offset: float = VIETNAM_UTC_OFFSET) -> int:
    """29 (tháng thiếu) or 30 (tháng đủ)."""
    _check_year(year, lunar_year=True)
    return _month_of(year, month, leap, utc_offset)[1]


def leap_month(year: int, *, utc_offset: float = VIETNAM_UTC_OFFSET) -> int | None:
    """The number of the leap month of lunar year `year`, or None."""
    _check_year(year)
    candidates = _sui(year, utc_offset) + _sui(year + 1, utc_offset)
    return next((m.number for m in candidates if m.leap and m.lunar_year == year), None)


def tet(year: int, *, utc_offset: float = VIETNAM_UTC_OFFSET) -> dt.date:
    """Mùng 1 Tết: day 1 of month 1 of the lunar year that begins in Gregorian `year`."""
    return lunar_to_solar(year, 1, 1, utc_offset=utc_offset)
