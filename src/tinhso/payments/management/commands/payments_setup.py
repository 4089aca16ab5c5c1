"""Creates (once) the payment system's technical account with the integration role, so that a
confirmed payment moves a dossier past its financial-obligation step. Idempotent."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from tinhso.core.models import Agency, AgencyKind
from tinhso.core.selectors import deployment_province
from tinhso.payments.services import payment_system_account_ensure


class Command(BaseCommand):
    help = ("Tạo tài khoản kỹ thuật của hệ thống thanh toán (vai trò Hệ thống kết nối). / "
            "Create the payment system's technical account (integration role).")

    def add_arguments(self, parser):
        parser.add_argument("--agency", default="", help="Mã cơ quan (mặc định: UBND tỉnh). / Agency code "
                                                          "(default: the provincial People's Committee).")

    def handle(self, *args, agency: str, **options):
        if agency:
            target = Agency.objects.filter(code=agency).first()
        else:
            province = deployment_province()
            target = Agency.objects.filter(unit=province, kind=AgencyKind.PROVINCE_PEOPLES_COMMITTEE,
                                           valid_to__isnull=True).order_by("code").first() if province else None
        if target is None:
            raise CommandError("Không tìm thấy cơ quan. / Agency not found.")
        user = payment_system_account_ensure(agency=target)
        self.stdout.write(f"{user.username} — integration @ {target.code} {target.name}")
