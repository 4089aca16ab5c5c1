"""Sets up the demo: schema and reference data, demo agencies of three provinces, demo accounts.

Idempotent: running it again changes nothing and prints the same accounts. Refuses to run
outside demo mode (TINHSO_DEMO=1), because it creates accounts with a published password.
"""

from __future__ import annotations

import io

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from tinhso.accounts.demo import DemoNotAllowed, demo_accounts_create, demo_enabled
from tinhso.catalog.demo import catalog_load_demo
from tinhso.core.units import agencies_load_demo
from tinhso.documents.keys import demo_keys_create
from tinhso.dossiers.demo import demo_dossiers_create
from tinhso.kpi.loading import kpi_load_demo
from tinhso.kpi.services import measurements_recompute
from tinhso.synthetic.services import province_generate_demo


class Command(BaseCommand):
    help = "Cài đặt dữ liệu trình diễn. / Set up the demo data."

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default="http://127.0.0.1:8000")

    def handle(self, *args, base_url: str, **options):
        if not demo_enabled():
            raise CommandError("Chỉ chạy được ở chế độ trình diễn (TINHSO_DEMO=1). / Demo mode only.")
        call_command("migrate", interactive=False, verbosity=0)
        agencies = agencies_load_demo()
        catalog = catalog_load_demo(province_code=settings.TINHSO_PROVINCE)
        try:
            accounts = demo_accounts_create(province_code=settings.TINHSO_PROVINCE)
        except DemoNotAllowed as error:
            raise CommandError(str(error)) from error
        dossiers = demo_dossiers_create()
        # The payment gateway stand-in confirms fees through the payment system's own account.
        call_command("payments_setup", stdout=io.StringIO())
        # Demo signing keys under a demo CA ("không dùng thật"), for the leaders' e-results.
        demo_keys_create()
        # The three seed plans with every target, and the indicator registry.
        kpi_load_demo()
        # A synthetic year of the province's dossiers (3,000 over 13 months), once, for the monitor.
        generated = province_generate_demo()
        if generated is not None:
            # The monitor's figures for the generated months (the scheduler then keeps them current).
            for year in range(generated.start.year, generated.end.year + 1):
                measurements_recompute(year=year)
        self.stdout.write(self.style.SUCCESS(f"tinhso — bản trình diễn / demo: {base_url}"))
        self.stdout.write(f"Cơ quan trình diễn / demo agencies: {agencies}")
        self.stdout.write(f"Thủ tục trình diễn / demo procedures: {catalog['procedures']}, "
                          f"phiên bản / versions: {catalog['versions']}")
        if dossiers:
            self.stdout.write(f"Hồ sơ trình diễn / demo dossiers: {dossiers}")
        if generated is not None:
            self.stdout.write(f"Hồ sơ tổng hợp cho giám sát / synthetic dossiers for the monitor: {generated.dossiers}")
        self.stdout.write("Tài khoản trình diễn / demo accounts:")
        self.stdout.write(
            "Cán bộ cần mã TOTP: thêm khóa TOTP vào ứng dụng xác thực, hoặc lấy mã hiện tại bằng\n"
            "  SECRET_KEY=$(cat var/secret_key) TINHSO_DEMO=1 .venv/bin/tinhso demo_totp <tên đăng nhập>"
        )
        width = max(len(a.username) for a in accounts)
        for account in accounts:
            where = f" — {account.role} @ {account.agency}" if account.role else ""
            line = f"  {account.username:<{width}}  mật khẩu: {account.password}  [{account.kind}] {account.full_name}{where}"
            if account.totp_secret:
                line += f"\n  {'':<{width}}  TOTP: {account.totp_secret}"
            self.stdout.write(line)

