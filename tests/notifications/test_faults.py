"""Faults: a provider down, slow or unreachable is retried later with back-off and the dossier is
not touched; a message the provider refuses for good is not retried; a lost task is re-enqueued;
personal data stays out of the logs."""

from __future__ import annotations

import datetime as dt
import socket

import pytest
from django.core import mail
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from tinhso.dossiers import services
from tinhso.dossiers.models import DossierEvent
from tinhso.notifications.models import Notification, Status
from tinhso.notifications.services import notifications_dispatch

from .conftest import PARENT, accepted_at_counter, dossier_state

pytestmark = pytest.mark.django_db


def sms_of(dossier) -> Notification:
    return Notification.objects.get(dossier=dossier, channel="sms")


def test_provider_down_then_back(desk, clock, sms, worker, caplog):
    dossier = accepted_at_counter(desk)
    before, events_before = dossier_state(dossier), DossierEvent.objects.filter(dossier=dossier).count()
    sms.app.set_mode("down")

    notifications_dispatch()
    worker()
    n = sms_of(dossier)
    assert (n.status, n.attempts) == (Status.QUEUED, 1)
    assert n.next_attempt_at == clock.now + dt.timedelta(seconds=60)
    assert n.error_code == "http_503" and "HTTP 503" in n.last_error
    assert len(mail.outbox) == 1                       # the e-mail did not wait for the SMS provider
    # The dossier is exactly as it was, and work on it goes on.
    assert dossier_state(dossier) == before
    assert DossierEvent.objects.filter(dossier=dossier).count() == events_before
    services.dossier_act(actor=desk.specialist, dossier_id=dossier.pk, action="trinh_phe_duyet")

    # Not due yet: the next pass leaves it alone.
    clock.advance(seconds=30)
    notifications_dispatch()
    worker()
    assert sms_of(dossier).attempts == 1

    sms.app.set_mode("off")
    clock.advance(seconds=31)
    notifications_dispatch()
    worker()
    n = sms_of(dossier)
    assert (n.status, n.attempts, n.error_code) == (Status.SENT, 2, "")
    [received] = sms.accepted()
    assert received["phone"] == "0912345678" and "da duoc tiep nhan" in received["content"]
    assert "0912345678" not in caplog.text and "091****678" in caplog.text


def test_back_off_doubles_and_then_gives_up(desk, clock, sms, worker, settings):
    settings.TINHSO_NOTIFY_MAX_ATTEMPTS = 3
    dossier = accepted_at_counter(desk)
    sms.app.set_mode("down")
    waits = []
    for _ in range(3):
        notifications_dispatch()
        worker()
        n = sms_of(dossier)
        if n.status == Status.QUEUED:
            waits.append((n.next_attempt_at - clock.now).total_seconds())
            clock.advance(seconds=waits[-1])
    assert waits == [60, 120]
    n = sms_of(dossier)
    assert (n.status, n.attempts, n.next_attempt_at) == (Status.GAVE_UP, 3, None)
    clock.advance(hours=6)
    sms.app.set_mode("off")
    notifications_dispatch()
    worker()
    assert sms_of(dossier).attempts == 3 and sms.accepted() == []


def test_closed_port_is_a_retryable_network_error(desk, clock, settings, worker):
    with socket.socket() as probe:          # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.TINHSO_SMS_URL = f"http://127.0.0.1:{port}/MainService.svc/json/SendMultipleMessage_V4_post_json/"
    settings.TINHSO_SMS_API_KEY, settings.TINHSO_SMS_SECRET_KEY, settings.TINHSO_SMS_BRANDNAME = "k", "s", "B"
    dossier = accepted_at_counter(desk)
    notifications_dispatch()
    worker()
    n = sms_of(dossier)
    assert (n.status, n.attempts, n.error_code) == (Status.QUEUED, 1, "network")


def test_a_slow_provider_times_out_and_is_retried(desk, clock, sms, worker, settings):
    settings.TINHSO_NOTIFY_HTTP_TIMEOUT = 0.5
    dossier = accepted_at_counter(desk)
    sms.app.set_mode("slow")
    notifications_dispatch()
    worker()
    n = sms_of(dossier)
    assert (n.status, n.attempts, n.error_code) == (Status.QUEUED, 1, "network")
    assert "timed out" in n.last_error


def test_number_outside_the_mobile_ranges_is_refused_for_good(desk, clock, sms, worker):
    """Ten digits, so well-formed, but 012x is no mobile range since the 2018 renumbering: eSMS
    answers 108 "phone number not in a correct format" and the message is not retried."""
    dossier = accepted_at_counter(desk, applicant=services.Applicant(
        name="Phạm Văn Bàn", id_number="086085000124", phone="0123 456 789"))
    notifications_dispatch()
    worker()
    n = sms_of(dossier)
    assert (n.status, n.attempts, n.error_code) == (Status.FAILED, 1, "esms_108")
    assert n.next_attempt_at is None
    clock.advance(days=1)
    notifications_dispatch()
    worker()
    assert sms_of(dossier).attempts == 1
    assert [r["code_result"] for r in sms.journal.items()] == ["108"]


def test_malformed_number_never_reaches_the_provider(desk, clock, sms, worker):
    dossier = accepted_at_counter(desk, applicant=services.Applicant(
        name="Phạm Văn Số Sai", id_number="086085000125", phone="12345"))
    notifications_dispatch()
    worker()
    assert (sms_of(dossier).status, sms_of(dossier).error_code) == (Status.FAILED, "invalid_phone")
    assert sms.journal.items() == []


def test_no_zalo_account_fails_zalo_only(desk, clock, sms, zalo, worker):
    dossier = accepted_at_counter(desk, applicant=services.Applicant(
        name="Võ Thị Không Zalo", id_number="086085000126", phone="0987000111"))
    notifications_dispatch()
    worker()
    by_channel = dict(Notification.objects.filter(dossier=dossier).values_list("channel", "status"))
    assert by_channel == {"sms": Status.SENT, "zalo": Status.FAILED}
    assert Notification.objects.get(dossier=dossier, channel="zalo").error_code == "zns_-118"


def test_wrong_zalo_token_waits_for_the_operator(desk, clock, zalo, worker, settings):
    """-124 "access token invalid" is the Official Account's problem, not the message's."""
    settings.TINHSO_ZALO_ACCESS_TOKEN = "het-han"
    dossier = accepted_at_counter(desk)
    notifications_dispatch()
    worker()
    n = Notification.objects.get(dossier=dossier, channel="zalo")
    assert (n.status, n.error_code) == (Status.QUEUED, "zns_-124")
    settings.TINHSO_ZALO_ACCESS_TOKEN = "ma-truy-cap-thu"
    clock.advance(minutes=1)
    notifications_dispatch()
    worker()
    assert Notification.objects.get(pk=n.pk).status == Status.SENT


def test_a_lost_send_task_is_enqueued_again_by_the_sweep(desk, clock, sms, worker):
    dossier = accepted_at_counter(desk)
    notifications_dispatch()
    DBTaskResult.objects.all().delete()      # the queue lost the tasks (e.g. pruned, or a crash)
    clock.advance(minutes=1)
    notifications_dispatch()
    worker()
    assert sms.accepted() == []              # within the grace period the task is still awaited
    clock.advance(minutes=5)
    notifications_dispatch()
    worker()
    assert sms_of(dossier).status == Status.SENT and len(sms.accepted()) == 1


def test_inline_pass_sends_without_a_worker(desk, clock, sms):
    dossier = accepted_at_counter(desk)
    call_command("notifications_dispatch", "--inline", verbosity=0)
    assert sms_of(dossier).status == Status.SENT
    assert len(sms.accepted()) == 1 and len(mail.outbox) == 1


def test_a_message_is_claimed_by_one_sender_only(desk, clock, sms):
    from tinhso.notifications.services import notification_deliver

    dossier = accepted_at_counter(desk)
    notifications_dispatch(inline=False)
    pk = sms_of(dossier).pk
    assert notification_deliver(notification_id=pk) == Status.SENT
    assert notification_deliver(notification_id=pk) == "skipped"
    assert len(sms.accepted()) == 1


def test_provider_error_texts_are_stored_without_the_number():
    from tinhso.notifications.channels import SendError

    assert "0912345678" not in str(SendError("Phone 0912345678 blocked; mail dao.tran@example.vn"))
    assert "dao.tran@example.vn" not in str(SendError("mail dao.tran@example.vn refused"))


def test_the_applicant_facts_stay_out_of_the_log(desk, clock, sms, worker, caplog):
    caplog.set_level("INFO", logger="tinhso.notifications")
    accepted_at_counter(desk, applicant=PARENT)
    notifications_dispatch()
    worker()
    assert "sent to 091****678" in caplog.text and "sent to d***@example.vn" in caplog.text
    assert "0912345678" not in caplog.text and "dao.tran@example.vn" not in caplog.text
