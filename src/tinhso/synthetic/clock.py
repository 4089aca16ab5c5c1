"""Office time as a number line, for generating millions of event times fast.

`WorkClock` turns a `core.calendar.WorkingCalendar` over a date range into arrays: the working
days, their office periods as epoch seconds, and the office seconds worked before each day. A
moment then has a *position* (office seconds since the start of the range, counting from the
next office period if the moment is outside one: `start_of_counting`) and a position has a
moment (`at`: the moment when that much office time has been worked — a period's close when it
ends exactly there, as `add_working_hours` does). Both are a bisection and a few additions.

The calendar itself stays the authority: deadlines in days, working days and months are taken from
`WorkingCalendar.deadline` (memoised by the day counting starts, the only thing they depend on),
and the tests check `at`/`pos` against `add_working_hours` and `working_hours_between`.
All times are integer epoch seconds; Vietnam has had no daylight saving since 1975 (UTC+7).
"""

from __future__ import annotations

import bisect
import datetime as dt
from decimal import Decimal

from tinhso.core.calendar import DeadlineUnit, WorkingCalendar

TZ_OFFSET = 7 * 3600
EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


def epoch(moment: dt.datetime) -> int:
    return int(moment.timestamp())


def midnight(day_ordinal: int) -> int:
    """Epoch seconds of local midnight of a day given by its ordinal."""
    return (day_ordinal - EPOCH_ORDINAL) * 86400 - TZ_OFFSET


def local_day(moment: int) -> int:
    """The ordinal of the local day of an epoch moment."""
    return (moment + TZ_OFFSET) // 86400 + EPOCH_ORDINAL


class WorkClock:
    def __init__(self, cal: WorkingCalendar, first: dt.date, last: dt.date):
        self.cal = cal
        self.base = first.toordinal()
        self.day_ord: list[int] = []            # ordinal of the k-th working day
        self.periods: list[tuple[tuple[int, int], ...]] = []  # its office periods (epoch)
        self.cum: list[int] = [0]               # office seconds before the k-th working day
        self.next_k: list[int] = []             # per calendar day: first working day k on or after it
        day = first
        while day <= last:
            self.next_k.append(len(self.day_ord))
            spans = cal.hours.of(cal.day_type(day))
            if spans:
                start = midnight(day.toordinal())
                periods = tuple((start + int(a.total_seconds()), start + int(b.total_seconds())) for a, b in spans)
                self.day_ord.append(day.toordinal())
                self.periods.append(periods)
                self.cum.append(self.cum[-1] + sum(b - a for a, b in periods))
            day += dt.timedelta(days=1)
        self.first, self.last = first, last
        self._deadlines: dict[tuple[int, float, str], int] = {}

    # --- positions --------------------------------------------------------------------------

    def pos(self, t: int) -> int:
        """Office seconds from the start of the range to `t` (to the next office period if `t`
        is outside office hours)."""
        ordinal = local_day(t)
        k = self.next_k[ordinal - self.base]
        if k < len(self.day_ord) and self.day_ord[k] == ordinal:
            acc = self.cum[k]
            for start, end in self.periods[k]:
                if t < end:
                    return acc + (t - start if t > start else 0)
                acc += end - start
            return self.cum[k + 1]
        return self.cum[k]

    def at(self, p: int) -> int:
        """The moment when `p` office seconds have been worked since the start of the range."""
        k = bisect.bisect_right(self.cum, p) - 1
        if k > 0 and p == self.cum[k]:
            return self.periods[k - 1][-1][1]   # exactly a day's work: that day's close
        rest = p - self.cum[k]
        for start, end in self.periods[k]:
            length = end - start
            if rest <= length:
                return start + rest
            rest -= length
        raise AssertionError("position past the day")

    def day_index(self, t: int) -> int:
        """k of the working day on which counting from `t` starts."""
        ordinal = local_day(t)
        k = self.next_k[ordinal - self.base]
        if k < len(self.day_ord) and self.day_ord[k] == ordinal and t >= self.periods[k][-1][1]:
            return k + 1
        return k

    def close(self, k: int) -> int:
        """The close of office hours of the k-th working day."""
        return self.periods[k][-1][1]

    def close_on_or_after(self, t: int) -> int:
        """The earliest close of office hours at or after `t`."""
        ordinal = local_day(t)
        k = self.next_k[ordinal - self.base]
        if k < len(self.day_ord) and self.day_ord[k] == ordinal and t > self.periods[k][-1][1]:
            k += 1
        return self.periods[k][-1][1]

    def in_office(self, t: int) -> bool:
        ordinal = local_day(t)
        k = self.next_k[ordinal - self.base]
        return (k < len(self.day_ord) and self.day_ord[k] == ordinal
                and any(start <= t < end for start, end in self.periods[k]))

    def working_days(self) -> int:
        return len(self.day_ord)

    # --- deadlines --------------------------------------------------------------------------

    def deadline(self, start: int, amount: float | Decimal, unit: str) -> int:
        """`WorkingCalendar.deadline(start, amount, unit)` in epoch seconds."""
        amount = float(amount)
        if unit == DeadlineUnit.HOUR:
            return self.at(self.pos(start) + round(amount * 3600))
        if unit == DeadlineUnit.WORKING_DAY and amount % 1:
            full_day = int(self.cal.hours.full_day.total_seconds())
            return self.at(self.pos(start) + round(full_day * amount))
        k = self.day_index(start)
        key = (k, amount, unit)
        hit = self._deadlines.get(key)
        if hit is None:
            first = self.periods[k][0][0]  # any moment of the day counting starts gives the same date
            hit = self._deadlines[key] = epoch(self.cal.deadline(
                dt.datetime.fromtimestamp(first, dt.UTC), Decimal(str(amount)), unit))
        return hit
