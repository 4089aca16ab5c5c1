"""The one-stop lifecycle through the services, on the clock of a real week.

The acceptance scenario of the one-stop issue: a birth registration filed at a commune counter,
accepted, a supplement requested and answered, processed by the specialist, approved by the
leader, the result returned; the control slip shows every hand-over with its on-time status and
the dossier's verdict follows the rule of Decision 766 item 2.1.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from tinhso.dossiers import selectors, services
from tinhso.dossiers.errors import ActionNotAllowed, Conflict, Forbidden, InvalidInput
from tinhso.dossiers.models import Dossier, DossierEvent, OutboxMessage, Status, Supplement
from tinhso.dossiers.rules import Reason

from .conftest import pdf_bytes

VN = ZoneInfo("Asia/Ho_Chi_Minh")
pytestmark = pytest.mark.django_db


class Clock:
    def __init__(self, start: dt.datetime):
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def set(self, day: int, hour: int, minute: int = 0, month: int = 2) -> None:
        self.now = dt.datetime(2026, month, day, hour, minute, tzinfo=VN)


@pytest.fixture
def clock(monkeypatch):
    c = Clock(dt.datetime(2026, 2, 9, 9, 0, tzinfo=VN))  # Monday 09/02/2026, before Tết
    monkeypatch.setattr(timezone, "now", c)
    return c


BIRTH = {"ho_ten_tre": "Nguyễn Văn Bình", "ngay_sinh": "2026-02-01", "gioi_tinh": "Nam", "noi_sinh": "Bệnh viện tỉnh"}
PARENT = services.Applicant(name="Nguyễn Văn An", id_number="086085000123", phone="0912345678",
                            address="Ấp Phú Hòa, xã Phú Túc")


TK = services.IncomingFile(name="To khai.pdf", data=pdf_bytes("tk"), component_code="TK", digitised=True)
GCS = services.IncomingFile(name="Giay chung sinh.pdf", data=pdf_bytes("gcs"), component_code="GCS", digitised=True)


def counter_intake(desk, **kw):
    kw.setdefault("files", [TK, GCS])
    return services.dossier_intake(
        actor=desk.receiver, procedure_code="1.001193", receiving_agency=desk.commune, applicant=PARENT,
        source="counter", form_data=BIRTH, accept=True, **kw)


def test_birth_registration_from_counter_to_result(desk, clock):
    dossier, created = counter_intake(desk, assignee=desk.specialist, files=[TK])
    assert created
    # Code: receiving agency, date of receipt, daily number (Circular 01/2018/TT-VPCP Art. 19).
    assert dossier.code == "000.91.60.H61-260209-0001"
    # 3 working days from Monday 09:00: the day of receipt is not counted → Thursday 12/02 17:00.
    assert dossier.due_at == dt.datetime(2026, 2, 12, 17, 0, tzinfo=VN)
    assert (dossier.state, dossier.status, dossier.holder_agency, dossier.assignee) == (
        "dang_xu_ly", Status.IN_PROGRESS, desk.commune, desk.specialist)
    assert dossier.has_digitised_components

    clock.set(9, 10)
    services.dossier_act(actor=desk.specialist, dossier_id=dossier.pk, action="yeu_cau_bo_sung",
                         note="Bổ sung bản chính Giấy chứng sinh.")
    clock.set(10, 9)
    services.dossier_act(actor=desk.receiver, dossier_id=dossier.pk, action="nhan_bo_sung",
                         note="Công dân nộp Giấy chứng sinh bản chính.",
                         files=[services.IncomingFile(name="Giấy chứng sinh.pdf", data=pdf_bytes("gcs"),
                                                      component_code="GCS", digitised=True)])
    clock.set(10, 14)
    services.dossier_act(actor=desk.specialist, dossier_id=dossier.pk, action="trinh_phe_duyet",
                         assignee=desk.leader)
    clock.set(11, 9)
    services.dossier_act(actor=desk.leader, dossier_id=dossier.pk, action="phe_duyet")
    clock.set(11, 10)
    services.dossier_act(actor=desk.clerk, dossier_id=dossier.pk, action="tra_ket_qua")

    dossier.refresh_from_db()
    assert (dossier.state, dossier.status) == ("da_tra_ket_qua", Status.RETURNED)
    assert dossier.finished_at == dt.datetime(2026, 2, 11, 9, 0, tzinfo=VN)
    assert dossier.returned_at == dt.datetime(2026, 2, 11, 10, 0, tzinfo=VN)
    assert dossier.supplement_count == 1
    assert dossier.supplement_duration == dt.timedelta(hours=23)
    supplement = Supplement.objects.get(dossier=dossier)
    assert (supplement.content, supplement.answer) == ("Bổ sung bản chính Giấy chứng sinh.",
                                                       "Công dân nộp Giấy chứng sinh bản chính.")
    assert supplement.attachments.get().component_code == "GCS"

    # The control slip: every hand-over, who gave it to whom, and early / on time per step.
    slip = list(DossierEvent.objects.filter(dossier=dossier).order_by("seq"))
    assert [(e.action, e.from_state, e.to_state, e.status) for e in slip] == [
        ("nop_ho_so", "", "moi_nop", 1),
        ("tiep_nhan", "moi_nop", "dang_xu_ly", 2),
        ("yeu_cau_bo_sung", "dang_xu_ly", "cho_bo_sung", 5),
        ("nhan_bo_sung", "cho_bo_sung", "dang_xu_ly", 4),
        ("trinh_phe_duyet", "dang_xu_ly", "cho_phe_duyet", 4),
        ("phe_duyet", "cho_phe_duyet", "cho_tra_ket_qua", 9),
        ("tra_ket_qua", "cho_tra_ket_qua", "da_tra_ket_qua", 10),
    ]
    assert [e.actor for e in slip] == [desk.receiver, desk.receiver, desk.specialist, desk.receiver,
                                       desk.specialist, desk.leader, desk.clerk]
    assert [e.to_user for e in slip][4] == desk.leader
    # Acceptance at once (within the 8 working hours of the reception step): early; the
    # supplement request one hour into a 60 % share of 3 days: early; the supplement step has no
    # allowance; the specialist hands over the same afternoon, two days ahead: early; the leader's
    # 20 % (about 6 working hours from Tuesday 14:00, due Wednesday morning) met at 09:00 the
    # same day: on time; the result desk has no allowance.
    assert [e.timeliness for e in slip] == ["", "early", "early", "", "early", "on_time", ""]
    approval = slip[5]
    assert approval.state_entered_at == dt.datetime(2026, 2, 10, 14, 0, tzinfo=VN)
    assert approval.state_due_at.astimezone(VN).date() == dt.date(2026, 2, 11)

    # The verdict: processed Wed 09:00, minus the 23 hours the citizen took = Tue 10:00 ≤ Thu 17:00.
    verdict = selectors.dossier_verdict(dossier)
    assert (verdict.on_time, verdict.reason) == (True, Reason.WITHIN_APPOINTMENT)
    assert verdict.end == dt.datetime(2026, 2, 10, 10, 0, tzinfo=VN)

    # Every step is in the outbox in the national sync shape, in order.
    outbox = list(OutboxMessage.objects.filter(dossier=dossier).order_by("id"))
    assert [int(m.payload["hoSo"]["TrangThaiHoSo"]) for m in outbox] == [1, 2, 5, 4, 4, 9, 10]
    assert all(m.payload["hoSo"]["MaHoSo"] == dossier.code for m in outbox)


def test_a_late_approval_is_marked_late_on_the_slip_and_the_dossier_is_late(desk, clock):
    dossier, _ = counter_intake(desk)
    clock.set(9, 11)
    services.dossier_act(actor=desk.specialist, dossier_id=dossier.pk, action="trinh_phe_duyet")
    clock.set(13, 9)  # Friday: the leader's step was due Tuesday, the appointment Thursday
    services.dossier_act(actor=desk.leader, dossier_id=dossier.pk, action="phe_duyet")
    dossier.refresh_from_db()
    last = dossier.events.order_by("-seq").first()
    assert last.timeliness == "late"
    verdict = selectors.dossier_verdict(dossier)
    assert (verdict.on_time, verdict.reason) == (False, Reason.AFTER_APPOINTMENT)


def test_a_second_supplement_request_makes_the_dossier_late(desk, clock):
    dossier, _ = counter_intake(desk)
    for day in (9, 10):
        clock.set(day, 10)
        services.dossier_act(actor=desk.specialist, dossier_id=dossier.pk, action="yeu_cau_bo_sung", note="Thiếu")
        clock.set(day, 11)
        services.dossier_act(actor=desk.receiver, dossier_id=dossier.pk, action="nhan_bo_sung",
                             files=[services.IncomingFile(name="gcs.pdf", data=pdf_bytes(), component_code="GCS")])
    clock.set(10, 14)
    services.dossier_act(actor=desk.specialist, dossier_id=dossier.pk, action="trinh_phe_duyet")
    services.dossier_act(actor=desk.leader, dossier_id=dossier.pk, action="phe_duyet")
    dossier.refresh_from_db()
    assert dossier.supplement_count == 2
    assert selectors.dossier_verdict(dossier).reason == Reason.SEVERAL_SUPPLEMENTS


def test_apology_and_extension_keeps_the_history_of_appointments(desk, clock):
    dossier, _ = counter_intake(desk)
    first_due = dossier.due_at
    new_due = dt.datetime(2026, 2, 26, 17, 0, tzinfo=VN)
    with pytest.raises(InvalidInput) as missing:
        services.dossier_act(actor=desk.leader, dossier_id=dossier.pk, action="xin_loi_gia_han",
                             note="Cần xác minh thêm", data={})
    assert missing.value.details[0]["field"] == "new_due_at"
    with pytest.raises(InvalidInput):
        services.dossier_act(actor=desk.leader, dossier_id=dossier.pk, action="xin_loi_gia_han",
                             note="Cần xác minh", data={"new_due_at": first_due - dt.timedelta(days=1)})
    services.dossier_act(actor=desk.leader, dossier_id=dossier.pk, action="xin_loi_gia_han",
                         note="Cần xác minh nơi sinh với bệnh viện.", data={"new_due_at": new_due})
    dossier.refresh_from_db()
    assert (dossier.due_at, dossier.extension_count, dossier.state) == (new_due, 1, "dang_xu_ly")
    event = dossier.events.get(action="xin_loi_gia_han")
    assert event.data["previous_due_at"] == first_due.isoformat()
    assert event.data["new_due_at"] == new_due.isoformat()
    assert event.note == "Cần xác minh nơi sinh với bệnh viện."


@pytest.mark.parametrize(("action", "actor", "state", "status"), [
    ("tu_choi_giai_quyet", "leader", "tu_choi", Status.REFUSED),
    ("dung_xu_ly", "leader", "da_dung", Status.STOPPED),
    ("rut_ho_so", "citizen_applicant", "da_rut", Status.WITHDRAWN),
])
def test_refusal_stop_and_withdrawal_end_the_dossier(desk, clock, action, actor, state, status):
    dossier, _ = counter_intake(desk)
    if actor == "citizen_applicant":
        Dossier.objects.filter(pk=dossier.pk).update(applicant=desk.citizen)
        who = desk.citizen
    else:
        who = getattr(desk, actor)
    clock.set(10, 9)
    services.dossier_act(actor=who, dossier_id=dossier.pk, action=action, note="Lý do cụ thể")
    dossier.refresh_from_db()
    assert (dossier.state, dossier.status, dossier.finished_at) == (state, status, clock.now)
    # A terminal state is final.
    with pytest.raises(ActionNotAllowed) as refused:
        services.dossier_act(actor=desk.leader, dossier_id=dossier.pk, action="phe_duyet")
    assert refused.value.details["allowed_actions"] == []


def test_a_refusal_needs_a_reason(desk, clock):
    dossier, _ = counter_intake(desk)
    with pytest.raises(InvalidInput) as refused:
        services.dossier_act(actor=desk.leader, dossier_id=dossier.pk, action="tu_choi_giai_quyet", note="  ")
    assert refused.value.details == [{"field": "note", "message": "Chưa nhập lý do."}]
    assert Dossier.objects.get(pk=dossier.pk).state == "dang_xu_ly"


def test_officers_outside_the_agency_or_role_are_refused(desk, clock):
    dossier, _ = counter_intake(desk)
    with pytest.raises(Forbidden):
        services.dossier_act(actor=desk.other_receiver, dossier_id=dossier.pk, action="trinh_phe_duyet")
    with pytest.raises(Forbidden):  # the right agency, the wrong role
        services.dossier_act(actor=desk.clerk, dossier_id=dossier.pk, action="trinh_phe_duyet")
    with pytest.raises(ActionNotAllowed) as not_now:
        services.dossier_act(actor=desk.specialist, dossier_id=dossier.pk, action="tra_ket_qua")
    assert {a["code"] for a in not_now.value.details["allowed_actions"]} == {
        "trinh_phe_duyet", "yeu_cau_bo_sung", "yeu_cau_nghia_vu_tai_chinh", "xin_loi_gia_han"}
    assert Dossier.objects.get(pk=dossier.pk).event_seq == 2


def test_the_same_idempotency_key_acts_once(desk, clock):
    dossier, _ = counter_intake(desk)
    first = services.dossier_act(actor=desk.specialist, dossier_id=dossier.pk, action="trinh_phe_duyet",
                                 idempotency_key="k-1")
    again = services.dossier_act(actor=desk.specialist, dossier_id=dossier.pk, action="trinh_phe_duyet",
                                 idempotency_key="k-1")
    assert again.pk == first.pk
    assert DossierEvent.objects.filter(dossier=dossier).count() == 3
    with pytest.raises(Conflict):
        services.dossier_act(actor=desk.leader, dossier_id=dossier.pk, action="phe_duyet", idempotency_key="k-1")


def test_an_officer_acting_on_a_stale_view_gets_a_conflict(desk, clock):
    dossier, _ = counter_intake(desk)
    seen = dossier.event_seq
    services.dossier_act(actor=desk.specialist, dossier_id=dossier.pk, action="trinh_phe_duyet", expected_seq=seen)
    with pytest.raises(Conflict) as stale:
        services.dossier_act(actor=desk.specialist, dossier_id=dossier.pk, action="yeu_cau_bo_sung",
                             note="Thiếu", expected_seq=seen)
    assert stale.value.details["state"] == "cho_phe_duyet"


def test_the_same_intake_key_gives_one_dossier(desk, clock):
    first, created = counter_intake(desk, idempotency_key="quay-1")
    again, created_again = counter_intake(desk, idempotency_key="quay-1")
    assert (created, created_again, again.pk) == (True, False, first.pk)
    assert Dossier.objects.count() == 1


def test_daily_numbers_restart_each_day_per_agency(desk, clock):
    codes = [counter_intake(desk)[0].code for _ in range(2)]
    clock.set(10, 8)
    codes.append(counter_intake(desk)[0].code)
    assert codes == ["000.91.60.H61-260209-0001", "000.91.60.H61-260209-0002", "000.91.60.H61-260210-0001"]


def test_invalid_form_data_is_refused_field_by_field_and_nothing_is_kept(desk, clock):
    with pytest.raises(InvalidInput) as refused:
        services.dossier_intake(
            actor=desk.receiver, procedure_code="1.001193", receiving_agency=desk.commune, applicant=PARENT,
            source="counter", form_data={"ho_ten_tre": "B", "ngay_sinh": "31/02/2026", "gioi_tinh": "Khác"},
            accept=True)
    fields = {p["field"] for p in refused.value.details}
    assert {"form_data.ho_ten_tre", "form_data.ngay_sinh", "form_data.gioi_tinh"} <= fields
    assert all(p["message"] for p in refused.value.details)
    assert Dossier.objects.count() == 0


def test_a_failure_in_the_middle_of_intake_leaves_nothing_and_no_code_used(desk, clock, monkeypatch):
    from tinhso.dossiers import services as module

    def broken_outbox(dossier, event):  # the outbox write fails after the dossier rows exist
        raise RuntimeError("disk full")

    monkeypatch.setattr(module, "_outbox_message", broken_outbox)
    with pytest.raises(RuntimeError):
        counter_intake(desk)
    assert Dossier.objects.count() == 0
    assert DossierEvent.objects.count() == 0
    monkeypatch.undo()
    monkeypatch.setattr(timezone, "now", clock)
    dossier, _ = counter_intake(desk)
    assert dossier.code.endswith("-0001")  # the failed attempt's number was given back


def test_the_document_gate_wants_every_required_component(desk, clock):
    dossier, _ = counter_intake(desk, files=[TK])  # the birth certificate is missing
    with pytest.raises(InvalidInput) as gate:
        services.dossier_act(actor=desk.specialist, dossier_id=dossier.pk, action="trinh_phe_duyet")
    assert gate.value.code == "documents_missing"
    assert gate.value.details[0]["field"] == "components.GCS"


def test_a_dossier_keeps_the_version_it_was_received_under(desk, clock):
    from tinhso.catalog.models import ProcedureVersion, VersionStatus

    dossier, _ = counter_intake(desk)
    old = desk.birth
    new = ProcedureVersion.objects.create(
        procedure=old.procedure, number=2, status=VersionStatus.PUBLISHED, name=old.name,
        applicant_types=old.applicant_types, agency_levels=old.agency_levels, channels=old.channels,
        processing_amount="5", processing_unit="working_day", components=old.components,
        form_schema=old.form_schema, workflow=old.workflow)
    ProcedureVersion.objects.filter(pk=old.pk).update(status=VersionStatus.RETIRED)
    old.procedure.current_version = new
    old.procedure.save()
    dossier.refresh_from_db()
    assert dossier.procedure_version_id == old.pk
    later, _ = counter_intake(desk)
    assert later.procedure_version_id == new.pk
    assert later.due_at - later.accepted_at > dossier.due_at - dossier.accepted_at
