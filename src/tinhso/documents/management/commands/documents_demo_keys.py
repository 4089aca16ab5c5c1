"""Demo signing keys: a root CA "tinhso demo CA — không dùng thật" and a certificate and PKCS#12
file per agency with a leader (or the agencies named with --agency). Demo mode only (TINHSO_DEMO=1):
the certificates are trusted only where TINHSO_TRUST_DEMO_CA is on. Idempotent."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from tinhso.accounts.demo import demo_enabled
from tinhso.core.models import Agency
from tinhso.documents.keys import DEMO_CA_NAME, demo_keys_create, signing_dir


class Command(BaseCommand):
    help = "Tạo khóa ký số trình diễn cho các cơ quan. / Create demo signing keys for the agencies."

    def add_arguments(self, parser):
        parser.add_argument("--agency", action="append", default=[], metavar="MÃ",
                            help="Mã định danh cơ quan (lặp lại được); mặc định: mọi cơ quan có lãnh đạo.")

    def handle(self, *args, agency: list[str], **options):
        if not demo_enabled():
            raise CommandError("Chỉ chạy được ở chế độ trình diễn (TINHSO_DEMO=1). / Demo mode only.")
        agencies = None
        if agency:
            agencies = list(Agency.objects.filter(code__in=agency))
            unknown = set(agency) - {a.code for a in agencies}
            if unknown:
                raise CommandError(f"Không có cơ quan mang mã / unknown agency code: {', '.join(sorted(unknown))}")
        created = demo_keys_create(agencies=agencies)
        self.stdout.write(f"{DEMO_CA_NAME}: {signing_dir() / 'demo-ca.pem'}")
        self.stdout.write(f"Khóa trình diễn mới / new demo keys: {len(created)}")
        for key in created:
            self.stdout.write(f"  {key.agency.code}  {key.agency.name}")
