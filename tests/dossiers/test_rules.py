"""The on-time rule of Decision 766 item 2.1 (regulations.md §2.3), one case per sentence of the rule."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from tinhso.dossiers.rules import (
    Reason,
    SupplementSpan,
    Terminals,
    on_time_verdict,
    processing_end,
    timeliness,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    """A moment of March 2026, local time."""
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=VN)


ACCEPTED = at(2)           # Monday 02/03/2026 09:00
DUE = at(5, 17)            # Thursday 05/03/2026 17:00
PERIOD_END = at(31, 23, 59)


def verdict(**kw):
    kw.setdefault("accepted_at", ACCEPTED)
    kw.setdefault("due_at", DUE)
    kw.setdefault("period_end", PERIOD_END)
    kw.setdefault("terminals", Terminals())
    return on_time_verdict(**kw)


# "A dossier is on time iff NgayKetThucXuLy ≤ NgayHenTra."
def test_processed_before_the_appointment_is_on_time():
    result = verdict(terminals=Terminals(processed_at=at(4, 10)))
    assert (result.on_time, result.end, result.reason) == (True, at(4, 10), Reason.WITHIN_APPOINTMENT)


def test_processed_exactly_at_the_appointment_is_on_time():
    assert verdict(terminals=Terminals(processed_at=DUE)).on_time is True


def test_processed_one_minute_after_the_appointment_is_late():
    result = verdict(terminals=Terminals(processed_at=DUE + dt.timedelta(minutes=1)))
    assert (result.on_time, result.reason) == (False, Reason.AFTER_APPOINTMENT)


# "If both 'Đã xử lý xong' and 'Đã trả kết quả' exist, 'Đã xử lý xong' wins."
def test_processed_wins_over_a_late_return():
    result = verdict(terminals=Terminals(processed_at=at(5, 10), returned_at=at(9, 10)))
    assert (result.on_time, result.end) == (True, at(5, 10))


def test_returned_without_processed_counts_the_return():
    assert verdict(terminals=Terminals(returned_at=at(6, 8))).on_time is False


# "Priority: Đã xử lý xong > Đã trả kết quả > Dừng / Từ chối."
def test_priority_of_terminal_states():
    both = Terminals(returned_at=at(4), stopped_at=at(3), refused_at=at(6))
    assert processing_end(both, accepted=True) == at(4)
    assert processing_end(Terminals(stopped_at=at(7), refused_at=at(6)), accepted=True) == at(6)


def test_a_stop_after_the_appointment_is_late_and_a_refusal_before_it_on_time():
    assert verdict(terminals=Terminals(stopped_at=at(9))).on_time is False
    assert verdict(terminals=Terminals(refused_at=at(3))).on_time is True


# "Công dân yêu cầu rút hồ sơ (only for accepted dossiers)".
def test_withdrawal_ends_an_accepted_dossier_only():
    assert processing_end(Terminals(withdrawn_at=at(3)), accepted=True) == at(3)
    assert processing_end(Terminals(withdrawn_at=at(3)), accepted=False) is None
    assert verdict(terminals=Terminals(withdrawn_at=at(3))).on_time is True


def test_a_dossier_never_accepted_has_no_verdict():
    result = verdict(accepted_at=None, due_at=None, terminals=Terminals(refused_at=at(2, 10)))
    assert (result.on_time, result.reason) == (None, Reason.NOT_ACCEPTED)


# "If a dossier is waiting for the citizen to supplement, the date of the request counts as the end."
def test_waiting_for_a_supplement_ends_at_the_request():
    result = verdict(supplements=[SupplementSpan(requested_at=at(4))], period_end=at(20))
    assert (result.on_time, result.end) == (True, at(4))


def test_a_supplement_requested_after_the_appointment_is_late():
    assert verdict(supplements=[SupplementSpan(requested_at=at(6))]).on_time is False


# "More than one supplement request means the dossier counts as late."
def test_two_supplement_requests_make_the_dossier_late_even_if_early():
    result = verdict(supplements=[SupplementSpan(at(2, 10), at(2, 11)), SupplementSpan(at(3, 10), at(3, 11))],
                     terminals=Terminals(processed_at=at(3, 14)))
    assert (result.on_time, result.reason) == (False, Reason.SEVERAL_SUPPLEMENTS)


# "The citizen's supplement time is deducted: end = raw_end − (completed − requested)."
def test_supplement_time_is_deducted_from_the_end():
    # Processed 3 days after the appointment, but the citizen took 4 days to supplement.
    spans = [SupplementSpan(requested_at=at(3, 9), completed_at=at(7, 9))]
    result = verdict(supplements=spans, terminals=Terminals(processed_at=at(8, 17)))
    assert result.end == at(4, 17)
    assert (result.on_time, result.reason) == (True, Reason.WITHIN_APPOINTMENT)


def test_deduction_not_enough_is_still_late():
    spans = [SupplementSpan(requested_at=at(3, 9), completed_at=at(4, 9))]
    result = verdict(supplements=spans, terminals=Terminals(processed_at=at(9, 9)))
    assert (result.on_time, result.end) == (False, at(8, 9))


# "If there is no appointment date: on time iff end − start − supplement_time ≤ maximum TTHC time."
def test_without_appointment_the_time_limit_decides():
    limit = dt.timedelta(days=3)
    assert verdict(due_at=None, time_limit=limit, terminals=Terminals(processed_at=at(5, 9))).on_time is True
    late = verdict(due_at=None, time_limit=limit, terminals=Terminals(processed_at=at(5, 9, 1)))
    assert (late.on_time, late.reason) == (False, Reason.OVER_TIME_LIMIT)
    spans = [SupplementSpan(at(3, 9), at(4, 9))]
    assert verdict(due_at=None, time_limit=limit, supplements=spans,
                   terminals=Terminals(processed_at=at(6, 9))).on_time is True


def test_without_appointment_or_time_limit_there_is_nothing_to_compare():
    assert verdict(due_at=None, terminals=Terminals(processed_at=at(3))).reason == Reason.NO_DEADLINE


# "If the dossier has no terminal state, the end of the reporting period is used as the end."
def test_an_open_dossier_is_measured_at_the_end_of_the_period():
    assert verdict(period_end=at(5, 16)).on_time is True
    result = verdict(period_end=at(6, 8))
    assert (result.on_time, result.end) == (False, at(6, 8))


def test_step_timeliness_of_the_control_slip():
    due = at(5, 17)
    assert timeliness(at(4, 16), due) == "early"
    assert timeliness(at(5, 8), due) == "on_time"
    assert timeliness(due, due) == "on_time"
    assert timeliness(at(5, 17, 1), due) == "late"
    assert timeliness(at(5, 8), None) == ""
