"""Forget the content of finished notifications older than TINHSO_NOTIFY_RETENTION_DAYS
(body and subject emptied, recipient masked). Run daily."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from tinhso.notifications.services import notifications_purge


class Command(BaseCommand):
    help = "Purge message bodies and recipients of old notifications (retention)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="override TINHSO_NOTIFY_RETENTION_DAYS")

    def handle(self, *args, days: int | None, **options):
        self.stdout.write(f"purged {notifications_purge(days=days)}")
