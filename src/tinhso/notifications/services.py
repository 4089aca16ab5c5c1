"""Writes of the notifications app: turning dossier events into messages, sending them, retrying,
and forgetting their content after the retention period.

Triggering without coupling: the dossiers app never calls this module. `notifications_scan`
reads `DossierEvent` rows after a stored cursor and writes one `Notification` per (event,
channel) the applicant can receive, unique on that pair, so a scan repeated over the same events
adds nothing. Sending is a background task (`tasks.notification_send`, the `django.tasks` API),
never part of a request or of a dossier transaction: a provider that is down leaves the dossier
as it is and the message queued, and a later pass sends it.

The cursor and late commits: event ids are handed out at insert but become visible at commit,
so an event can appear after one with a higher id. The cursor therefore only moves past events
older than `TINHSO_NOTIFY_SCAN_LAG_SECONDS`; younger ones are read again by the next scan and
skipped then because their notifications exist.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import quote

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from tinhso.catalog.workflow import Effect
from tinhso.dossiers.models import Dossier, DossierEvent
from tinhso.notifications import texts
from tinhso.notifications.channels import OutgoingMessage, RetryableError, SendError, enabled_channels
from tinhso.notifications.models import Channel, Cursor, Kind, Notification, Status
from tinhso.notifications.privacy import mask, redact

logger = logging.getLogger(__name__)

EVENTS_CURSOR = "dossier_events"

#: Which dossier events the applicant hears about (catalog.workflow.Effect).
EFFECT_KIND: dict[str, str] = {
    Effect.ACCEPT: Kind.ACCEPTED,
    Effect.SUPPLEMENT_REQUEST: Kind.SUPPLEMENT_REQUESTED,
    Effect.EXTEND: Kind.EXTENDED,
    Effect.RESULT_ISSUED: Kind.RESULT_READY,
    # A workflow may return the result without a separate "processed" step; after one, the
    # applicant has already been told the result is ready.
    Effect.RESULT_RETURNED: Kind.RESULT_READY,
    Effect.REFUSE: Kind.REFUSED,
}


# --- Scan: events → notifications ----------------------------------------------------------------

@dataclass
class ScanResult:
    created: list[int] = field(default_factory=list)
    events: int = 0
    cursor_from: int = 0
    cursor_to: int = 0


def _cursor_locked(name: str) -> Cursor:
    cursor = Cursor.objects.select_for_update().filter(name=name).first()
    if cursor is None:
        # Normally made by the migration at the then last event; if it was lost, start from
        # now rather than notify citizens about every past event again.
        last = DossierEvent.objects.aggregate(m=Max("id"))["m"] or 0
        try:
            with transaction.atomic():
                Cursor.objects.create(name=name, last_id=last)
        except IntegrityError:
            pass
        cursor = Cursor.objects.select_for_update().get(name=name)
    return cursor


def _parse_moment(value) -> dt.datetime | None:
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def tracking_url(code: str) -> str:
    return settings.TINHSO_NOTIFY_TRACKING_URL.format(code=quote(code, safe=""))


def _facts(event: DossierEvent, dossier: Dossier, kind: str) -> dict:
    if kind == Kind.ACCEPTED:
        due = _parse_moment(event.data.get("due_at")) or dossier.due_at
    elif kind == Kind.EXTENDED:
        due = _parse_moment(event.data.get("new_due_at")) or dossier.due_at
    else:
        due = dossier.due_at
    # Results are collected at the one-stop desk; other messages come from whoever acted.
    agency = dossier.receiving_agency if kind == Kind.RESULT_READY else (event.from_agency or dossier.receiving_agency)
    facts = {
        "code": dossier.code,
        "name": dossier.applicant_name,
        "procedure": dossier.procedure_version.name,
        "agency": agency.name,
        "due_at": texts.format_moment(due),
        "reason": event.note.strip(),
        "tracking_url": tracking_url(dossier.code),
    }
    if kind == Kind.REFUSED:
        accepted_before = dossier.accepted_at is not None and dossier.accepted_at <= event.at
        facts["refusal"] = texts.REFUSED_IN_PROCESSING if accepted_before else texts.REFUSED_AT_INTAKE
    return facts


def _recipients(dossier: Dossier) -> tuple[str, str]:
    """(phone, e-mail) to notify: those given with the dossier, else those of the account."""
    account = dossier.applicant
    phone = (dossier.applicant_phone or (account.phone if account else "") or "").strip()
    email = (dossier.applicant_email or (account.email if account else "") or "").strip()
    return phone, email


def notifications_scan(*, batch_size: int = 500, enqueue: bool = True) -> ScanResult:
    """Read the next batch of dossier events after the cursor and write their notifications.
    One transaction under the cursor's row lock (scans never overlap). The send tasks of the new
    notifications are enqueued after commit when `enqueue`."""
    now = timezone.now()
    channels = enabled_channels()
    zns_templates = settings.TINHSO_ZALO_ZNS_TEMPLATES or {}
    result = ScanResult()
    with transaction.atomic():
        cursor = _cursor_locked(EVENTS_CURSOR)
        result.cursor_from = cursor.last_id
        events = list(
            DossierEvent.objects.filter(id__gt=cursor.last_id, effect__in=list(EFFECT_KIND))
            .select_related("from_agency", "dossier__procedure_version", "dossier__receiving_agency",
                            "dossier__applicant")
            .defer("dossier__form_data").order_by("id")[:batch_size])
        result.events = len(events)
        ids = [e.id for e in events]
        existing = set(Notification.objects.filter(event_id__in=ids).values_list("event_id", "channel"))
        # Dossiers already told "result ready" by an earlier result_issued event: seq of the first.
        ready_told: dict[int, int] = {}
        for dossier_id, seq in DossierEvent.objects.filter(
                dossier_id__in=[e.dossier_id for e in events if e.effect == Effect.RESULT_RETURNED],
                effect=Effect.RESULT_ISSUED).values_list("dossier_id", "seq"):
            ready_told[dossier_id] = min(seq, ready_told.get(dossier_id, seq))
        rows: list[Notification] = []
        for event in events:
            kind = EFFECT_KIND[event.effect]
            if event.effect == Effect.RESULT_RETURNED and ready_told.get(event.dossier_id, event.seq) < event.seq:
                continue
            dossier = event.dossier
            phone, email = _recipients(dossier)
            wanted = []
            if phone:
                wanted.append((Channel.SMS, phone))
                if zns_templates.get(str(kind)):
                    wanted.append((Channel.ZALO, phone))
            if email:
                wanted.append((Channel.EMAIL, email))
            facts = None
            for channel, recipient in wanted:
                if channel not in channels or (event.id, channel) in existing:
                    continue
                facts = facts or _facts(event, dossier, kind)
                message = texts.render(kind, channel, facts)
                rows.append(Notification(
                    event=event, dossier_id=event.dossier_id, kind=kind, channel=channel, recipient=recipient,
                    subject=message.subject[:200], body=message.body, template_id=message.template_id,
                    template_data=message.template_data or {}, status=Status.QUEUED, next_attempt_at=now,
                    enqueued_at=now if enqueue else None, created_at=now))
        if rows:
            result.created = [n.pk for n in Notification.objects.bulk_create(rows)]
        # Move past every event older than the lag (and, after a full batch, not past it).
        settled = DossierEvent.objects.filter(
            id__gt=cursor.last_id, at__lt=now - dt.timedelta(seconds=settings.TINHSO_NOTIFY_SCAN_LAG_SECONDS))
        if len(events) == batch_size:
            settled = settled.filter(id__lte=events[-1].id)
        last = settled.aggregate(m=Max("id"))["m"]
        if last is not None and last > cursor.last_id:
            cursor.last_id = last
            cursor.save(update_fields=["last_id", "updated_at"])
        result.cursor_to = cursor.last_id
    if enqueue:
        _enqueue(result.created)
    return result


def _enqueue(ids: list[int]) -> int:
    """Put a send task on the queue for each id. A failure here loses nothing: the sweep
    re-enqueues a due message whose task has not run within the grace period."""
    from tinhso.notifications.tasks import notification_send

    done = 0
    for pk in ids:
        try:
            notification_send.enqueue(pk)
            done += 1
        except Exception as error:  # noqa: BLE001 - the task backend may be down; the sweep retries
            logger.warning("notifications: could not enqueue #%s (%s)", pk, error.__class__.__name__)
    return done


# --- Sending -------------------------------------------------------------------------------------

def retry_delay(attempts: int) -> dt.timedelta:
    """Exponential back-off after the `attempts`-th failed attempt: base, 2×base, 4×base…, capped."""
    seconds = settings.TINHSO_NOTIFY_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return dt.timedelta(seconds=min(seconds, settings.TINHSO_NOTIFY_RETRY_MAX_SECONDS))


def _lease() -> dt.timedelta:
    # Longer than any attempt can take (HTTP timeout); a worker that dies mid-attempt leaves the
    # message due again when the lease ends.
    return dt.timedelta(seconds=max(60.0, 3 * float(settings.TINHSO_NOTIFY_HTTP_TIMEOUT)))


def notification_deliver(*, notification_id: int) -> str:
    """Try to send one queued, due notification. Returns its status afterwards, or "skipped"
    when it was not ours to send (already sent, not due, or being sent by another worker).

    The claim is one UPDATE (status queued and due → attempts + 1, lease), so two workers never
    send the same message at once; the provider call happens outside any transaction."""
    now = timezone.now()
    claimed = Notification.objects.filter(
        pk=notification_id, status=Status.QUEUED, next_attempt_at__lte=now,
    ).update(attempts=F("attempts") + 1, next_attempt_at=now + _lease(), enqueued_at=None)
    if not claimed:
        return "skipped"
    n = Notification.objects.get(pk=notification_id)
    adapter = enabled_channels().get(n.channel)
    provider_id, error = "", None
    if adapter is None:
        error = RetryableError("channel not configured", code="channel_disabled")
    else:
        try:
            provider_id = adapter.send(OutgoingMessage(
                reference=n.reference.hex, recipient=n.recipient, subject=n.subject, body=n.body,
                template_id=n.template_id, template_data=n.template_data or {}))
        except SendError as failure:
            error = failure
        except Exception as failure:  # noqa: BLE001 - an adapter bug must not kill the worker
            logger.error("notifications: #%s %s adapter raised %s: %s", n.pk, n.channel,
                         failure.__class__.__name__, redact(str(failure)))
            error = RetryableError(f"unexpected {failure.__class__.__name__}", code="unexpected")
    done = timezone.now()
    mine = Notification.objects.filter(pk=n.pk, status=Status.QUEUED, attempts=n.attempts)
    who = mask(n.recipient)
    if error is None:
        mine.update(status=Status.SENT, sent_at=done, finished_at=done, next_attempt_at=None,
                    provider_message_id=provider_id[:100], error_code="", last_error="")
        logger.info("notifications: #%s %s %s sent to %s", n.pk, n.kind, n.channel, who)
        return Status.SENT
    text = str(error)[:500]
    if not error.retryable:
        mine.update(status=Status.FAILED, finished_at=done, next_attempt_at=None,
                    error_code=error.code[:40], last_error=text)
        logger.warning("notifications: #%s %s to %s failed for good: %s", n.pk, n.channel, who, text)
        return Status.FAILED
    if n.attempts >= settings.TINHSO_NOTIFY_MAX_ATTEMPTS:
        mine.update(status=Status.GAVE_UP, finished_at=done, next_attempt_at=None,
                    error_code=error.code[:40], last_error=text)
        logger.warning("notifications: #%s %s to %s given up after %s attempts: %s", n.pk, n.channel, who,
                       n.attempts, text)
        return Status.GAVE_UP
    retry_at = done + retry_delay(n.attempts)
    mine.update(next_attempt_at=retry_at, error_code=error.code[:40], last_error=text)
    logger.warning("notifications: #%s %s to %s will be retried at %s (attempt %s): %s", n.pk, n.channel,
                   who, timezone.localtime(retry_at).isoformat(timespec="seconds"), n.attempts, text)
    return Status.QUEUED


def _due(now: dt.datetime) -> Q:
    return Q(status=Status.QUEUED, next_attempt_at__lte=now)


def notifications_enqueue_due(*, limit: int = 1000) -> list[int]:
    """The sweep: enqueue a send task for each due message that has no task waiting (a retry
    whose time has come, or a message whose task was lost) — one whose last task was enqueued
    more than `TINHSO_NOTIFY_SWEEP_GRACE_SECONDS` ago counts as lost."""
    now = timezone.now()
    grace = now - dt.timedelta(seconds=settings.TINHSO_NOTIFY_SWEEP_GRACE_SECONDS)
    with transaction.atomic():
        ids = list(Notification.objects.filter(_due(now) & (Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=grace)))
                   .order_by("next_attempt_at", "id").values_list("pk", flat=True)[:limit])
        Notification.objects.filter(pk__in=ids).update(enqueued_at=now)
    _enqueue(ids)
    return ids


@dataclass
class DispatchResult:
    created: int = 0
    enqueued: int = 0
    delivered: Counter = field(default_factory=Counter)


def notifications_dispatch(*, inline: bool = False, batch_size: int = 500, max_batches: int = 20,
                           limit: int = 1000) -> DispatchResult:
    """One pass, for cron or a scheduled task: scan new events, then send what is due — by
    enqueueing send tasks for the worker, or with `inline` right here (a deployment without a
    worker process)."""
    result = DispatchResult()
    for _ in range(max_batches):
        scan = notifications_scan(batch_size=batch_size, enqueue=not inline)
        result.created += len(scan.created)
        result.enqueued += 0 if inline else len(scan.created)
        if scan.events < batch_size or scan.cursor_to == scan.cursor_from:
            break
    if inline:
        ids = list(Notification.objects.filter(_due(timezone.now())).order_by("next_attempt_at", "id")
                   .values_list("pk", flat=True)[:limit])
        for pk in ids:
            result.delivered[notification_deliver(notification_id=pk)] += 1
    else:
        result.enqueued += len(notifications_enqueue_due(limit=limit))
    return result


# --- Retention -----------------------------------------------------------------------------------

def notifications_purge(*, days: int | None = None, batch_size: int = 500) -> int:
    """Forget the content of finished messages older than `TINHSO_NOTIFY_RETENTION_DAYS`: the
    body, subject and template data are emptied and the recipient kept only masked, so the
    dossier page can still say "SMS sent to 091****678 on …". Returns the number purged."""
    days = settings.TINHSO_NOTIFY_RETENTION_DAYS if days is None else days
    cutoff = timezone.now() - dt.timedelta(days=days)
    purged = 0
    while True:
        batch = list(Notification.objects.filter(purged_at__isnull=True, created_at__lt=cutoff)
                     .exclude(status=Status.QUEUED).order_by("id")[:batch_size])
        if not batch:
            return purged
        now = timezone.now()
        for n in batch:
            n.recipient, n.subject, n.body, n.template_data, n.purged_at = mask(n.recipient), "", "", {}, now
        Notification.objects.bulk_update(batch, ["recipient", "subject", "body", "template_data", "purged_at"])
        purged += len(batch)
