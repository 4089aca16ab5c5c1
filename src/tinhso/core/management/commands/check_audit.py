from django.core.management.base import BaseCommand, CommandError

from tinhso.core.audit import audit_verify


class Command(BaseCommand):
    help = "Kiểm tra chuỗi băm của nhật ký kiểm toán. / Verify the audit log's hash chain."

    def handle(self, *args, **options):
        checked, broken = audit_verify()
        if broken is not None:
            raise CommandError(
                f"Nhật ký kiểm toán bị sửa đổi: bản ghi #{broken.seq} ({broken.reason}); "
                f"{checked} bản ghi trước đó hợp lệ. / Audit log tampered at entry #{broken.seq}."
            )
        self.stdout.write(self.style.SUCCESS(f"Nhật ký kiểm toán toàn vẹn: {checked} bản ghi. / Audit chain intact."))
