"""`manage.py generate_province --dossiers N [--months 12] [--end YYYY-MM-DD] [--seed S] [--report]`"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from tinhso.synthetic.services import GenerationInvalid, province_generate
from tinhso.synthetic.world import WorldInvalid


class Command(BaseCommand):
    help = ("Sinh dữ liệu tổng hợp của tỉnh: hồ sơ, quá trình xử lý, thanh toán, đánh giá, phản ánh. / "
            "Generate a synthetic province's dossiers with their history.")

    def add_arguments(self, parser):
        parser.add_argument("--dossiers", type=int, required=True, help="số hồ sơ / number of dossiers")
        parser.add_argument("--months", type=int, default=12, help="số tháng / months (default 12)")
        parser.add_argument("--end", type=dt.date.fromisoformat, default=None,
                            help="ngày cuối kỳ YYYY-MM-DD (mặc định hôm nay) / last day (default today)")
        parser.add_argument("--seed", type=int, default=766)
        parser.add_argument("--agencies", default="", help="mã cơ quan, cách nhau bởi dấu phẩy / agency codes")
        parser.add_argument("--province", default=None, help="mã tỉnh (mặc định TINHSO_PROVINCE)")
        parser.add_argument("--chunk", type=int, default=None, help="hồ sơ mỗi lần ghi / dossiers per write")
        parser.add_argument("--label", default="")
        parser.add_argument("--no-fk-checks", action="store_true",
                            help="PostgreSQL, siêu người dùng: nạp không qua trigger khóa ngoại từng dòng / "
                                 "superuser: load without per-row foreign-key triggers (as pg_restore)")
        parser.add_argument("--report", action="store_true",
                            help="in thời gian, số bản ghi, bộ nhớ / print time, rows, peak memory")

    def handle(self, *args, dossiers, months, end, seed, agencies, province, chunk, label, report, no_fk_checks,
               **options):
        verbosity = options.get("verbosity", 1)

        def progress(done: int, seconds: float) -> None:
            if verbosity > 1:
                self.stdout.write(f"  {done:,} hồ sơ / dossiers, {seconds:.0f} s ({done / seconds:,.0f}/s)")

        try:
            summary = province_generate(
                dossiers=dossiers, months=months, end=end, seed=seed, province_code=province,
                agencies=[c.strip() for c in agencies.split(",") if c.strip()] or None, chunk=chunk, label=label,
                fk_checks=not no_fk_checks, progress=progress)
        except (GenerationInvalid, WorldInvalid) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(
            f"Đã sinh {summary.dossiers:,} hồ sơ tổng hợp / generated {summary.dossiers:,} dossiers "
            f"({summary.seconds:.1f} s)."))
        if report:
            for line in summary.lines():
                self.stdout.write(line)
