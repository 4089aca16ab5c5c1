"""What the officer's dossier page shows of the notifications, and what is left of them after
the retention period."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from tinhso.dossiers import services
from tinhso.notifications.models import Notification, Status
from tinhso.notifications.selectors import dossier_notifications
from tinhso.notifications.services import notifications_dispatch

from accounts.totp import activate_totp

from .conftest import accepted_at_counter

pytestmark = pytest.mark.django_db


def test_officer_sees_channel_status_time_and_masked_recipient(desk, clock, sms, worker):
    dossier = accepted_at_counter(desk, applicant=services.Applicant(
        name="Phạm Văn Bàn", id_number="086085000124", phone="0123456789", email="ban.pham@example.vn"))
    notifications_dispatch()
    worker()
    rows = dossier_notifications(user=desk.specialist, dossier=dossier)
    assert [(r.channel, r.status, r.recipient) for r in rows] == [
        ("sms", Status.FAILED, "012****789"), ("email", Status.SENT, "b***@example.vn")]
    sms_row, email_row = rows
    assert (sms_row.kind_label, sms_row.channel_label, sms_row.status_label) == (
        "Tiếp nhận hồ sơ", "Tin nhắn SMS", "Không gửi được")
    assert sms_row.problem == "Số điện thoại không hợp lệ."
    assert email_row.sent_at == clock.now and email_row.problem == ""


def test_only_those_who_may_read_the_dossier(desk, clock):
    dossier = accepted_at_counter(desk)
    notifications_dispatch()
    assert dossier_notifications(user=desk.receiver, dossier=dossier)
    assert dossier_notifications(user=desk.other_receiver, dossier=dossier) == []


def test_retention_purge_keeps_the_fact_not_the_content(desk, clock, worker, settings):
    settings.TINHSO_NOTIFY_RETENTION_DAYS = 30
    dossier = accepted_at_counter(desk)
    notifications_dispatch()
    worker()
    clock.advance(days=29)
    call_command("notifications_purge", verbosity=0)
    assert Notification.objects.get(dossier=dossier).body            # still within the period
    clock.advance(days=2)
    call_command("notifications_purge", verbosity=0)
    n = Notification.objects.get(dossier=dossier)
    assert (n.recipient, n.subject, n.body, n.template_data) == ("d***@example.vn", "", "", {})
    assert n.status == Status.SENT and n.purged_at == clock.now
    [row] = dossier_notifications(user=desk.specialist, dossier=dossier)
    assert row.recipient == "d***@example.vn"


def test_a_message_still_queued_is_not_purged(desk, clock, sms, settings):
    dossier = accepted_at_counter(desk)
    notifications_dispatch()
    clock.advance(days=40)
    call_command("notifications_purge", verbosity=0)
    assert Notification.objects.get(dossier=dossier, channel="sms").body


def test_the_back_office_dossier_page_lists_the_messages_masked(desk, clock, sms, worker, client):
    dossier = accepted_at_counter(desk, applicant=services.Applicant(
        name="Phạm Văn Bàn", id_number="086085000124", phone="0912345678", email="ban.pham@example.vn"))
    notifications_dispatch()
    worker()
    activate_totp(desk.specialist)  # officials need their second factor for the back office
    client.force_login(desk.specialist)
    html = client.get(f"/mot-cua/ho-so/{dossier.code}/").content.decode()
    assert "Thông báo đã gửi cho công dân" in html and "Tiếp nhận hồ sơ" in html
    assert "b***@example.vn" in html
    assert "0912345678" not in html.split("Thông báo đã gửi cho công dân")[1]
