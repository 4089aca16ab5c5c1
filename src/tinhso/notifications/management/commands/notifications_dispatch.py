"""One pass of the notifications: scan new dossier events, then enqueue (or, with --inline, send)
every message that is due. Safe to run every minute from cron; passes never overlap on the scan
(row lock on the cursor) and a message is never sent twice at once (claimed by one UPDATE)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from tinhso.notifications.services import notifications_dispatch


class Command(BaseCommand):
    help = "Scan dossier events for notifications and send or enqueue those due (one pass)."

    def add_arguments(self, parser):
        parser.add_argument("--inline", action="store_true",
                            help="send due messages in this process instead of enqueueing tasks for the worker")
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument("--limit", type=int, default=1000, help="most messages sent or enqueued in one pass")

    def handle(self, *args, inline: bool, batch_size: int, limit: int, **options):
        result = notifications_dispatch(inline=inline, batch_size=batch_size, limit=limit)
        delivered = ", ".join(f"{status} {count}" for status, count in sorted(result.delivered.items()))
        self.stdout.write(f"created {result.created}, enqueued {result.enqueued}"
                          + (f", delivered: {delivered}" if inline else ""))
