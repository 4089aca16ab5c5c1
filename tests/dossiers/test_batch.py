"""Taking one action on many dossiers at once (`services.dossier_act_many`).

A leader approves the morning's pile, a receiving officer accepts the dossiers that came in
overnight. Each dossier must go through exactly what `dossier_act` does to one dossier — the same
checks, the same control-slip line, the same outbox message — and a dossier that cannot take the
action is reported and left as it was, without stopping the others.
"""

from __future__ import annotations

import pytest

from tinhso.dossiers import services
from tinhso.dossiers.errors import ActionNotAllowed, Forbidden, InvalidInput, NotFound
from tinhso.dossiers.models import Dossier, DossierEvent, OutboxMessage, Supplement

from .test_lifecycle import BIRTH, GCS, PARENT, TK, clock, counter_intake  # noqa: F401, F811 - clock is a fixture

pytestmark = pytest.mark.django_db

#: What the control slip and the dossier row say, without the ids and times that differ by nature.
EVENT_FIELDS = ["seq", "action", "action_name", "effect", "from_state", "to_state", "status", "actor_id",
                "actor_name", "actor_role", "from_agency_id", "to_agency_id", "to_user_id", "state_entered_at",
                "state_due_at", "timeliness", "note", "data"]
DOSSIER_FIELDS = [f for f in services.TRANSITION_FIELDS if f != "updated_at"]


def _row(obj, fields):
    return {f: getattr(obj, f if not hasattr(obj, f + "_id") else f + "_id") for f in fields}


def _payload_without_code(message: OutboxMessage, code: str) -> str:
    return str(message.payload).replace(code, "<code>")


def test_a_batch_does_to_each_dossier_exactly_what_one_action_does(desk, clock):
    single, _ = counter_intake(desk, assignee=desk.specialist)
    batched = [counter_intake(desk, assignee=desk.specialist)[0] for _ in range(3)]
    steps = [("trinh_phe_duyet", desk.specialist, desk.leader, ""), ("tra_lai", desk.leader, None, "Xem lại tên"),
             ("trinh_phe_duyet", desk.specialist, desk.leader, ""), ("phe_duyet", desk.leader, None, ""),
             ("tra_ket_qua", desk.clerk, None, "")]
    for hour, (action, actor, assignee, note) in enumerate(steps, start=10):
        clock.set(9, hour)
        services.dossier_act(actor=actor, dossier_id=single.pk, action=action, assignee=assignee, note=note)
        outcomes = services.dossier_act_many(actor=actor, dossier_ids=[d.pk for d in batched], action=action,
                                             assignee=assignee, note=note)
        assert [o.ok for o in outcomes] == [True, True, True]
        assert [o.dossier_id for o in outcomes] == [d.pk for d in batched]

    single.refresh_from_db()
    expected_slip = [_row(e, EVENT_FIELDS) for e in single.events.order_by("seq")]
    # The intake's own messages carry file ids that differ by nature; the steps' messages must not.
    expected_outbox = [(m.topic, _payload_without_code(m, single.code))
                       for m in single.outbox.filter(event__seq__gt=2).order_by("id")]
    assert len(expected_outbox) == len(steps)
    for dossier in batched:
        dossier.refresh_from_db()
        assert _row(dossier, DOSSIER_FIELDS) == _row(single, DOSSIER_FIELDS)
        assert [_row(e, EVENT_FIELDS) for e in dossier.events.order_by("seq")] == expected_slip
        assert [(m.topic, _payload_without_code(m, dossier.code))
                for m in dossier.outbox.filter(event__seq__gt=2).order_by("id")] == expected_outbox
        # Each outbox message points at the event it reports.
        assert all(m.event.dossier_id == dossier.pk for m in dossier.outbox.exclude(event=None))
    assert single.state == "da_tra_ket_qua"


def test_dossiers_that_cannot_take_the_action_are_reported_and_left_alone(desk, clock):
    ready, _ = counter_intake(desk, assignee=desk.specialist)
    also_ready, _ = counter_intake(desk, assignee=desk.specialist)
    missing_paper, _ = counter_intake(desk, assignee=desk.specialist, files=[TK])  # no birth certificate
    already_sent, _ = counter_intake(desk, assignee=desk.specialist)
    services.dossier_act(actor=desk.specialist, dossier_id=already_sent.pk, action="trinh_phe_duyet")
    elsewhere, _ = services.dossier_intake(
        actor=desk.other_receiver, procedure_code="1.001193", receiving_agency=desk.other_receiver.agency_roles.get()
        .agency, applicant=services.Applicant(name="Lê Thị Cúc", id_number="086190000456"), source="counter",
        form_data={"ho_ten_tre": "Lê Văn Dũng", "ngay_sinh": "2026-02-01", "gioi_tinh": "Nam",
                   "noi_sinh": "Trạm y tế"}, files=[TK, GCS], accept=True)
    before = {d.pk: d.event_seq for d in Dossier.objects.all()}

    outcomes = services.dossier_act_many(
        actor=desk.specialist, action="trinh_phe_duyet", assignee=desk.leader,
        dossier_ids=[ready.pk, missing_paper.pk, already_sent.pk, elsewhere.pk, 999_999, also_ready.pk])

    by_id = {o.dossier_id: o for o in outcomes}
    assert by_id[ready.pk].ok and by_id[also_ready.pk].ok
    assert isinstance(by_id[missing_paper.pk].error, InvalidInput)
    assert by_id[missing_paper.pk].error.code == "documents_missing"
    assert isinstance(by_id[already_sent.pk].error, ActionNotAllowed)
    assert isinstance(by_id[elsewhere.pk].error, Forbidden)
    assert isinstance(by_id[999_999].error, NotFound)
    after = {d.pk: d.event_seq for d in Dossier.objects.all()}
    assert after[ready.pk] == before[ready.pk] + 1 and after[also_ready.pk] == before[also_ready.pk] + 1
    for untouched in (missing_paper, already_sent, elsewhere):
        assert after[untouched.pk] == before[untouched.pk]
    assert Dossier.objects.get(pk=ready.pk).assignee == desk.leader


def test_repeating_a_batch_with_its_key_acts_on_no_dossier_twice(desk, clock):
    dossiers = [counter_intake(desk)[0] for _ in range(3)]
    ids = [d.pk for d in dossiers]
    first = services.dossier_act_many(actor=desk.specialist, dossier_ids=ids[:2], action="trinh_phe_duyet",
                                      idempotency_key="lo-sang-thu-hai")
    events = DossierEvent.objects.count()
    # The page was sent again, now with a third dossier ticked.
    again = services.dossier_act_many(actor=desk.specialist, dossier_ids=ids, action="trinh_phe_duyet",
                                      idempotency_key="lo-sang-thu-hai")
    assert [o.event.pk for o in again[:2]] == [o.event.pk for o in first]
    assert again[2].ok
    assert DossierEvent.objects.count() == events + 1
    assert set(Dossier.objects.filter(pk__in=ids).values_list("state", flat=True)) == {"cho_phe_duyet"}


def test_a_refused_supplement_request_in_a_batch_leaves_no_request_behind(desk, clock):
    dossier, _ = counter_intake(desk, assignee=desk.specialist)
    outcomes = services.dossier_act_many(actor=desk.specialist, dossier_ids=[dossier.pk], action="yeu_cau_bo_sung",
                                         note="Bổ sung bản chính", assignee=desk.other_receiver)
    assert isinstance(outcomes[0].error, InvalidInput)
    assert not Supplement.objects.exists()
    dossier.refresh_from_db()
    assert (dossier.state, dossier.supplement_count) == ("dang_xu_ly", 0)


def test_a_failure_while_writing_the_batch_undoes_the_whole_batch(desk, clock, monkeypatch):
    dossiers = [counter_intake(desk)[0] for _ in range(2)]
    events, messages = DossierEvent.objects.count(), OutboxMessage.objects.count()

    def broken(self, objs, *args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(type(OutboxMessage.objects), "bulk_create", broken)
    with pytest.raises(RuntimeError):
        services.dossier_act_many(actor=desk.specialist, dossier_ids=[d.pk for d in dossiers],
                                  action="trinh_phe_duyet")
    assert (DossierEvent.objects.count(), OutboxMessage.objects.count()) == (events, messages)
    assert set(Dossier.objects.values_list("state", flat=True)) == {"dang_xu_ly"}


def test_bulk_accept_accepts_the_waiting_dossiers_and_reports_the_others(desk, clock):
    waiting = [services.dossier_intake(
        actor=desk.receiver, procedure_code="1.001193", receiving_agency=desk.commune, applicant=PARENT,
        source="counter", form_data=BIRTH, files=[TK, GCS])[0] for _ in range(2)]
    already, _ = counter_intake(desk)
    outcomes = services.dossier_accept_many(actor=desk.receiver,
                                            dossier_ids=[waiting[0].pk, already.pk, waiting[1].pk])
    assert [o.ok for o in outcomes] == [True, False, True]
    assert isinstance(outcomes[1].error, ActionNotAllowed)
    for dossier in waiting:
        dossier.refresh_from_db()
        # Accepted Monday 09:00: three working days, the appointment is Thursday 17:00.
        assert (dossier.state, dossier.accepted_at is not None, dossier.due_at.day) == ("dang_xu_ly", True, 12)
    # A second click on the same page acts on nothing.
    again = services.dossier_accept_many(actor=desk.receiver, dossier_ids=[d.pk for d in waiting])
    assert all(not o.ok for o in again)
    assert DossierEvent.objects.filter(dossier__in=waiting, effect="accept").count() == 2
