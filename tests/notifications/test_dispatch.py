"""From a dossier step to a message at the provider: the scan reads the events, the worker sends
through the real HTTP stand-ins, and doing it again sends nothing twice."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from tinhso.dossiers import services
from tinhso.dossiers.models import DossierEvent
from tinhso.notifications.models import Cursor, Notification, Status
from tinhso.notifications.services import EVENTS_CURSOR, notifications_dispatch, notifications_scan

from .conftest import PARENT, VN, accepted_at_counter

pytestmark = pytest.mark.django_db

CODE = "000.91.60.H61-260209-0001"
TRACKING = f"https://dichvucong.example.vn/tra-cuu/?ma={CODE}"


def test_accepting_a_dossier_sends_one_sms_with_code_and_appointment(desk, clock, sms, worker):
    dossier = accepted_at_counter(desk)
    assert dossier.code == CODE

    call_command("notifications_dispatch", verbosity=0)
    assert sms.journal.items() == []          # enqueued, not sent inside the pass
    worker()

    [received] = sms.journal.items()
    assert received["phone"] == "0912345678"
    assert received["brandname"] == "UBND-TEST"
    assert received["content"] == (f"Ho so {CODE} da duoc tiep nhan. Hen tra ket qua: 12/02/2026 17:00. "
                                   f"Tra cuu: {TRACKING}")
    assert received["code_result"] == "100"
    notification = Notification.objects.get(dossier=dossier, channel="sms")
    assert (notification.status, notification.attempts, notification.kind) == (Status.SENT, 1, "accepted")
    assert notification.provider_message_id and notification.sent_at == clock.now
    assert received["request_id"] == notification.reference.hex


def test_running_the_dispatch_twice_sends_once(desk, clock, sms, worker):
    accepted_at_counter(desk)
    call_command("notifications_dispatch", verbosity=0)
    worker()
    call_command("notifications_dispatch", verbosity=0)
    worker()
    clock.advance(minutes=10)     # past the scan lag: the cursor moves on, still nothing new
    call_command("notifications_dispatch", verbosity=0)
    worker()
    assert len(sms.journal.items()) == 1
    assert Notification.objects.count() == 2    # one SMS, one e-mail
    assert len(mail.outbox) == 1


def test_the_cursor_moves_past_settled_events_only(desk, clock, settings):
    start = Cursor.objects.get(name=EVENTS_CURSOR).last_id
    accepted_at_counter(desk)
    first = notifications_scan()
    assert first.created and first.cursor_to == start   # the events are younger than the lag
    clock.advance(minutes=3)
    again = notifications_scan()
    assert again.created == []                          # read again, nothing written twice
    assert again.cursor_to == DossierEvent.objects.order_by("-id").first().id


def test_the_scan_reads_events_in_batches(desk, clock, settings):
    settings.TINHSO_NOTIFY_SCAN_LAG_SECONDS = 0
    for n in range(3):
        accepted_at_counter(desk, applicant=services.Applicant(
            name=f"Người nộp {n}", id_number=f"08608500012{n}", email=f"nguoi{n}@example.vn"))
    clock.advance(seconds=1)
    result = notifications_dispatch(batch_size=2)
    assert result.created == 3
    assert Notification.objects.filter(channel="email").count() == 3


def test_email_goes_through_djangos_backend(desk, clock, worker):
    accepted_at_counter(desk)
    notifications_dispatch()
    worker()
    [email] = mail.outbox
    assert email.to == ["dao.tran@example.vn"]
    assert email.subject == f"Hồ sơ {CODE} đã được tiếp nhận"
    assert "Ngày hẹn trả kết quả: 12/02/2026 17:00" in email.body
    assert Notification.objects.get(channel="email").provider_message_id == email.extra_headers["Message-ID"]


def test_zalo_zns_request_in_zalos_shape(desk, clock, sms, zalo, worker):
    dossier = accepted_at_counter(desk)
    notifications_dispatch()
    worker()
    [received] = zalo.journal.items()
    assert received["phone"] == "84912345678"
    assert received["template_id"] == "100001"
    assert received["template_data"] == {"customer_name": "Trần Thị Hồng Đào", "dossier_code": CODE,
                                         "procedure_name": "Đăng ký khai sinh", "due_date": "12/02/2026 17:00"}
    notification = Notification.objects.get(dossier=dossier, channel="zalo")
    assert received["tracking_id"] == notification.reference.hex
    assert (notification.status, notification.provider_message_id) == (Status.SENT, received["msg_id"])
    assert len(sms.accepted()) == 1


def test_each_step_the_applicant_must_know_about(desk, clock, sms, worker):
    dossier = accepted_at_counter(desk)
    clock.advance(hours=1)
    services.dossier_act(actor=desk.specialist, dossier_id=dossier.pk, action="yeu_cau_bo_sung",
                         note="Bổ sung bản chính Giấy chứng sinh.")
    clock.advance(hours=1)
    services.dossier_act(actor=desk.receiver, dossier_id=dossier.pk, action="nhan_bo_sung", note="Đã nộp.")
    services.dossier_act(actor=desk.leader, dossier_id=dossier.pk, action="xin_loi_gia_han",
                         note="Cần xác minh tại nơi sinh.",
                         data={"new_due_at": dt.datetime(2026, 2, 19, 17, 0, tzinfo=VN).isoformat()})
    services.dossier_act(actor=desk.specialist, dossier_id=dossier.pk, action="trinh_phe_duyet")
    services.dossier_act(actor=desk.leader, dossier_id=dossier.pk, action="phe_duyet")
    services.dossier_act(actor=desk.clerk, dossier_id=dossier.pk, action="tra_ket_qua")

    notifications_dispatch()
    worker()
    texts = sorted(r["content"] for r in sms.accepted())
    assert texts == sorted([
        f"Ho so {CODE} da duoc tiep nhan. Hen tra ket qua: 12/02/2026 17:00. Tra cuu: {TRACKING}",
        f"Ho so {CODE} can bo sung: Bo sung ban chinh Giay chung sinh. Chi tiet: {TRACKING}",
        f"Xin loi Ong/Ba: ho so {CODE} chua tra ket qua dung hen. Hen lai: 19/02/2026 17:00. Tra cuu: {TRACKING}",
        f"Ho so {CODE} da co ket qua. Moi Ong/Ba nhan ket qua. Tra cuu: {TRACKING}",
    ])  # the hand-over to the clerk and the return itself are not messages
    assert set(Notification.objects.filter(channel="sms").values_list("kind", flat=True)) == {
        "accepted", "supplement_requested", "extended", "result_ready"}


def test_refusal_at_the_counter(desk, clock, sms, worker):
    dossier, _ = services.dossier_intake(
        actor=desk.receiver, procedure_code="1.001193", receiving_agency=desk.commune, applicant=PARENT,
        source="counter", form_data={"ho_ten_tre": "Nguyễn Văn Bình", "ngay_sinh": "2026-02-01",
                                     "gioi_tinh": "Nam"})
    services.dossier_act(actor=desk.receiver, dossier_id=dossier.pk, action="tu_choi_tiep_nhan",
                         note="Không thuộc thẩm quyền của xã.")
    notifications_dispatch()
    worker()
    [received] = sms.accepted()
    assert received["content"] == (f"Ho so {dossier.code} khong duoc tiep nhan. "
                                   "Ly do: Khong thuoc tham quyen cua xa.")


def test_no_contact_no_message(desk, clock, sms):
    accepted_at_counter(desk, applicant=services.Applicant(name="Lê Văn Không Liên Lạc", id_number="086085000199"))
    result = notifications_dispatch()
    assert result.created == 0 and not Notification.objects.exists()


def test_disabled_channel_is_skipped_with_a_warning(desk, clock, caplog, settings):
    from tinhso.notifications import channels

    channels._warned.clear()
    accepted_at_counter(desk)
    notifications_dispatch()
    assert list(Notification.objects.values_list("channel", flat=True)) == ["email"]
    assert "channel sms is disabled, not configured: TINHSO_SMS_URL" in caplog.text


def test_the_worker_runs_the_queued_send_tasks(desk, clock, sms, worker):
    accepted_at_counter(desk)
    notifications_dispatch()
    tasks = DBTaskResult.objects.filter(task_path="tinhso.notifications.tasks.notification_send")
    assert tasks.count() == 2 and all(t.status == "READY" for t in tasks)
    worker()
    assert all(t.status == "SUCCESSFUL" for t in tasks.all())
