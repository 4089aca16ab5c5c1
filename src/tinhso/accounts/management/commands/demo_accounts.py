"""Create the demo accounts and print them (with each official's TOTP secret). Demo only."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from tinhso.accounts.demo import demo_accounts_create


class Command(BaseCommand):
    help = "Tạo tài khoản mẫu (chỉ khi TINHSO_DEMO=1) / Create the demo accounts (TINHSO_DEMO=1 only)."

    def add_arguments(self, parser):
        parser.add_argument("--province", default=settings.TINHSO_PROVINCE,
                            help="Mã GSO của tỉnh (mặc định TINHSO_PROVINCE).")

    def handle(self, *args, province, **options):
        try:
            accounts = demo_accounts_create(province_code=province)
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Mật khẩu chung của tài khoản mẫu / demo password: {accounts[0].password}")
        for account in accounts:
            where = f"{account.role} — {account.agency}" if account.agency else account.kind
            line = f"{account.username:<22} {account.full_name:<28} {where}"
            if account.totp_secret:
                line += (f"\n{'':<22} TOTP: {account.totp_secret}"
                         f"  (mã hiện tại: tinhso demo_totp {account.username})")
            self.stdout.write(line)
