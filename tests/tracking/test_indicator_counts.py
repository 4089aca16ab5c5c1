"""The counts the KPI engine reads for Decision 766 indicators 5.1–5.4, against data made by hand
with times chosen around the limits, for March 2026 (Asia/Ho_Chi_Minh).

5.2 on time = handled within its limit, or open and still within it, over PAKN received or handled
in the period; 5.3 = (received − disliked − overdue − repeated) / received, a PAKN in several of
those taken away once; 5.4 counts dossiers finished in the period with a "not satisfied" current
rating or a PAKN about their reception, settlement or lateness.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tinhso.dossiers import feedback as fb
from tinhso.dossiers.models import Dossier, Feedback, FeedbackKind, FeedbackStatus, Rating, Status

from .conftest import accepted

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")
START, END = dt.datetime(2026, 3, 1, tzinfo=VN), dt.datetime(2026, 4, 1, tzinfo=VN)


def at(month: int, day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=VN)


def pakn(desk, agency, *, submitted, refuse_due, answer_due, kind=FeedbackKind.LATE, answered=None, refused=None,
         satisfied=None, repeat_of=None) -> Feedback:
    status = FeedbackStatus.RECEIVED
    if answered:
        status = FeedbackStatus.ANSWERED
    if refused:
        status = FeedbackStatus.REFUSED
    if satisfied is not None:
        status = FeedbackStatus.CLOSED
    return Feedback.objects.create(
        sender=desk.citizen, kind=kind, title="PAKN", content="Nội dung", agency=agency, status=status,
        submitted_at=submitted, assigned_at=submitted, refuse_due_at=refuse_due, answer_due_at=answer_due,
        answered_at=answered, refused_at=refused, answer="Trả lời" if answered or refused else "",
        sender_satisfied=satisfied, sender_rated_at=(answered or refused) + dt.timedelta(days=1) if satisfied is not None
        else None, repeat_of=repeat_of)


def test_pakn_counts_per_agency_for_a_month(desk, django_assert_num_queries):
    a, b = desk.commune, desk.department
    # f1 answered on time, sender satisfied: received, on time, satisfactory.
    pakn(desk, a, submitted=at(3, 2), refuse_due=at(3, 4, 17), answer_due=at(3, 23, 17), answered=at(3, 10),
         satisfied=True)
    # f2 refused after its 2 working days: overdue.
    pakn(desk, a, submitted=at(3, 3), refuse_due=at(3, 5, 17), answer_due=at(3, 24, 17), refused=at(3, 9))
    # f3 open at the end of March, its answer due in April: on time so far.
    pakn(desk, a, submitted=at(3, 20), refuse_due=at(3, 24, 17), answer_due=at(4, 10, 17))
    # f4 received in February, answered late in March: counted for 5.2 (handled in the period), not for 5.3.
    pakn(desk, a, submitted=at(2, 1), refuse_due=at(2, 3, 17), answer_due=at(2, 23, 17), answered=at(3, 2))
    # f5 received in February, still open, overdue: neither received nor handled in March.
    pakn(desk, a, submitted=at(2, 10), refuse_due=at(2, 12, 17), answer_due=at(3, 3, 17))
    # f6 answered on time but the sender disliked the answer.
    f6 = pakn(desk, a, submitted=at(3, 5), refuse_due=at(3, 9, 17), answer_due=at(3, 26, 17), answered=at(3, 6),
              satisfied=False)
    # f7 repeats f6, open and within its limit.
    pakn(desk, a, submitted=at(3, 7), refuse_due=at(3, 10, 17), answer_due=at(4, 5, 17), repeat_of=f6)
    # f8 about staff behaviour, answered on time.
    pakn(desk, a, submitted=at(3, 8), refuse_due=at(3, 10, 17), answer_due=at(3, 27, 17), answered=at(3, 9),
         kind=FeedbackKind.STAFF)
    # f9 after the period.
    pakn(desk, a, submitted=at(4, 2), refuse_due=at(4, 6, 17), answer_due=at(4, 23, 17))
    # f10 answered late and disliked: taken away from 5.3's numerator once.
    pakn(desk, a, submitted=at(3, 11), refuse_due=at(3, 13, 17), answer_due=at(3, 25, 17), answered=at(3, 30),
         satisfied=False)
    # Department: g1 open past its limit at the end of March.
    pakn(desk, b, submitted=at(3, 10), refuse_due=at(3, 12, 17), answer_due=at(3, 20, 17), kind=FeedbackKind.RULES)

    with django_assert_num_queries(1):
        counts = fb.feedback_counts_by_agency(start=START, end=END)
    assert counts[a.pk] == fb.FeedbackCounts(
        received=7,          # f1 f2 f3 f6 f7 f8 f10
        due=8,               # + f4
        on_time=5,           # f1 f3 f6 f7 f8
        overdue=3,           # f2 f4 f10
        disliked=2,          # f6 f10
        repeated=1,          # f7
        received_overdue=2,  # f2 f10
        satisfactory=3,      # f1 f3 f8
        about_rules=6,       # all but f8
        about_staff=1,       # f8
    )
    assert counts[b.pk] == fb.FeedbackCounts(received=1, due=1, on_time=0, overdue=1, received_overdue=1,
                                             satisfactory=0, about_rules=1)
    # Scoped to one agency; an agency without PAKN is absent (5.2 and 5.3 then give full points).
    assert set(fb.feedback_counts_by_agency(start=START, end=END, agency_ids=[b.pk])) == {b.pk}
    assert fb.feedback_counts_by_agency(start=at(5, 1), end=at(6, 1)) == {}


def test_measured_at_the_period_end_an_open_pakn_becomes_overdue_later(desk):
    a = desk.commune
    pakn(desk, a, submitted=at(3, 20), refuse_due=at(3, 24, 17), answer_due=at(4, 10, 17))
    march = fb.feedback_counts_by_agency(start=START, end=END)[a.pk]
    assert (march.on_time, march.overdue) == (1, 0)
    march_and_april = fb.feedback_counts_by_agency(start=START, end=at(5, 1))[a.pk]
    assert (march_and_april.on_time, march_and_april.overdue) == (0, 1)


def _finished(desk, day: dt.datetime, status=Status.RETURNED) -> Dossier:
    dossier = accepted(desk)
    Dossier.objects.filter(pk=dossier.pk).update(finished_at=day, status=status)
    return dossier


def _rate(dossier, satisfied: bool, *, current: bool = True) -> None:
    Rating.objects.create(dossier=dossier, satisfied=satisfied, rated_at=dossier.accepted_at, rated_by=None,
                          is_current=current, replaced_at=None if current else dossier.accepted_at)


def _complain(desk, dossier, kind) -> None:
    Feedback.objects.create(sender=desk.citizen, dossier=dossier, kind=kind, title="PAKN", content="Nội dung",
                            agency=desk.commune, submitted_at=at(3, 15), assigned_at=at(3, 15),
                            refuse_due_at=at(3, 17, 17), answer_due_at=at(4, 3, 17))


def test_dossier_dissatisfaction_per_competent_agency(desk, django_assert_num_queries):
    d1 = _finished(desk, at(3, 3))
    _rate(d1, True)
    d2 = _finished(desk, at(3, 4))
    _rate(d2, False)
    d3 = _finished(desk, at(3, 5))
    _complain(desk, d3, FeedbackKind.LATE)
    d4 = _finished(desk, at(3, 6), status=Status.REFUSED)
    _rate(d4, False)
    _complain(desk, d4, FeedbackKind.SETTLEMENT)     # disliked and complained about: counted once
    d5 = _finished(desk, at(3, 7))
    _complain(desk, d5, FeedbackKind.STAFF)          # about staff, not about the dossier's handling
    d6 = _finished(desk, at(2, 27))                  # finished before the period
    _rate(d6, False)
    d7 = _finished(desk, at(3, 8))
    _rate(d7, False, current=False)                  # changed to satisfied: only the current rating counts
    _rate(d7, True)
    accepted(desk)                                   # not finished

    with django_assert_num_queries(1):
        counts = fb.dossier_satisfaction_by_agency(start=START, end=END)
    assert counts == {desk.commune.pk: fb.DossierSatisfaction(
        dossiers=6,          # d1 d2 d3 d4 d5 d7
        rated=4,             # d1 d2 d4 d7
        not_satisfied=2,     # d2 d4
        with_feedback=2,     # d3 d4
        dissatisfied=3,      # d2 d3 d4
    )}
    assert fb.dossier_satisfaction_by_agency(start=START, end=END, agency_ids=[desk.department.pk]) == {}
