"""Load the indicator registry (and with --demo the three seed plans) from kpi/data/.

    tinhso load_kpi           the indicators of kpi/data/indicators/*.json (idempotent)
    tinhso load_kpi --demo    also the plans of kpi/data/plans/*.json with their targets

All or nothing: on any problem nothing changes and every problem is printed with its file and field.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from tinhso.kpi.loading import kpi_load
from tinhso.kpi.schemas import KpiDataInvalid


class Command(BaseCommand):
    help = ("Nạp danh mục chỉ tiêu (và với --demo, các kế hoạch mẫu) từ tệp dữ liệu. "
            "/ Load the indicator registry (and with --demo the demo plans).")

    def add_arguments(self, parser):
        parser.add_argument("--demo", action="store_true",
                            help="Nạp cả ba kế hoạch mẫu (Bến Tre, Bình Định, Đồng Tháp). / Also load the demo plans.")

    def handle(self, *args, demo: bool, **options):
        try:
            result = kpi_load(demo=demo)
        except KpiDataInvalid as error:
            for problem in error.problems:
                self.stderr.write(f"  {problem['file']}: {problem['field'] or '-'}: {problem['message']}")
            raise CommandError("Dữ liệu chỉ tiêu không hợp lệ; không có gì thay đổi. / Invalid KPI data; "
                               "nothing changed.") from error
        for table, counts in result.items():
            self.stdout.write(f"{table}: " + ", ".join(f"{key} {value}" for key, value in counts.items()))
