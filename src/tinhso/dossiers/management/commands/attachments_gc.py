"""Delete stored dossier files that no Attachment row references (left by rolled-back writes)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand

from tinhso.dossiers.attachments import attachment_delete_orphan, attachment_orphans


class Command(BaseCommand):
    help = ("Xóa các tệp hồ sơ không còn bản ghi nào tham chiếu, cũ hơn --older-than phút. "
            "/ Delete unreferenced dossier files older than --older-than minutes.")

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, default=60, metavar="PHÚT",
                            help="Chỉ xóa tệp ghi cách đây ít nhất chừng này phút (mặc định 60).")
        parser.add_argument("--dry-run", action="store_true", help="Chỉ liệt kê, không xóa. / List only.")

    def handle(self, *args, older_than: int, dry_run: bool, **options):
        age = dt.timedelta(minutes=max(older_than, 0))
        found = deleted = 0
        for path in list(attachment_orphans(older_than=age)):
            found += 1
            if dry_run:
                self.stdout.write(path)
            elif attachment_delete_orphan(path, older_than=age):
                deleted += 1
        if dry_run:
            self.stdout.write(f"{found} tệp không được tham chiếu (chưa xóa). "
                              f"/ {found} orphan files (dry run).")
        else:
            self.stdout.write(self.style.SUCCESS(
                f"Đã xóa {deleted}/{found} tệp không được tham chiếu. / Deleted {deleted} orphan files."))
