from django.core.management.base import BaseCommand

from tinhso.core.audit import audit_record
from tinhso.core.calendar import OFFICIAL_DAYS_FILE, calendar_load_official_days


class Command(BaseCommand):
    help = (
        "Nạp các ngày nghỉ lễ, Tết, hoán đổi, làm bù do Chính phủ quyết định từ core/data/calendar_official.json "
        "(chạy lại không thay đổi gì). / Load the official nationwide days off and make-up days (idempotent)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--update", action="store_true",
            help="Ghi đè dòng toàn quốc đã bị sửa bằng nội dung trong tệp. / Overwrite nationwide rows that differ.",
        )
        parser.add_argument("--file", default=str(OFFICIAL_DAYS_FILE), help="Tệp JSON / JSON file")

    def handle(self, *args, **options):
        from pathlib import Path

        result = calendar_load_official_days(update=options["update"], path=Path(options["file"]))
        if result["created"] or result["updated"]:
            audit_record(action="calendar_day.load", object_type="calendar_day", data=result)
        self.stdout.write(
            f"{result['created']} thêm mới / created, {result['updated']} cập nhật / updated, "
            f"{result['unchanged']} không đổi / unchanged, {result['kept']} giữ bản đã sửa / kept (edited)"
        )
