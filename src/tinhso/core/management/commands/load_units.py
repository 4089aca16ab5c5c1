from django.core.management.base import BaseCommand

from tinhso.core.audit import audit_record
from tinhso.core.units import agencies_load_demo, units_load


class Command(BaseCommand):
    help = (
        "Nạp lại danh mục đơn vị hành chính và quan hệ kế thừa từ tệp dữ liệu (chạy lại không thay đổi gì). "
        "/ Upsert administrative units and lineage from core/data/ (idempotent)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--demo-agencies",
            action="store_true",
            help="Nạp cả cơ quan mẫu của ba tỉnh (mã định danh mẫu). / Also load the demo agencies.",
        )

    def handle(self, *args, **options):
        result = units_load()
        if options["demo_agencies"]:
            result["agencies"] = agencies_load_demo()
        if any(counts["created"] or counts["updated"] or counts["deleted"] for counts in result.values()):
            audit_record(action="core.units_load", object_type="core.AdministrativeUnit", data=result)
        for table, counts in result.items():
            self.stdout.write(
                f"{table}: {counts['created']} thêm mới / created, {counts['updated']} cập nhật / updated, "
                f"{counts['unchanged']} không đổi / unchanged, {counts['deleted']} xóa / deleted"
            )
