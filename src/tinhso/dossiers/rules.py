"""Legal timing rules as pure functions: no database, no clock, no settings.

`on_time_verdict` is the on-time rule the national portal applies for Decision 766 indicator 2.1
(regulations.md §2.3, from the DVCQG "Mô tả công thức tính chỉ số 766", item 2.1):

1. A dossier is on time iff NgayKetThucXuLy ≤ NgayHenTra (end of processing ≤ appointment date).
2. The end of processing is the time of the first terminal state: Từ chối, Dừng xử lý, Đã xử lý
   xong, Đã trả kết quả, or Công dân yêu cầu rút hồ sơ (only for accepted dossiers). If both
   "Đã xử lý xong" and "Đã trả kết quả" exist, "Đã xử lý xong" wins. Priority: Đã xử lý xong >
   Đã trả kết quả > Dừng / Từ chối.
3. A dossier waiting for the citizen to supplement ends at the date of the supplement request.
4. More than one supplement request: the dossier counts as late.
5. The citizen's supplement time is deducted: end = raw_end − (supplement completed − requested).
6. Without an appointment date: on time iff end − start − supplement_time ≤ the maximum time of the
   procedure, start = NgayTiepNhan.
7. A dossier with no terminal state ends at the end of the reporting period.

Where the text is silent we choose, and say so in docs/decisions.md: several completed supplements
are all deducted (only reachable when rule 4 already made the dossier late); withdrawal ranks after
stop and refusal; a dossier never accepted (refused at the counter) has no verdict.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


class Reason(StrEnum):
    WITHIN_APPOINTMENT = "within_appointment"      # rule 1
    AFTER_APPOINTMENT = "after_appointment"        # rule 1
    SEVERAL_SUPPLEMENTS = "several_supplements"    # rule 4
    WITHIN_TIME_LIMIT = "within_time_limit"        # rule 6
    OVER_TIME_LIMIT = "over_time_limit"            # rule 6
    NOT_ACCEPTED = "not_accepted"
    NO_DEADLINE = "no_deadline"


@dataclass(frozen=True)
class SupplementSpan:
    requested_at: dt.datetime
    completed_at: dt.datetime | None = None


@dataclass(frozen=True)
class Terminals:
    """The first time the dossier reached each terminal status (None if it did not)."""

    processed_at: dt.datetime | None = None   # 9 Đã xử lý xong
    returned_at: dt.datetime | None = None    # 10 Đã trả kết quả
    stopped_at: dt.datetime | None = None     # 8 Dừng xử lý
    refused_at: dt.datetime | None = None     # 3 Từ chối
    withdrawn_at: dt.datetime | None = None   # 7 Công dân yêu cầu rút hồ sơ


@dataclass(frozen=True)
class Verdict:
    on_time: bool | None   # None: the rule does not apply (never accepted, or nothing to compare)
    end: dt.datetime | None  # the end of processing after the supplement deduction
    reason: Reason


def processing_end(terminals: Terminals, *, accepted: bool) -> dt.datetime | None:
    """Rule 2: the end of processing by the priority of terminal states."""
    if terminals.processed_at is not None:
        return terminals.processed_at
    if terminals.returned_at is not None:
        return terminals.returned_at
    stop_or_refuse = [t for t in (terminals.stopped_at, terminals.refused_at) if t is not None]
    if stop_or_refuse:
        return min(stop_or_refuse)
    if accepted and terminals.withdrawn_at is not None:
        return terminals.withdrawn_at
    return None


def on_time_verdict(
    *,
    accepted_at: dt.datetime | None,
    due_at: dt.datetime | None,
    terminals: Terminals,
    supplements: Sequence[SupplementSpan] = (),
    period_end: dt.datetime,
    time_limit: dt.timedelta | None = None,
) -> Verdict:
    """Is the dossier on time under the rule of Decision 766 item 2.1 (module docstring)."""
    if accepted_at is None:
        return Verdict(None, None, Reason.NOT_ACCEPTED)
    open_requests = [s for s in supplements if s.completed_at is None]
    raw_end = processing_end(terminals, accepted=True)
    if raw_end is None and open_requests:
        raw_end = min(s.requested_at for s in open_requests)           # rule 3
    if raw_end is None:
        raw_end = period_end                                            # rule 7
    deducted = sum(
        (s.completed_at - s.requested_at for s in supplements
         if s.completed_at is not None and s.completed_at <= raw_end),
        dt.timedelta(),
    )                                                                   # rule 5
    end = raw_end - deducted
    if len(supplements) > 1:
        return Verdict(False, end, Reason.SEVERAL_SUPPLEMENTS)          # rule 4
    if due_at is not None:
        if end <= due_at:
            return Verdict(True, end, Reason.WITHIN_APPOINTMENT)        # rule 1
        return Verdict(False, end, Reason.AFTER_APPOINTMENT)
    if time_limit is None:
        return Verdict(None, end, Reason.NO_DEADLINE)
    if end - accepted_at <= time_limit:                                 # rule 6 (deduction in `end`)
        return Verdict(True, end, Reason.WITHIN_TIME_LIMIT)
    return Verdict(False, end, Reason.OVER_TIME_LIMIT)


def timeliness(at: dt.datetime, due: dt.datetime | None) -> str:
    """Early / on time / late of one hand-over against the time allowed for its step (the control
    slip's per-step status): after the due moment is late; on an earlier calendar day (local
    time) than the due day is early; otherwise on time. No allowance: blank."""
    if due is None:
        return ""
    if at > due:
        return "late"
    if at.astimezone(VN_TZ).date() < due.astimezone(VN_TZ).date():
        return "early"
    return "on_time"
