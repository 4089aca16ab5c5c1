"""The working-day calendar: which days officials work, and when a dossier's time limit ends.

Office hours are 07:30–11:30 and 13:00–17:00 (8 hours); Saturday-working agencies also work
07:30–11:30 on Saturdays. A dossier received outside office hours counts from the next opening; the
day counting starts is not counted; a limit of N working days ends at 17:00 of the N-th working day.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from tinhso.core import calendar as calendar_module
from tinhso.core import calendar_admin  # registers the admin before the URLconf is built
from tinhso.core.audit import audit_verify
from tinhso.core.calendar import (
    DeadlineUnit,
    WorkingCalendar,
    calendar_cache_clear,
    calendar_day_delete,
    calendar_day_set,
    calendar_for,
    calendar_load_official_days,
    official_days_shipped,
)
from tinhso.core.holidays import DayType, OfficialDay, statutory_holidays
from tinhso.core.models import AdministrativeUnit, AuditEntry, CalendarDay, CalendarDayKind, UnitLevel

VN = ZoneInfo("Asia/Ho_Chi_Minh")
D = dt.date
OFFICIAL = official_days_shipped()
officials = WorkingCalendar.from_official_days(OFFICIAL)  # Saturday and Sunday off
saturday_centre = WorkingCalendar.from_official_days(OFFICIAL, saturday_works=True)
rules_only = WorkingCalendar.from_official_days([])  # no decision: Labour Code defaults


def at(year, month, day, hour=10, minute=0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=VN)


def days_off_between(cal: WorkingCalendar, first: dt.date, last: dt.date) -> list[dt.date]:
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    return [day for day in days if not cal.is_working_day(day)]


def span(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


# --- Days off as decided --------------------------------------------------------------------

def test_officials_took_tet_2025_from_25_january_to_2_february():
    assert days_off_between(officials, D(2025, 1, 18), D(2025, 2, 9)) == [
        D(2025, 1, 18), D(2025, 1, 19), *span(D(2025, 1, 25), D(2025, 2, 2)), D(2025, 2, 8), D(2025, 2, 9)
    ]
    assert officials.day_off_reason(D(2025, 1, 27)) == "Tết Nguyên đán"  # 28 tháng Chạp, a Monday


def test_officials_took_tet_2026_from_14_to_22_february():
    assert days_off_between(officials, D(2026, 2, 9), D(2026, 3, 1)) == [
        *span(D(2026, 2, 14), D(2026, 2, 22)), D(2026, 2, 28), D(2026, 3, 1)
    ]


def test_the_default_tet_rule_gives_the_2026_decision_but_not_the_2025_one():
    # Default: the last day of the lunar year and mùng 1–4, plus compensation for weekend days.
    assert days_off_between(rules_only, D(2026, 2, 16), D(2026, 2, 20)) == span(D(2026, 2, 16), D(2026, 2, 20))
    assert rules_only.is_working_day(D(2025, 1, 27))  # in 2025 the Government started a day earlier
    assert not officials.is_working_day(D(2025, 1, 27))


def test_swapped_days_and_make_up_saturdays():
    for make_up, swapped in [(D(2025, 4, 26), D(2025, 5, 2)), (D(2026, 1, 10), D(2026, 1, 2)),
                             (D(2026, 8, 22), D(2026, 8, 31))]:
        assert make_up.weekday() == 5 and officials.is_working_day(make_up)
        assert officials.day_type(make_up) is DayType.FULL  # a make-up day is a full office day
        assert not officials.is_working_day(swapped)


def test_hung_kings_2026_falls_on_a_sunday_and_is_compensated_on_monday():
    for cal in (officials, rules_only):  # as decided, and by the rule alone (Art. 111(3))
        assert not cal.is_working_day(D(2026, 4, 26))
        assert not cal.is_working_day(D(2026, 4, 27))
        assert cal.is_working_day(D(2026, 4, 28))
    assert rules_only.day_off_reason(D(2026, 4, 27)) == "Nghỉ bù Giỗ Tổ Hùng Vương"


def test_national_day_adjacent_day_by_default():
    assert [h.date for h in statutory_holidays(2025) if h.name == "Quốc khánh"] == [D(2025, 9, 1), D(2025, 9, 2)]
    # The rule alone gives the breaks that were decided in 2021, 2023 and 2024.
    assert days_off_between(rules_only, D(2021, 9, 1), D(2021, 9, 6)) == span(D(2021, 9, 2), D(2021, 9, 5))
    assert days_off_between(rules_only, D(2023, 8, 31), D(2023, 9, 5)) == span(D(2023, 9, 1), D(2023, 9, 4))
    assert days_off_between(rules_only, D(2024, 8, 30), D(2024, 9, 4)) == span(D(2024, 8, 31), D(2024, 9, 3))
    assert not rules_only.is_working_day(D(2027, 9, 3))  # 2/9/2027 is a Thursday: Friday joins the weekend
    assert rules_only.is_working_day(D(2027, 9, 1))
    # 2/9/2028 is a Saturday: 1/9 (Friday) is the adjacent day, 2/9 is compensated on Monday 4/9.
    assert days_off_between(rules_only, D(2028, 8, 31), D(2028, 9, 5)) == span(D(2028, 9, 1), D(2028, 9, 4))
    # Before the Labour Code 2019, Quốc khánh was one day (Labour Code 2012, Art. 115).
    assert days_off_between(rules_only, D(2020, 9, 1), D(2020, 9, 3)) == [D(2020, 9, 2)]


def test_an_official_decision_replaces_the_rule_for_its_period_only():
    # Suppose Tết 2027 is decided as 04/02–10/02/2027: the rule's compensatory 11/02 is dropped;
    # 30/4–1/5 of the same year still follows the rule (1/5/2027 is a Saturday: Monday 3/5 off).
    decided = [OfficialDay(day, "holiday", "Tết Nguyên đán") for day in span(D(2027, 2, 4), D(2027, 2, 10))]
    cal = WorkingCalendar.from_official_days(decided)
    assert days_off_between(cal, D(2027, 2, 1), D(2027, 2, 12)) == span(D(2027, 2, 4), D(2027, 2, 10))
    assert not rules_only.is_working_day(D(2027, 2, 11))
    assert not cal.is_working_day(D(2027, 5, 3))


def test_saturday_agency_has_no_compensation_for_a_saturday_holiday():
    rules_saturday = WorkingCalendar.from_official_days([], saturday_works=True)
    assert not rules_only.is_working_day(D(2027, 5, 3))  # 1/5/2027 (Saturday) compensated on Monday
    assert rules_saturday.is_working_day(D(2027, 5, 3))  # for them Saturday is not weekly rest
    assert rules_saturday.day_type(D(2027, 5, 8)) is DayType.MORNING


# --- Dossier deadlines ----------------------------------------------------------------------

def test_ten_working_days_received_on_the_monday_before_tet_2026():
    # Received Mon 09/02/2026 10:00. Day 0 is the reception day (not counted, Civil Code Art. 147(2)).
    # Count: 10, 11, 12, 13 Feb (4); 14–22 Feb are Tết; 23, 24, 25, 26, 27 Feb (9); 28/02–01/03 is a
    # weekend; Mon 2 Mar (10). Due at the close of office hours: 02/03/2026 17:00.
    assert officials.add_working_days(at(2026, 2, 9), 10) == at(2026, 3, 2, 17)
    assert officials.deadline(at(2026, 2, 9), 10, DeadlineUnit.WORKING_DAY) == at(2026, 3, 2, 17)


def test_received_at_16h_on_the_friday_before_tet_2026():
    friday = at(2026, 2, 13, 16)
    assert officials.add_working_days(friday, 1) == at(2026, 2, 23, 17)  # Friday is day 0
    # 4 working hours: 16:00–17:00 on Friday, then 07:30–10:30 on Monday 23/02 after Tết.
    assert officials.add_working_hours(friday, 4) == at(2026, 2, 23, 10, 30)
    # Received after closing time: counting starts at the next opening, Monday 23/02 07:30.
    late = at(2026, 2, 13, 17, 30)
    assert officials.start_of_counting(late) == at(2026, 2, 23, 7, 30)
    assert officials.add_working_days(late, 1) == at(2026, 2, 24, 17)


def test_received_on_the_friday_before_a_make_up_saturday():
    # Fri 25/04/2025 16:00, one working day: Saturday 26/04/2025 is worked in place of 02/05.
    assert officials.add_working_days(at(2025, 4, 25, 16), 1) == at(2025, 4, 26, 17)


def test_received_in_the_lunch_break_counts_from_the_afternoon():
    assert officials.start_of_counting(at(2026, 3, 4, 12, 15)) == at(2026, 3, 4, 13)
    assert officials.add_working_hours(at(2026, 3, 4, 12, 15), 4) == at(2026, 3, 4, 17)


def test_a_saturday_working_centre():
    # Fri 06/03/2026 10:00, one working day: Saturday morning counts, and ends at 11:30.
    assert saturday_centre.add_working_days(at(2026, 3, 6), 1) == at(2026, 3, 7, 11, 30)
    assert officials.add_working_days(at(2026, 3, 6), 1) == at(2026, 3, 9, 17)
    assert saturday_centre.add_working_hours(at(2026, 3, 6, 16), 2) == at(2026, 3, 7, 8, 30)
    # The Saturdays of a decided break are off for them too (the centres closed 14–22/02/2026).
    assert not saturday_centre.is_working_day(D(2026, 2, 14))
    assert not saturday_centre.is_working_day(D(2026, 2, 21))


def test_time_limits_in_calendar_days_and_months():
    # 5 days from Mon 09/02/2026: Sat 14/02, in Tết: moved to the next working day (Art. 148(5)).
    assert officials.add_days(at(2026, 2, 9), 5) == at(2026, 2, 23, 17)
    # One month from 29/01/2026: February has no 29th, so 28/02 (Art. 148(3)), a Saturday: Mon 02/03.
    assert officials.add_months(at(2026, 1, 29), 1) == at(2026, 3, 2, 17)
    assert officials.deadline(at(2026, 3, 4), 3, DeadlineUnit.MONTH) == at(2026, 6, 4, 17)
    # Half a working day is 4 working hours: 08:00–11:30, then 13:00–13:30.
    assert officials.deadline(at(2026, 3, 4, 8), 0.5, DeadlineUnit.WORKING_DAY) == at(2026, 3, 4, 13, 30)
    assert officials.deadline(at(2026, 3, 4, 8), 8, DeadlineUnit.HOUR) == at(2026, 3, 5, 8)


def test_working_time_between_two_moments():
    elapsed = officials.working_time_between(at(2026, 2, 13, 16), at(2026, 2, 24, 9))
    assert elapsed.days == 2  # Mon 23 and Tue 24 February
    assert elapsed.hours == dt.timedelta(hours=1 + 8 + 1, minutes=30)


def test_moments_must_carry_a_time_zone():
    with pytest.raises(ValueError, match="naive"):
        officials.add_working_days(dt.datetime(2026, 3, 4, 10), 1)
    utc = dt.datetime(2026, 3, 4, 3, tzinfo=dt.UTC)  # 10:00 in Hà Nội
    assert officials.add_working_hours(utc, 1) == at(2026, 3, 4, 11)


# --- Laws of the arithmetic -------------------------------------------------------------------

moments = st.datetimes(min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2027, 12, 31),
                       timezones=st.just(VN)).map(lambda m: m.replace(second=0, microsecond=0))
calendars = st.sampled_from([officials, saturday_centre, rules_only])
laws = settings(max_examples=200, deadline=None)


@laws
@given(calendars, moments, st.integers(min_value=0, max_value=60))
def test_adding_n_working_days_then_measuring_gives_n(cal, start, n):
    due = cal.add_working_days(start, n)
    assert cal.working_days_between(start, due) == n
    assert cal.is_working_day(due.date())  # a due date is never a day off
    assert due == cal.end_of_office_day(due.date())
    assert due >= start


@laws
@given(calendars, moments, st.integers(min_value=0, max_value=60))
def test_more_working_days_end_later(cal, start, n):
    assert cal.add_working_days(start, n) < cal.add_working_days(start, n + 1)


@laws
@given(calendars, moments, st.integers(min_value=0, max_value=200 * 60))
def test_adding_working_hours_then_measuring_gives_the_same(cal, start, minutes):
    hours = dt.timedelta(minutes=minutes)
    end = cal.add_working_hours(start, hours)
    assert cal.working_hours_between(start, end) == hours
    assert cal.add_working_hours(start, hours + dt.timedelta(minutes=1)) > end


@laws
@given(calendars, moments, moments, moments)
def test_working_hours_add_up_over_consecutive_intervals(cal, a, b, c):
    a, b, c = sorted((a, b, c))
    assert cal.working_hours_between(a, c) == cal.working_hours_between(a, b) + cal.working_hours_between(b, c)


@laws
@given(calendars, moments)
def test_counting_starts_inside_office_hours(cal, moment):
    start = cal.start_of_counting(moment)
    assert start >= moment and cal.start_of_counting(start) == start
    assert cal.working_hours_between(moment, start) == dt.timedelta(0)
    assert cal.add_working_hours(start, dt.timedelta(minutes=1)) == start + dt.timedelta(minutes=1)


# --- The shipped decisions and the database ----------------------------------------------------

def test_every_shipped_day_names_its_source():
    assert len({day.date for day in OFFICIAL}) == len(OFFICIAL)
    for day in OFFICIAL:
        assert day.kind in CalendarDayKind.values and day.name and day.source, day
        assert len(day.source) <= CalendarDay._meta.get_field("source").max_length
        if day.kind == CalendarDayKind.WORKING_DAY:
            assert rules_only.day_type(day.date) is DayType.OFF  # only a day off can be made a working day


@pytest.fixture
def fresh_calendar_cache():
    """Rows written in a test are rolled back without a signal: start and end with an empty cache."""
    calendar_cache_clear()
    yield
    calendar_cache_clear()


@pytest.fixture
def provinces(db):
    def current(code: str, name: str) -> AdministrativeUnit:
        return AdministrativeUnit.objects.filter(level=UnitLevel.PROVINCE, code=code, valid_to__isnull=True).first() \
            or AdministrativeUnit.objects.create(level=UnitLevel.PROVINCE, code=code, name=name, division_type="tỉnh")

    return current("86", "Tỉnh Vĩnh Long"), current("01", "Thành phố Hà Nội")


@pytest.fixture
def province_admin(db):
    from tinhso.accounts.models import User

    return User.objects.create_superuser("qt_lich", password="Mat-khau-rat-dai-2025")


@pytest.mark.django_db
def test_the_migration_loaded_the_decisions_and_loading_again_changes_nothing(fresh_calendar_cache):
    stored = set(CalendarDay.objects.filter(province__isnull=True).values_list("date", "kind", "name", "source"))
    assert {(d.date, d.kind, d.name, d.source) for d in OFFICIAL} <= stored
    assert calendar_load_official_days() == {"created": 0, "updated": 0, "unchanged": len(OFFICIAL), "kept": 0}
    assert days_off_between(calendar_for(), D(2026, 2, 14), D(2026, 2, 23)) == span(D(2026, 2, 14), D(2026, 2, 22))


@pytest.mark.django_db
def test_a_province_day_off_applies_to_that_province_only_and_is_audited(
    provinces, province_admin, fresh_calendar_cache
):
    vinh_long, ha_noi = provinces
    assert calendar_for(province=vinh_long).is_working_day(D(2026, 3, 10))
    row = calendar_day_set(actor=province_admin, date=D(2026, 3, 10), kind=CalendarDayKind.DAY_OFF,
                           name="Nghỉ theo quyết định của UBND tỉnh", source="QĐ thử nghiệm", province=vinh_long)
    assert not calendar_for(province=vinh_long).is_working_day(D(2026, 3, 10))  # the cache was refreshed
    assert calendar_for(province=ha_noi).is_working_day(D(2026, 3, 10))
    calendar_day_delete(actor=province_admin, day_id=row.pk)
    assert calendar_for(province=vinh_long).is_working_day(D(2026, 3, 10))
    entries = list(AuditEntry.objects.filter(object_type="calendar_day", object_id=str(row.pk)))
    assert [e.action for e in entries] == ["calendar_day.set", "calendar_day.delete"]
    assert entries[0].actor == "qt_lich" and entries[0].before_digest == "" and entries[1].after_digest == ""
    assert audit_verify()[1] is None


@pytest.mark.django_db
def test_an_agency_gets_its_province_and_its_saturdays(provinces, fresh_calendar_cache):
    from tinhso.core.models import Agency, AgencyKind

    vinh_long, _ = provinces
    commune = AdministrativeUnit.objects.create(level=UnitLevel.COMMUNE, code="T0001", name="Xã Thử",
                                                division_type="xã", parent=vinh_long)
    centre = Agency.objects.create(code="T00.00.00.H86", name="Trung tâm PVHCC xã Thử", unit=commune,
                                   kind=AgencyKind.COMMUNE_SERVICE_CENTRE, works_saturday=True)
    calendar_day_set(actor=None, date=D(2026, 3, 10), kind=CalendarDayKind.DAY_OFF, name="Ngày nghỉ của tỉnh",
                     province=vinh_long)
    cal = calendar_for(agency=centre)
    assert cal.saturday_works and cal.day_type(D(2026, 3, 7)) is DayType.MORNING
    assert not cal.is_working_day(D(2026, 3, 10))


@pytest.mark.django_db
def test_the_hot_path_does_not_touch_the_database(django_assert_num_queries, fresh_calendar_cache, provinces):
    cal = calendar_for(province=provinces[0])
    cal.add_working_days(at(2026, 12, 30), 30)  # loads 2026 and 2027 once
    with django_assert_num_queries(0):
        for day in range(1, 29):
            calendar_for(province=provinces[0]).add_working_days(at(2026, 2, day), 10)
            cal.add_working_hours(at(2026, 2, day, 9), 12)


@pytest.mark.django_db
def test_other_processes_notice_a_change_through_the_shared_cache(monkeypatch, fresh_calendar_cache, provinces):
    cal = calendar_for(province=provinces[0])
    assert cal.is_working_day(D(2026, 3, 10))
    # Another process saved a row: simulate it by writing without signals and bumping the version.
    CalendarDay.objects.bulk_create([CalendarDay(date=D(2026, 3, 10), kind="day_off", name="Nghỉ")])
    calendar_module.cache.incr(calendar_module.CACHE_VERSION_KEY)
    assert cal.is_working_day(D(2026, 3, 10))  # still the cached year, until the next check
    monkeypatch.setitem(calendar_module._state, "checked_at", 0.0)
    assert not cal.is_working_day(D(2026, 3, 10))


@pytest.mark.django_db
def test_office_hours_come_from_the_settings(settings, fresh_calendar_cache):
    settings.TINHSO_OFFICE_HOURS = [("07:00", "11:30"), ("13:30", "17:00")]
    cal = calendar_for()
    assert cal.start_of_counting(at(2026, 3, 4, 13)) == at(2026, 3, 4, 13, 30)
    assert cal.add_working_hours(at(2026, 3, 4, 7), 8) == at(2026, 3, 4, 17)
    assert cal.working_hours_between(at(2026, 3, 3, 7), at(2026, 3, 6, 17)) == dt.timedelta(hours=32)


# --- The admin -------------------------------------------------------------------------------

def _form(**data):
    return calendar_admin.CalendarDayForm(data={"kind": "day_off", "name": "Ngày nghỉ", "source": "", **data})


@pytest.mark.django_db
def test_the_form_refuses_malformed_rows_in_vietnamese(provinces, fresh_calendar_cache):
    vinh_long, _ = provinces
    duplicate = _form(date="2026-02-17", kind="holiday")  # Tết: already a nationwide row
    assert "đã có trong lịch làm việc (toàn quốc)" in duplicate.errors["date"][0]
    working = _form(date="2026-03-10", kind="working", name="Làm bù")  # a Tuesday
    assert "vốn đã là ngày làm việc" in working.errors["kind"][0]
    far = _form(date="2090-01-01")
    assert far.errors["date"][0].startswith("Ngày phải nằm trong khoảng từ 01/01/2014")
    unnamed = _form(date="2026-03-10", name="   ")
    assert unnamed.errors["name"] == ["Vui lòng nhập tên ngày (ví dụ: Tết Nguyên đán, Làm bù)."]
    assert _form(date="2026-03-14", kind="working", name="Làm bù", province=vinh_long.pk).is_valid()
    with pytest.raises(ValidationError) as refused:
        calendar_day_set(actor=None, date=D(2026, 3, 10), kind="working", name="Làm bù")
    assert "kind" in refused.value.message_dict


@pytest.mark.django_db
def test_a_province_admin_adds_and_deletes_a_day_through_the_admin(client, province_admin, provinces,
                                                                    fresh_calendar_cache):
    from allauth.mfa.models import Authenticator  # officials need a second factor to use the back office

    Authenticator.objects.create(user=province_admin, type=Authenticator.Type.TOTP, data={"secret": "x"})
    client.force_login(province_admin)
    vinh_long, _ = provinces
    assert client.get("/quan-tri/core/calendarday/").status_code == 200
    assert client.get("/quan-tri/core/calendarday/add/").status_code == 200
    response = client.post("/quan-tri/core/calendarday/add/", {
        "date": "2026-03-14", "kind": "working", "name": "Làm bù", "source": "QĐ thử nghiệm", "province": vinh_long.pk,
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    row = CalendarDay.objects.get(date=D(2026, 3, 14), province=vinh_long)
    assert calendar_for(province=vinh_long).is_working_day(D(2026, 3, 14))
    response = client.post(f"/quan-tri/core/calendarday/{row.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not CalendarDay.objects.filter(pk=row.pk).exists()
    assert list(AuditEntry.objects.filter(object_type="calendar_day").values_list("action", flat=True)) == [
        "calendar_day.set", "calendar_day.delete"
    ]
