"""Background tasks (`django.tasks`, run by `tinhso worker`). Sending never happens inside a
request: the scan enqueues `notification_send` per message; `notifications_dispatch_task` is the
periodic pass (scan + sweep) for a scheduler, the same as the `notifications_dispatch` command."""

from __future__ import annotations

from crontask import cron
from django.tasks import task

from tinhso.notifications import services


@task
def notification_send(notification_id: int) -> str:
    return services.notification_deliver(notification_id=notification_id)


# Schedules run by `tinhso scheduler` (django-crontask), which enqueues them for `tinhso worker`.
@cron("* * * * *")
@task
def notifications_dispatch_task() -> dict:
    result = services.notifications_dispatch()
    return {"created": result.created, "enqueued": result.enqueued}


@cron("30 2 * * *")
@task
def notifications_purge_task() -> int:
    return services.notifications_purge()
