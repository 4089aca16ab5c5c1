"""Invariants of the workflow engine under random action sequences, and under real concurrency."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tinhso.accounts.models import AgencyRole, Role
from tinhso.catalog.workflow import compiled
from tinhso.dossiers import services
from tinhso.dossiers.errors import ActionNotAllowed, Conflict, DossierError
from tinhso.dossiers.models import Dossier, DossierEvent

from .conftest import pdf_bytes

PARENT = services.Applicant(name="Trần Thị Cúc", id_number="086301000456")
BIRTH = {"ho_ten_tre": "Trần Văn Dũng", "ngay_sinh": "2026-01-15", "gioi_tinh": "Nam"}
FILES = [services.IncomingFile(name="tk.pdf", data=pdf_bytes("a"), component_code="TK"),
         services.IncomingFile(name="gcs.pdf", data=pdf_bytes("b"), component_code="GCS")]


def _intake(desk, actor, **kw):
    dossier, _ = services.dossier_intake(
        actor=actor, procedure_code="1.001193", receiving_agency=desk.commune, applicant=PARENT,
        source="counter", form_data=BIRTH, files=FILES, **kw)
    return dossier


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(choices=st.lists(st.integers(min_value=0, max_value=50), min_size=1, max_size=25))
def test_random_action_sequences_keep_the_invariants(desk, choices):
    # One official holding every role of the commune, and the applicant: every action is someone's.
    for role in (Role.SPECIALIST, Role.LEADER, Role.RESULT_CLERK):
        AgencyRole.objects.get_or_create(user=desk.receiver, agency=desk.commune, role=role)
    dossier = _intake(desk, desk.receiver)
    Dossier.objects.filter(pk=dossier.pk).update(applicant=desk.citizen)
    wf = compiled(dossier.workflow)
    for choice in choices:
        dossier.refresh_from_db()
        state = wf.state(dossier.state)
        if state.terminal:
            # A terminal state is final: whatever is tried, nothing moves.
            with pytest.raises(ActionNotAllowed):
                services.dossier_act(actor=desk.receiver, dossier_id=dossier.pk, action="tiep_nhan")
            break
        action = state.actions[choice % len(state.actions)]
        actor = desk.citizen if action.roles == ("applicant",) else desk.receiver
        data = {}
        if action.effect == "extend":
            data = {"new_due_at": (dossier.due_at or dossier.submitted_at).replace(year=2099)}
        try:
            services.dossier_act(actor=actor, dossier_id=dossier.pk, action=action.code, note="Ghi chú",
                                 data=data)
        except DossierError:
            # The only refusal expected here: a second extension to the same date is not later.
            assert action.effect == "extend"

    dossier.refresh_from_db()
    events = list(DossierEvent.objects.filter(dossier=dossier).order_by("seq"))
    # One current state, known to the workflow; the event numbers have no gaps.
    assert dossier.state in wf.states
    assert [e.seq for e in events] == list(range(1, len(events) + 1)) == list(range(1, dossier.event_seq + 1))
    # The event log replays to the same state: each step starts where the previous one ended.
    replayed = wf.start
    for event in events[1:]:
        assert event.from_state == replayed
        assert wf.action(event.from_state, event.action).to == event.to_state
        replayed = event.to_state
    assert replayed == dossier.state
    assert dossier.status == wf.state(dossier.state).status
    # The appointment date is never before reception.
    if dossier.due_at is not None:
        assert dossier.accepted_at is not None
        assert dossier.due_at >= dossier.accepted_at >= dossier.submitted_at


def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises every writer (BEGIN IMMEDIATE): no race to observe")


@pytest.mark.django_db(transaction=True)
def test_two_officers_acting_at_once_one_succeeds_the_other_gets_a_conflict(desk):
    _postgres_only()
    second = desk.leader
    AgencyRole.objects.create(user=second, agency=desk.commune, role=Role.SPECIALIST)
    dossier = _intake(desk, desk.receiver, accept=True)
    seen = dossier.event_seq
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def act(user, action):
        try:
            barrier.wait(timeout=10)
            services.dossier_act(actor=user, dossier_id=dossier.pk, action=action, note="Thiếu giấy tờ",
                                 expected_seq=seen)
            outcomes.append("ok")
        except Conflict as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=act, args=(desk.specialist, "trinh_phe_duyet")),
               threading.Thread(target=act, args=(second, "yeu_cau_bo_sung"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["conflict", "ok"]
    assert DossierEvent.objects.filter(dossier=dossier).count() == seen + 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_intakes_get_distinct_consecutive_codes(desk):
    _postgres_only()
    barrier = threading.Barrier(6)
    codes: list[str] = []
    errors: list[BaseException] = []

    def file_three():
        try:
            barrier.wait(timeout=10)
            for _ in range(3):
                codes.append(_intake(desk, desk.receiver).code)
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=file_three) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    numbers = sorted(int(code.rsplit("-", 1)[1]) for code in codes)
    assert numbers == list(range(1, 19))
