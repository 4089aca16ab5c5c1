"""The Vietnamese lunar calendar: Tết, Giỗ Tổ Hùng Vương and leap months, computed at UTC+7.

lunar-python (MIT, test-only) implements the Chinese calendar, computed at UTC+8 with a
high-precision ephemeris. It is our oracle twice: where the two calendars must agree, and — through
its ephemeris — for the exact day of every new moon at UTC+7.
"""

from __future__ import annotations

import datetime as dt
import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from lunar_python import Lunar, Solar
from lunar_python.util.ShouXingUtil import ShouXingUtil

from tinhso.core import lunar
from tinhso.core.lunar import LunarDate

D = dt.date

# Years 1900–2100 whose Tết differs between Vietnam (UTC+7) and China (UTC+8). Derived by running
# the comparison below, and each one is explained by the meridian alone (the test checks that
# computing our calendar at UTC+8 gives China's date). From 1968 on, the list is the one published
# in Vietnam: 1968, 1969, 1985 (a whole month), 2007, 2030, 2053. 1903, 1935 and 1965 come before
# Vietnam computed at UTC+7 (from 1967): our calendar is proleptic there.
TET_DIFFERS_FROM_CHINA = {1903, 1935, 1965, 1968, 1969, 1985, 2007, 2030, 2053}

# Lunar months where our low-precision astronomy, run at UTC+8, disagrees with China's calendar.
# Before 1929 China computed at the Beijing meridian (UTC+7:45:40), not UTC+8; in 2057 and 2097 the
# new moon falls within a minute of midnight at UTC+8 (beyond our series' precision). None of these
# affects UTC+7: test_new_moon_days_match_a_high_precision_ephemeris shows every new-moon day exact.
CHINA_UTC8_EXCEPTIONS = [(D(1900, 1, 1), D(1928, 12, 31)), (D(2057, 9, 28), D(2057, 10, 27)),
                         (D(2097, 8, 7), D(2097, 9, 5))]
BEIJING_MERIDIAN = 7 + 45 / 60 + 40 / 3600


def china_tet(year: int) -> dt.date:
    solar = Lunar.fromYmd(year, 1, 1).getSolar()
    return D(solar.getYear(), solar.getMonth(), solar.getDay())


def china_lunar(day: dt.date) -> LunarDate:
    value = Solar.fromYmd(day.year, day.month, day.day).getLunar()
    return LunarDate(value.getYear(), abs(value.getMonth()), value.getDay(), value.getMonth() < 0)


def test_tet_of_the_years_the_platform_starts_with():
    assert lunar.tet(2024) == D(2024, 2, 10)
    assert lunar.tet(2025) == D(2025, 1, 29)
    assert lunar.tet(2026) == D(2026, 2, 17)
    assert lunar.tet(2027) == D(2027, 2, 6)


def test_hung_kings_commemoration_is_the_tenth_of_the_third_lunar_month():
    assert lunar.lunar_to_solar(2025, 3, 10) == D(2025, 4, 7)  # a Monday
    assert lunar.lunar_to_solar(2026, 3, 10) == D(2026, 4, 26)
    assert D(2026, 4, 26).weekday() == 6  # a Sunday: the day off is compensated (Labour Code Art. 111(3))


def test_the_days_named_in_the_tet_decisions():
    # "từ 26 tháng Chạp năm Giáp Thìn đến hết mùng 5 tháng Giêng năm Ất Tỵ" (25/01–02/02/2025)
    assert lunar.solar_to_lunar(D(2025, 1, 25)) == LunarDate(2024, 12, 26)
    assert lunar.solar_to_lunar(D(2025, 2, 2)) == LunarDate(2025, 1, 5)
    # "từ 27 tháng Chạp năm Ất Tỵ đến hết mùng 6 tháng Giêng năm Bính Ngọ" (14/02–22/02/2026)
    assert lunar.solar_to_lunar(D(2026, 2, 14)) == LunarDate(2025, 12, 27)
    assert lunar.solar_to_lunar(D(2026, 2, 16)) == LunarDate(2025, 12, 29)  # the last day of Ất Tỵ
    assert lunar.solar_to_lunar(D(2026, 2, 22)) == LunarDate(2026, 1, 6)


def test_where_vietnam_and_china_are_known_to_differ():
    assert lunar.tet(2007) == D(2007, 2, 17) and china_tet(2007) == D(2007, 2, 18)
    assert lunar.tet(1985) == D(1985, 1, 21) and china_tet(1985) == D(1985, 2, 20)
    assert lunar.tet(1968) == D(1968, 1, 29) and china_tet(1968) == D(1968, 1, 30)  # Tết Mậu Thân


def test_every_tet_1900_2100_agrees_with_china_except_where_the_meridian_explains_it():
    differing = {year for year in range(1900, 2101) if lunar.tet(year) != china_tet(year)}
    assert differing == TET_DIFFERS_FROM_CHINA
    for year in differing:
        assert lunar.tet(year, utc_offset=8) == china_tet(year), year


def test_new_moon_days_match_a_high_precision_ephemeris():
    """The day of each new moon 1900–2101 at UTC+7 is the same with Meeus' short series as with the
    ELP/VSOP-based ephemeris of lunar-python (ShouXingUtil.shuoHigh: days from J2000, at UTC+8)."""
    j2000, first_k = 2451545, -1237  # lunar-python counts new moons from 6 January 2000
    for k in range(2500):
        at_utc7 = ShouXingUtil.shuoHigh((k + first_k) * 2 * math.pi) - 1 / 24
        assert lunar._new_moon_day(k, 7) == math.floor(at_utc7 + 0.5) + j2000, k


def test_before_1929_china_computed_at_the_beijing_meridian():
    # This is why 1916 agrees at UTC+7 but not at UTC+8.
    assert lunar.tet(1916, utc_offset=8) != china_tet(1916)
    assert lunar.tet(1916, utc_offset=BEIJING_MERIDIAN) == china_tet(1916) == D(1916, 2, 3)


@settings(max_examples=300, deadline=None)
@given(st.dates(min_value=D(1929, 1, 1), max_value=D(2100, 12, 31)))
def test_any_day_agrees_with_china_when_computed_at_utc8(day):
    assume(not any(lo <= day <= hi for lo, hi in CHINA_UTC8_EXCEPTIONS))
    assert lunar.solar_to_lunar(day, utc_offset=8) == china_lunar(day)


@settings(max_examples=300, deadline=None)
@given(st.dates(min_value=D(1800, 1, 1), max_value=D(2199, 12, 30)))
def test_solar_to_lunar_and_back_is_the_same_day(day):
    value = lunar.solar_to_lunar(day)
    assert lunar.lunar_to_solar(value.year, value.month, value.day, leap=value.leap) == day
    following = lunar.solar_to_lunar(day + dt.timedelta(days=1))
    length = lunar.lunar_month_length(value.year, value.month, leap=value.leap)
    assert length in (29, 30)
    if value.day < length:
        assert following == LunarDate(value.year, value.month, value.day + 1, value.leap)
    else:
        assert following.day == 1


def test_leap_months():
    assert lunar.leap_month(2020) == 4
    assert lunar.leap_month(2023) == 2
    assert lunar.leap_month(2025) == 6
    assert lunar.leap_month(2026) is None
    leap_start = lunar.lunar_to_solar(2025, 6, 1, leap=True)
    assert lunar.solar_to_lunar(leap_start) == LunarDate(2025, 6, 1, leap=True)
    assert leap_start == lunar.lunar_to_solar(2025, 6, 1) + dt.timedelta(days=lunar.lunar_month_length(2025, 6))


def test_impossible_lunar_dates_are_refused():
    with pytest.raises(ValueError, match="no leap month 6"):
        lunar.lunar_to_solar(2026, 6, 1, leap=True)
    short_month = next(m for m in range(1, 13) if lunar.lunar_month_length(2026, m) == 29)
    with pytest.raises(ValueError, match="has 29 days"):
        lunar.lunar_to_solar(2026, short_month, 30)
    with pytest.raises(ValueError, match="1..12"):
        lunar.lunar_to_solar(2026, 13, 1)
    with pytest.raises(ValueError, match="supported"):
        lunar.tet(2300)
