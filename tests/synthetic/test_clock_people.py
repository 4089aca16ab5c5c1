"""The generator's office-time arithmetic against core.calendar, and its synthetic people against
the identifier rules of accounts.validators."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest

from tinhso.accounts.validators import personal_id_parse, phone_normalize, tax_code_parse
from tinhso.core.calendar import WorkingCalendar, official_days_shipped
from tinhso.synthetic import people
from tinhso.synthetic.clock import WorkClock, epoch


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    # The nationwide decisions shipped with the platform (Tết 2026 and the swapped days included).
    return WorkingCalendar.from_official_days(official_days_shipped())


@pytest.fixture(scope="module")
def clock(cal) -> WorkClock:
    return WorkClock(cal, dt.date(2025, 10, 1), dt.date(2026, 12, 31))


def _moments(n: int, seed: int = 1):
    rng = random.Random(seed)
    start = int(dt.datetime(2025, 10, 1, tzinfo=dt.UTC).timestamp())
    # include the edges of office periods: the 7:30 opening, 11:30, 13:00, the 17:00 close
    edges = [dt.datetime(2026, 2, 13, h, m, tzinfo=dt.timezone(dt.timedelta(hours=7))) for h, m in
             ((7, 30), (11, 30), (13, 0), (17, 0), (16, 59), (23, 0))]
    return [start + rng.randrange(360 * 86400) for _ in range(n)] + [epoch(e) for e in edges]


def _aware(t: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(t, dt.UTC)


def test_office_time_arithmetic_is_the_calendars(cal, clock):
    for t in _moments(400):
        moment = _aware(t)
        for hours in (0.5, 3, 8, 37.25):
            assert _aware(clock.at(clock.pos(t) + int(hours * 3600))) == cal.add_working_hours(moment, hours)
        later = t + random.Random(t).randrange(20 * 86400)
        assert clock.pos(later) - clock.pos(t) == cal.working_hours_between(
            cal.start_of_counting(moment), cal.start_of_counting(_aware(later))).total_seconds()


def test_deadlines_are_the_calendars_in_every_unit(cal, clock):
    for t in _moments(150, seed=2):
        for amount, unit in ((Decimal(8), "hour"), (Decimal(1), "working_day"), (Decimal("0.5"), "working_day"),
                             (Decimal(20), "working_day"), (Decimal(15), "day"), (Decimal(1), "month")):
            assert _aware(clock.deadline(t, amount, unit)) == cal.deadline(_aware(t), amount, unit), (t, amount, unit)


def test_tet_is_not_office_time(clock):
    # Tết Nguyên đán 2026 (17/02/2026) falls in the official days off: no office second in it.
    tet = epoch(dt.datetime(2026, 2, 17, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7))))
    assert not clock.in_office(tet)
    # office time resumes only after the holiday (the first office second after it)
    assert clock.at(clock.pos(tet) + 1) > tet + 3 * 86400


def test_people_have_valid_identifiers_of_the_province():
    rng = random.Random(5)
    today = dt.date(2026, 11, 23)
    for _ in range(500):
        name, female = people.person(rng)
        number = people.personal_id(rng, codes=("083", "084", "086"), female=female, today=today)
        parsed = personal_id_parse(number, today=today)
        assert parsed.birth_province_code in ("083", "084", "086")
        assert parsed.gender == ("female" if female else "male")
        assert 18 <= today.year - parsed.birth_year <= 80
        assert len(name.split()) >= 3
        assert tax_code_parse(people.tax_code(rng)).kind == "organisation"
        assert phone_normalize(people.phone(rng))
