"""The working-day calendar (lịch làm việc) and deadline arithmetic for every legal time limit.

The rules are in docs/modules/core-calendar.md; in short:

- Days: `holidays.year_plan_build` says which days are off (statutory rules of the Labour Code 2019,
  replaced per holiday period by the official CalendarDay rows) and which are worked in full or in the
  morning only (Saturday of an agency with `works_saturday`).
- Office hours (giờ hành chính): OFFICE_HOURS, 07:30–11:30 and 13:00–17:00, 8 hours a day as in the
  40-hour week of QĐ 188/1999/QĐ-TTg; Saturday mornings 07:30–11:30. Settings may override both
  (TINHSO_OFFICE_HOURS, TINHSO_SATURDAY_HOURS: lists of ("HH:MM", "HH:MM")).
- A moment outside office hours, or on a day off, counts from the start of the next working period
  (the rule of Circular 87/2021/TT-BTC Art. 10 for the State Treasury; no general rule was found).
- The day a time limit starts is not counted (Civil Code 2015 Art. 147(2)); a limit of N days ends at
  the end of office hours of its last day, moved to the next working day if that day is off
  (Art. 148(1), (3), (5)). We end at the close of office hours, not at 24:00 (Art. 148(6)): a result
  is handed over during office hours.

Times are aware datetimes; everything is computed on the wall clock of Asia/Ho_Chi_Minh (UTC+7, no
daylight saving since 1975) and returned in that zone. Each year is turned once into a table of day
types with running totals of working days and working time, cached per (province, Saturday flag),
so that the hot path (thousands of deadlines a second) never touches the database.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import json
import threading
import time
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.signals import setting_changed
from django.db import models, transaction
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tinhso.core import holidays
from tinhso.core.audit import audit_record
from tinhso.core.holidays import DayType, OfficialDay, YearPlan, year_plan_build
from tinhso.core.models import AdministrativeUnit, CalendarDay, CalendarDayKind, UnitLevel
from tinhso.core.selectors import deployment_province

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
OFFICE_HOURS = (("07:30", "11:30"), ("13:00", "17:00"))
SATURDAY_HOURS = (("07:30", "11:30"),)
OFFICIAL_DAYS_FILE = Path(__file__).resolve().parent / "data" / "calendar_official.json"
CACHE_VERSION_KEY = "tinhso:calendar:version"
CACHE_CHECK_SECONDS = 30  # how often a process asks the shared cache whether rows changed elsewhere
CACHE_MAX_AGE_SECONDS = 300  # a year table is rebuilt after this long even without a signal
_ONE_DAY = dt.timedelta(days=1)
_ZERO = dt.timedelta(0)


class DeadlineUnit(models.TextChoices):
    """Units of TTHC time limits in the national database (DonViTinh): Giờ, Ngày, Ngày làm việc, Tháng."""

    HOUR = "hour", _("Giờ làm việc")
    DAY = "day", _("Ngày")
    WORKING_DAY = "working_day", _("Ngày làm việc")
    MONTH = "month", _("Tháng")


@dataclass(frozen=True)
class WorkingTime:
    days: int
    hours: dt.timedelta


def _periods(spec: Iterable[tuple[str, str]]) -> tuple[tuple[dt.timedelta, dt.timedelta], ...]:
    def offset(text: str) -> dt.timedelta:
        hours, minutes = text.split(":")
        return dt.timedelta(hours=int(hours), minutes=int(minutes))

    result = tuple((offset(start), offset(end)) for start, end in spec)
    if any(start >= end for start, end in result) or any(a[1] > b[0] for a, b in itertools.pairwise(result)):
        raise ValueError(f"office hours must be increasing, non-overlapping periods: {spec!r}")
    return result


@dataclass(frozen=True)
class OfficeHours:
    """Working periods of a day, as offsets from midnight, per DayType."""

    full: tuple[tuple[dt.timedelta, dt.timedelta], ...]
    morning: tuple[tuple[dt.timedelta, dt.timedelta], ...]

    @classmethod
    def from_settings(cls) -> OfficeHours:
        return cls(
            full=_periods(getattr(settings, "TINHSO_OFFICE_HOURS", OFFICE_HOURS)),
            morning=_periods(getattr(settings, "TINHSO_SATURDAY_HOURS", SATURDAY_HOURS)),
        )

    def of(self, day_type: DayType) -> tuple[tuple[dt.timedelta, dt.timedelta], ...]:
        if day_type is DayType.FULL:
            return self.full
        return self.morning if day_type is DayType.MORNING else ()

    @cached_property
    def full_day(self) -> dt.timedelta:
        return sum((end - start for start, end in self.full), _ZERO)


@dataclass(frozen=True)
class YearTable:
    """One year as arrays: day types and running totals (index i = before day i of the year)."""

    plan: YearPlan
    working_days: array  # working_days[i] = working days among days [0, i)
    working_us: array  # the same for working time, in microseconds

    @classmethod
    def build(cls, plan: YearPlan, hours: OfficeHours) -> YearTable:
        days, micros = array("l", [0]), array("q", [0])
        for day_type in plan.types:
            length = sum((end - start for start, end in hours.of(day_type)), _ZERO)
            days.append(days[-1] + (day_type is not DayType.OFF))
            micros.append(micros[-1] + length // dt.timedelta(microseconds=1))
        return cls(plan, days, micros)


def _local(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("naive datetime: pass an aware datetime (USE_TZ)")
    return moment.astimezone(VN_TZ).replace(tzinfo=None)


def _aware(local: dt.datetime) -> dt.datetime:
    return local.replace(tzinfo=VN_TZ)


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day)


class WorkingCalendar:
    """Deadline arithmetic over one calendar (a province, with or without Saturday work).

    Build one with `calendar_for(...)` (database rows, shared cache) or `from_official_days(...)`
    (plain values, e.g. in tests). All moments in and out are aware datetimes.
    """

    def __init__(self, *, table: Callable[[int], YearTable], hours: OfficeHours, saturday_works: bool):
        self._table = table
        self.hours = hours
        self.saturday_works = saturday_works

    @classmethod
    def from_official_days(
        cls, official: Iterable[OfficialDay], *, saturday_works: bool = False, hours: OfficeHours | None = None
    ) -> WorkingCalendar:
        rows, hours = list(official), hours or OfficeHours.from_settings()
        tables: dict[int, YearTable] = {}

        def table(year: int) -> YearTable:
            if year not in tables:
                tables[year] = YearTable.build(year_plan_build(year, saturday_works=saturday_works, official=rows), hours)
            return tables[year]

        return cls(table=table, hours=hours, saturday_works=saturday_works)

    # --- days -------------------------------------------------------------------------------

    def day_type(self, day: dt.date) -> DayType:
        return self._table(day.year).plan.types[day.timetuple().tm_yday - 1]

    def is_working_day(self, day: dt.date) -> bool:
        return self.day_type(day) is not DayType.OFF

    def day_off_reason(self, day: dt.date) -> str | None:
        """Why `day` is off ("Tết Nguyên đán", "Nghỉ bù Giỗ Tổ Hùng Vương", ...); None for working
        days and plain weekly rest."""
        return self._table(day.year).plan.reasons.get(day)

    def days_off(self, year: int) -> dict[dt.date, str]:
        """Days off of `year` other than plain weekly rest, with their reason."""
        return dict(self._table(year).plan.reasons)

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day after `day`."""
        return self.nth_working_day_after(day, 1)

    def working_days_count(self, after: dt.date, upto: dt.date) -> int:
        """Working days d with after < d <= upto (negative if upto < after)."""
        if upto < after:
            return -self.working_days_count(upto, after)
        total = 0
        for year in range(after.year, upto.year + 1):
            table = self._table(year)
            lo = after.timetuple().tm_yday if year == after.year else 0
            hi = upto.timetuple().tm_yday if year == upto.year else len(table.plan.types)
            total += table.working_days[hi] - table.working_days[lo]
        return total

    def nth_working_day_after(self, day: dt.date, n: int) -> dt.date:
        """The n-th working day after `day` (`day` itself for n = 0)."""
        if n < 0:
            raise ValueError("n must be >= 0")
        if n == 0:
            return day
        year, index = day.year, day.timetuple().tm_yday  # index: days of the year up to `day` inclusive
        while True:
            counts = self._table(year).working_days
            target = counts[index] + n
            if target <= counts[-1]:
                return dt.date(year, 1, 1) + dt.timedelta(days=bisect.bisect_left(counts, target) - 1)
            n -= counts[-1] - counts[index]
            year, index = year + 1, 0

    def _next_working_day_from(self, day: dt.date) -> dt.date:
        """`day` if it is a working day, else the next one (Civil Code Art. 148(5))."""
        return day if self.is_working_day(day) else self.next_working_day(day)

    # --- moments ----------------------------------------------------------------------------

    def _day_periods(self, day: dt.date) -> tuple[tuple[dt.timedelta, dt.timedelta], ...]:
        return self.hours.of(self.day_type(day))

    def _local_start(self, local: dt.datetime) -> dt.datetime:
        day = local.date()
        offset = local - _midnight(day)
        for start, end in self._day_periods(day):
            if offset < end:
                return _midnight(day) + max(offset, start)
        following = self.next_working_day(day)
        return _midnight(following) + self._day_periods(following)[0][0]

    def start_of_counting(self, moment: dt.datetime) -> dt.datetime:
        """`moment` if it is within office hours, else the start of the next working period."""
        return _aware(self._local_start(_local(moment)))

    def end_of_office_day(self, day: dt.date) -> dt.datetime:
        """The close of office hours on `day` (a working day)."""
        periods = self._day_periods(day)
        if not periods:
            raise ValueError(f"{day:%d/%m/%Y} is not a working day")
        return _aware(_midnight(day) + periods[-1][1])

    def add_working_hours(self, start: dt.datetime, hours: float | Decimal | dt.timedelta) -> dt.datetime:
        """The moment when `hours` of office time have passed since `start` (unit Giờ).
        Ending exactly at a period's close gives that close (11:30, 17:00), not the next opening."""
        remaining = hours if isinstance(hours, dt.timedelta) else dt.timedelta(hours=float(hours))
        if remaining < _ZERO:
            raise ValueError("hours must be >= 0")
        local = self._local_start(_local(start))
        while True:
            day = local.date()
            for period_start, period_end in self._day_periods(day):
                begin = max(local, _midnight(day) + period_start)
                available = _midnight(day) + period_end - begin
                if available <= _ZERO:
                    continue
                if remaining <= available:
                    return _aware(begin + remaining)
                remaining -= available
            following = self.next_working_day(day)
            local = _midnight(following) + self._day_periods(following)[0][0]

    def add_working_days(self, start: dt.datetime, days: int) -> dt.datetime:
        """Close of office hours of the `days`-th working day after the day counting starts (unit
        Ngày làm việc). Received Mon 09/02/2026 10:00, 10 working days → Mon 02/03/2026 17:00."""
        first = self._local_start(_local(start)).date()
        return self.end_of_office_day(self.nth_working_day_after(first, days))

    def add_days(self, start: dt.datetime, days: int) -> dt.datetime:
        """Calendar days (unit Ngày): the `days`-th day after the day counting starts, moved to the
        next working day if it is off (Civil Code Art. 147(2), 148(1), 148(5))."""
        if days < 0:
            raise ValueError("days must be >= 0")
        first = self._local_start(_local(start)).date()
        return self.end_of_office_day(self._next_working_day_from(first + dt.timedelta(days=days)))

    def add_months(self, start: dt.datetime, months: int) -> dt.datetime:
        """Calendar months (unit Tháng): the same day `months` months later, or the last day of that
        month if it has no such day (Civil Code Art. 148(3)), moved past days off (Art. 148(5))."""
        if months < 0:
            raise ValueError("months must be >= 0")
        first = self._local_start(_local(start)).date()
        month_index = first.month - 1 + months
        year, month = first.year + month_index // 12, month_index % 12 + 1
        last_day = (dt.date(year + month // 12, month % 12 + 1, 1) - _ONE_DAY).day
        target = dt.date(year, month, min(first.day, last_day))
        return self.end_of_office_day(self._next_working_day_from(target))

    def deadline(self, start: dt.datetime, amount: float | Decimal, unit: str) -> dt.datetime:
        """The appointment moment (ngày hẹn trả) for a time limit of `amount` `unit` from `start`.
        A fractional number of working days (0,5 ngày làm việc) is taken as that share of a full
        office day in working hours."""
        if unit == DeadlineUnit.HOUR:
            return self.add_working_hours(start, Decimal(str(amount)))
        if unit == DeadlineUnit.WORKING_DAY:
            if Decimal(str(amount)) % 1:
                return self.add_working_hours(start, self.hours.full_day * float(amount))
            return self.add_working_days(start, int(amount))
        if Decimal(str(amount)) % 1:
            raise ValueError(f"a time limit in {unit} must be a whole number, not {amount}")
        if unit == DeadlineUnit.DAY:
            return self.add_days(start, int(amount))
        if unit == DeadlineUnit.MONTH:
            return self.add_months(start, int(amount))
        raise ValueError(f"unknown time-limit unit {unit!r}")

    def working_hours_between(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        """Office time between two moments (negative if `end` is before `start`)."""
        a, b = _local(start), _local(end)
        if b < a:
            return -self.working_hours_between(end, start)
        if a.date() == b.date():
            return self._worked_within(a.date(), a - _midnight(a.date()), b - _midnight(b.date()))
        head = self._worked_within(a.date(), a - _midnight(a.date()), _ONE_DAY)
        tail = self._worked_within(b.date(), _ZERO, b - _midnight(b.date()))
        return head + self._worked_full_days(a.date(), b.date()) + tail

    def _worked_within(self, day: dt.date, lo: dt.timedelta, hi: dt.timedelta) -> dt.timedelta:
        return sum((max(_ZERO, min(hi, end) - max(lo, start)) for start, end in self._day_periods(day)), _ZERO)

    def _worked_full_days(self, after: dt.date, before: dt.date) -> dt.timedelta:
        """Office time of the days strictly between `after` and `before`."""
        total = 0
        for year in range(after.year, before.year + 1):
            table = self._table(year)
            lo = after.timetuple().tm_yday if year == after.year else 0
            hi = before.timetuple().tm_yday - 1 if year == before.year else len(table.plan.types)
            total += table.working_us[hi] - table.working_us[lo] if hi > lo else 0
        return dt.timedelta(microseconds=total)

    def working_days_between(self, start: dt.datetime, end: dt.datetime) -> int:
        """Working days after the day counting starts, up to and including the day of `end`:
        the inverse of add_working_days."""
        first = self._local_start(_local(start)).date()
        return self.working_days_count(first, _local(end).date())

    def working_time_between(self, start: dt.datetime, end: dt.datetime) -> WorkingTime:
        return WorkingTime(self.working_days_between(start, end), self.working_hours_between(start, end))


# --- Official rows from the database, and the shared cache ------------------------------------

_lock = threading.Lock()
_tables: dict[tuple[int | None, bool, int], tuple[float, YearTable]] = {}
_provinces: dict[str, int | None] = {}  # "unit:<id>" or "deployment" -> province id
_state: dict[str, Any] = {"version": None, "checked_at": 0.0, "hours": None}


def official_days_load(*, province_id: int | None, lo: dt.date, hi: dt.date, exclude_id: int | None = None
                       ) -> list[OfficialDay]:
    """CalendarDay rows between lo and hi that apply to `province_id`: national rows, and the
    province's own rows, which win on the same date."""
    rows = CalendarDay.objects.filter(date__range=(lo, hi)).filter(Q(province__isnull=True) | Q(province_id=province_id))
    if exclude_id is not None:
        rows = rows.exclude(pk=exclude_id)
    by_date: dict[dt.date, OfficialDay] = {}
    for day, kind, name, source, province in rows.order_by("date", "province_id").values_list(
        "date", "kind", "name", "source", "province_id"
    ):
        if province is not None or day not in by_date:
            by_date[day] = OfficialDay(day, kind, name, source)
    return list(by_date.values())


def _year_window(year: int) -> tuple[dt.date, dt.date]:
    margin = dt.timedelta(days=31)
    return dt.date(year, 1, 1) - margin, dt.date(year, 12, 31) + margin


def _refresh_if_changed_elsewhere() -> None:
    now = time.monotonic()
    if now - _state["checked_at"] < CACHE_CHECK_SECONDS:
        return
    version = cache.get(CACHE_VERSION_KEY)
    with _lock:
        if version != _state["version"]:
            _tables.clear()
            _provinces.clear()
            _state["version"] = version
        _state["checked_at"] = now


def _cached_table(province_id: int | None, saturday_works: bool, year: int) -> YearTable:
    _refresh_if_changed_elsewhere()
    key = (province_id, saturday_works, year)
    entry = _tables.get(key)
    now = time.monotonic()
    if entry is not None and now - entry[0] < CACHE_MAX_AGE_SECONDS:
        return entry[1]
    lo, hi = _year_window(year)
    plan = year_plan_build(
        year, saturday_works=saturday_works, official=official_days_load(province_id=province_id, lo=lo, hi=hi)
    )
    table = YearTable.build(plan, _office_hours())
    with _lock:
        _tables[key] = (now, table)
    return table


def _office_hours() -> OfficeHours:
    if _state["hours"] is None:
        _state["hours"] = OfficeHours.from_settings()
    return _state["hours"]


def calendar_cache_clear() -> None:
    """Forget every cached year here, and tell the other processes through the shared cache."""
    with _lock:
        _tables.clear()
        _provinces.clear()
        _state["checked_at"], _state["hours"] = 0.0, None
    try:
        cache.incr(CACHE_VERSION_KEY)
    except ValueError:
        cache.set(CACHE_VERSION_KEY, 1, timeout=None)


@receiver([post_save, post_delete], sender=CalendarDay, dispatch_uid="tinhso.core.calendar.cache_clear")
def _calendar_day_changed(**kwargs: Any) -> None:
    calendar_cache_clear()
    # Also after the commit: a year rebuilt inside the transaction may hold rows later rolled back.
    transaction.on_commit(calendar_cache_clear)


@receiver(setting_changed, dispatch_uid="tinhso.core.calendar.settings_changed")
def _settings_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in ("TINHSO_OFFICE_HOURS", "TINHSO_SATURDAY_HOURS", "TINHSO_PROVINCE"):
        calendar_cache_clear()


def _province_of_unit(unit_id: int) -> int | None:
    key = f"unit:{unit_id}"
    if key not in _provinces:
        current, found = unit_id, None
        for _depth in range(4):  # commune -> (district ->) province
            row = AdministrativeUnit.objects.filter(pk=current).values_list("level", "parent_id").first()
            if row is None:
                break
            if row[0] == UnitLevel.PROVINCE:
                found = current
                break
            current = row[1]
        _provinces[key] = found
    return _provinces[key]


def _deployment_province_id() -> int | None:
    if "deployment" not in _provinces:
        province = deployment_province()
        _provinces["deployment"] = province.pk if province else None
    return _provinces["deployment"]


def calendar_for(*, province: AdministrativeUnit | int | None = None, agency: Any = None,
                 saturday_works: bool | None = None) -> WorkingCalendar:
    """The calendar of an agency (its province, its Saturday work), of a province, or, with neither,
    of the deployment's province (TINHSO_PROVINCE). Cheap: the year tables are shared and cached."""
    if agency is not None:
        province_id = _province_of_unit(agency.unit_id)
        saturday = agency.works_saturday if saturday_works is None else saturday_works
    else:
        if province is None:
            province_id = _deployment_province_id()
        elif isinstance(province, int):
            province_id = province
        else:  # a commune (or district) stands for its province
            province_id = province.pk if province.level == UnitLevel.PROVINCE else _province_of_unit(province.pk)
        saturday = bool(saturday_works)

    def table(year: int) -> YearTable:
        return _cached_table(province_id, saturday, year)

    return WorkingCalendar(table=table, hours=_office_hours(), saturday_works=saturday)


def official_days_shipped(path: Path = OFFICIAL_DAYS_FILE) -> list[OfficialDay]:
    """The nationwide decisions shipped in core/data/calendar_official.json."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return [
        OfficialDay(dt.date.fromisoformat(row["date"]), row["kind"], row["name"], row["source"])
        for row in data["days"]
    ]


# --- Writes: official rows entered by province admins, and the shipped decisions ---------------

def calendar_date_range() -> tuple[dt.date, dt.date]:
    """Dates an official row may have: from the first supported year to two years ahead
    (decisions are made some months before; a row further out is a typing mistake)."""
    return dt.date(holidays.MIN_YEAR, 1, 1), dt.date(timezone.localdate().year + 2, 12, 31)


def calendar_day_problems(
    *, date: dt.date | None, kind: str, name: str, province: AdministrativeUnit | None, exclude_id: int | None = None
) -> dict[str, list[str]]:
    """What is wrong with a CalendarDay as entered (field -> Vietnamese messages); empty if nothing."""
    problems: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        problems.setdefault(field, []).append(message)

    if not (name or "").strip():
        add("name", _("Vui lòng nhập tên ngày (ví dụ: Tết Nguyên đán, Làm bù)."))
    if kind not in CalendarDayKind.values:
        add("kind", _("Loại ngày không hợp lệ."))
    if province is not None and province.level != UnitLevel.PROVINCE:
        add("province", _("Chỉ áp dụng được cho một tỉnh, thành phố."))
    if date is None:
        add("date", _("Vui lòng nhập ngày."))
        return problems
    first, last = calendar_date_range()
    if not first <= date <= last:
        add("date", _("Ngày phải nằm trong khoảng từ %(first)s đến %(last)s.")
            % {"first": f"{first:%d/%m/%Y}", "last": f"{last:%d/%m/%Y}"})
        return problems
    duplicates = CalendarDay.objects.filter(date=date, province=province).exclude(pk=exclude_id)
    if duplicates.exists():
        scope = province.name if province is not None else _("toàn quốc")
        add("date", _("Ngày %(date)s đã có trong lịch làm việc (%(scope)s); hãy sửa dòng đã có.")
            % {"date": f"{date:%d/%m/%Y}", "scope": scope})
    if kind == CalendarDayKind.WORKING_DAY and _is_working_without(date, province, exclude_id):
        add("kind", _("Ngày %(date)s vốn đã là ngày làm việc; chỉ đánh dấu làm bù cho một ngày nghỉ.")
            % {"date": f"{date:%d/%m/%Y}"})
    return problems


def _is_working_without(day: dt.date, province: AdministrativeUnit | None, exclude_id: int | None) -> bool:
    """Whether `day` is a working day (Saturday–Sunday rest) with the other rows, without this one."""
    lo, hi = _year_window(day.year)
    rows = official_days_load(province_id=province.pk if province else None, lo=lo, hi=hi, exclude_id=exclude_id)
    plan = year_plan_build(day.year, saturday_works=False, official=rows)
    return plan.types[day.timetuple().tm_yday - 1] is not DayType.OFF


def _calendar_day_state(day: CalendarDay) -> dict[str, Any]:
    return {"date": day.date.isoformat(), "kind": day.kind, "name": day.name, "source": day.source,
            "province": day.province_id}


def calendar_day_set(
    *, actor: Any, date: dt.date, kind: str, name: str, source: str = "",
    province: AdministrativeUnit | None = None, day_id: int | None = None, ip: str = "",
) -> CalendarDay:
    """Create or change the official row of `date` (for `province`, or nationwide), audited.
    `day_id` names the row being edited (its date or province may change); without it, the row of
    (date, province) is updated if there is one. Raises ValidationError with Vietnamese messages."""
    name, source = (name or "").strip(), (source or "").strip()
    with transaction.atomic():
        if day_id is not None:
            row = CalendarDay.objects.select_for_update().get(pk=day_id)
        else:
            row = CalendarDay.objects.select_for_update().filter(date=date, province=province).first()
        problems = calendar_day_problems(date=date, kind=kind, name=name, province=province,
                                         exclude_id=row.pk if row else None)
        if problems:
            raise ValidationError(problems)
        before = _calendar_day_state(row) if row else None
        row = row or CalendarDay()
        row.date, row.kind, row.name, row.source, row.province = date, kind, name, source, province
        row.save()
        audit_record(
            action="calendar_day.set", actor=actor, object_type="calendar_day", object_id=row.pk,
            before=before, after=_calendar_day_state(row), ip=ip,
            data={"date": date.isoformat(), "kind": kind, "province": province.code if province else None,
                  "created": before is None},
        )
    return row


def calendar_day_delete(*, actor: Any, day_id: int, ip: str = "") -> None:
    """Remove an official row, audited; the rules apply again to that day."""
    with transaction.atomic():
        row = CalendarDay.objects.select_for_update().get(pk=day_id)
        before = _calendar_day_state(row)
        province_code = row.province.code if row.province_id else None
        row.delete()
        audit_record(
            action="calendar_day.delete", actor=actor, object_type="calendar_day", object_id=day_id,
            before=before, after=None, ip=ip,
            data={"date": before["date"], "kind": before["kind"], "province": province_code},
        )


def calendar_load_official_days(*, apps: Any = None, update: bool = False,
                                path: Path = OFFICIAL_DAYS_FILE) -> dict[str, int]:
    """Load the shipped nationwide decisions (migration 0003, `manage.py load_calendar`). Idempotent:
    a date that already has a nationwide row keeps it (an admin may have corrected it) unless
    `update`. With `apps`, uses the historical model of a migration."""
    if apps is None:
        from django.apps import apps
    model = apps.get_model("core", "CalendarDay")
    shipped = official_days_shipped(path)
    result = {"created": 0, "updated": 0, "unchanged": 0, "kept": 0}
    with transaction.atomic():
        existing = {row.date: row for row in model.objects.filter(province__isnull=True,
                                                                   date__in=[d.date for d in shipped])}
        for day in shipped:
            row = existing.get(day.date)
            if row is None:
                model.objects.create(date=day.date, kind=day.kind, name=day.name, source=day.source)
                result["created"] += 1
            elif (row.kind, row.name, row.source) == (day.kind, day.name, day.source):
                result["unchanged"] += 1
            elif update:
                row.kind, row.name, row.source = day.kind, day.name, day.source
                row.save(update_fields=["kind", "name", "source"])
                result["updated"] += 1
            else:
                result["kept"] += 1
    calendar_cache_clear()
    return result
