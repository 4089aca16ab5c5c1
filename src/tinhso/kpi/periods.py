"""Reporting periods (kỳ báo cáo): month, quarter, year and year to date, in Vietnam time.

A period is a value: `Period.parse("2026-03")`, `"2026-Q1"`, `"2026"`, `"2026-YTD"`; `str(period)` gives
the same key back. Boundaries are half-open, [start, end), at midnight in Asia/Ho_Chi_Minh (UTC+7, no
daylight saving), because the Decision 766 formulas count what happened "in the period" by the dates of
the province (regulations.md §4.2: "All ratios below are per reporting period (month, quarter or
year)"); a dossier accepted at 23:30 on 31 March Hanoi time belongs to March even though it is
16:30 UTC.

Year to date runs from 1 January to a day included (`through`), by default today: "2026-YTD" read on
15 March 2026 is [2026-01-01, 2026-03-16). Its key does not name the day, since a year-to-date figure
is a running one that the engine overwrites as days pass; two YTD periods of one year are equal.

Pure Python (no Django), so that the engine, the API and the tests share one definition.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from enum import StrEnum
from zoneinfo import ZoneInfo

VN = ZoneInfo("Asia/Ho_Chi_Minh")
MIN_YEAR, MAX_YEAR = 1900, 2999

_PATTERN = re.compile(r"^(?P<year>\d{4})(?:-(?:(?P<month>\d{2})|[Qq](?P<quarter>[1-4])|(?P<ytd>[Yy][Tt][Dd])))?$")
_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


class PeriodKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    YTD = "ytd"


_KIND_RANK = {"month": 0, "quarter": 1, "ytd": 2, "year": 3}


class PeriodError(ValueError):
    """A period key or value that names no period. The message is Vietnamese first."""


def vn_today() -> dt.date:
    return dt.datetime.now(VN).date()


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=VN)


def _check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise PeriodError(f"Năm {year} nằm ngoài khoảng {MIN_YEAR}–{MAX_YEAR}. / Year out of range.")


def _same_day_in(year: int, day: dt.date) -> dt.date:
    """`day` moved to `year`; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=year)
    except ValueError:
        return dt.date(year, 2, 28)


@functools.total_ordering
@dataclass(frozen=True)
class Period:
    kind: PeriodKind
    year: int
    index: int = 0  # month 1–12 or quarter 1–4; 0 for a year and year to date
    through: dt.date | None = field(default=None, compare=False)  # year to date only: last day included

    def __post_init__(self):
        object.__setattr__(self, "kind", PeriodKind(self.kind))
        _check_year(self.year)
        if self.kind is PeriodKind.MONTH and not 1 <= self.index <= 12:
            raise PeriodError(f"Tháng {self.index} không hợp lệ (1–12). / Invalid month.")
        if self.kind is PeriodKind.QUARTER and not 1 <= self.index <= 4:
            raise PeriodError(f"Quý {self.index} không hợp lệ (1–4). / Invalid quarter.")
        if self.kind in (PeriodKind.YEAR, PeriodKind.YTD) and self.index != 0:
            raise PeriodError("Kỳ năm không có chỉ số tháng hay quý. / A year has no index.")
        if self.kind is PeriodKind.YTD:
            if self.through is None or self.through.year != self.year:
                raise PeriodError(
                    f"Kỳ lũy kế năm {self.year} cần một ngày kết thúc trong năm đó. / YTD needs a day in its year."
                )
        elif self.through is not None:
            raise PeriodError("Chỉ kỳ lũy kế từ đầu năm mới có ngày kết thúc. / Only YTD has `through`.")

    # --- Construction ------------------------------------------------------------------------

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        return cls(PeriodKind.MONTH, year, month)

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        return cls(PeriodKind.QUARTER, year, quarter)

    @classmethod
    def of_year(cls, year: int) -> Period:
        return cls(PeriodKind.YEAR, year)

    @classmethod
    def ytd(cls, year: int, *, today: dt.date | None = None) -> Period:
        """Year to date of `year` as read on `today` (default: today in Vietnam): through today in
        the current year, through 31 December for a past year; a future year has no YTD yet."""
        today = today or vn_today()
        _check_year(year)
        if year > today.year:
            raise PeriodError(
                f"Năm {year} chưa bắt đầu, chưa có kỳ lũy kế. / Year {year} has not started."
            )
        through = today if year == today.year else dt.date(year, 12, 31)
        return cls(PeriodKind.YTD, year, 0, through)

    @classmethod
    def parse(cls, text: str, *, today: dt.date | None = None) -> Period:
        """"2026-03" (month), "2026-Q1" (quarter), "2026" (year), "2026-YTD" (year to date)."""
        match = _PATTERN.match((text or "").strip())
        if not match:
            raise PeriodError(
                f"Kỳ “{text}” không đúng định dạng: dùng 2026-03, 2026-Q1, 2026 hoặc 2026-YTD. / "
                "Invalid period."
            )
        year = int(match["year"])
        if match["month"]:
            return cls.month(year, int(match["month"]))
        if match["quarter"]:
            return cls.quarter(year, int(match["quarter"]))
        if match["ytd"]:
            return cls.ytd(year, today=today)
        return cls.of_year(year)

    @classmethod
    def containing(cls, kind: PeriodKind | str, moment: dt.date | dt.datetime) -> Period:
        """The month, quarter or year that contains `moment` (a datetime is read in Vietnam time)."""
        day = _vn_date(moment)
        kind = PeriodKind(kind)
        if kind is PeriodKind.MONTH:
            return cls.month(day.year, day.month)
        if kind is PeriodKind.QUARTER:
            return cls.quarter(day.year, (day.month - 1) // 3 + 1)
        if kind is PeriodKind.YEAR:
            return cls.of_year(day.year)
        return cls.ytd(day.year, today=day)

    # --- Reading -----------------------------------------------------------------------------

    @property
    def key(self) -> str:
        if self.kind is PeriodKind.MONTH:
            return f"{self.year:04d}-{self.index:02d}"
        if self.kind is PeriodKind.QUARTER:
            return f"{self.year:04d}-Q{self.index}"
        if self.kind is PeriodKind.YTD:
            return f"{self.year:04d}-YTD"
        return f"{self.year:04d}"

    def __str__(self) -> str:
        return self.key

    @property
    def start_date(self) -> dt.date:
        if self.kind is PeriodKind.MONTH:
            return dt.date(self.year, self.index, 1)
        if self.kind is PeriodKind.QUARTER:
            return dt.date(self.year, 3 * self.index - 2, 1)
        return dt.date(self.year, 1, 1)

    @property
    def end_date(self) -> dt.date:
        """The first day after the period (exclusive end)."""
        if self.kind is PeriodKind.MONTH:
            return dt.date(self.year + self.index // 12, self.index % 12 + 1, 1)
        if self.kind is PeriodKind.QUARTER:
            return dt.date(self.year + self.index // 4, (3 * self.index) % 12 + 1, 1)
        if self.kind is PeriodKind.YTD:
            return self.through + dt.timedelta(days=1)
        return dt.date(self.year + 1, 1, 1)

    @property
    def last_date(self) -> dt.date:
        return self.end_date - dt.timedelta(days=1)

    @property
    def start(self) -> dt.datetime:
        """Midnight of the first day, Vietnam time (aware)."""
        return _midnight(self.start_date)

    @property
    def end(self) -> dt.datetime:
        """Midnight after the last day, Vietnam time (aware, exclusive)."""
        return _midnight(self.end_date)

    @property
    def days(self) -> int:
        return (self.end_date - self.start_date).days

    def contains(self, moment: dt.date | dt.datetime) -> bool:
        """Whether `moment` falls in the period. A datetime must be aware (any time zone); a date is
        a day of the Vietnamese calendar."""
        if isinstance(moment, dt.datetime):
            if moment.tzinfo is None or moment.utcoffset() is None:
                raise PeriodError("Thời điểm phải có múi giờ. / The datetime must be aware.")
            return self.start <= moment < self.end
        return self.start_date <= moment < self.end_date

    def previous(self) -> Period:
        """The period of the same kind just before; for year to date, the same span of last year."""
        if self.kind is PeriodKind.MONTH:
            return Period.month(self.year - (self.index == 1), 12 if self.index == 1 else self.index - 1)
        if self.kind is PeriodKind.QUARTER:
            return Period.quarter(self.year - (self.index == 1), 4 if self.index == 1 else self.index - 1)
        if self.kind is PeriodKind.YTD:
            return Period(PeriodKind.YTD, self.year - 1, 0, _same_day_in(self.year - 1, self.through))
        return Period.of_year(self.year - 1)

    def next(self) -> Period:
        if self.kind is PeriodKind.MONTH:
            return Period.month(self.year + (self.index == 12), 1 if self.index == 12 else self.index + 1)
        if self.kind is PeriodKind.QUARTER:
            return Period.quarter(self.year + (self.index == 4), 1 if self.index == 4 else self.index + 1)
        if self.kind is PeriodKind.YTD:
            return Period(PeriodKind.YTD, self.year + 1, 0, _same_day_in(self.year + 1, self.through))
        return Period.of_year(self.year + 1)

    def months(self) -> list[Period]:
        """The months the period covers, in order; year to date ends with the month of `through`
        (that month may be only partly covered)."""
        first = self.start_date.month
        last = self.last_date.month
        return [Period.month(self.year, m) for m in range(first, last + 1)]

    @property
    def label(self) -> str:
        """A Vietnamese label for tables and charts: "Tháng 3/2026", "Quý I/2026", "Năm 2026",
        "Từ đầu năm 2026 đến 15/03/2026"."""
        if self.kind is PeriodKind.MONTH:
            return f"Tháng {self.index}/{self.year}"
        if self.kind is PeriodKind.QUARTER:
            return f"Quý {_ROMAN[self.index]}/{self.year}"
        if self.kind is PeriodKind.YTD:
            return f"Từ đầu năm {self.year} đến {self.through:%d/%m/%Y}"
        return f"Năm {self.year}"

    def __lt__(self, other: Period) -> bool:
        if not isinstance(other, Period):
            return NotImplemented
        return self._sort_key() < other._sort_key()

    def _sort_key(self) -> tuple:
        # By start, then shorter first; consistent with ==, which ignores a year-to-date's `through`.
        return (self.start_date, _KIND_RANK[self.kind], self.index)


def _vn_date(moment: dt.date | dt.datetime) -> dt.date:
    if isinstance(moment, dt.datetime):
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise PeriodError("Thời điểm phải có múi giờ. / The datetime must be aware.")
        return moment.astimezone(VN).date()
    return moment
