"""Recompute the Decision 766 measurements (kpi/engine).

    tinhso kpi_recompute                       the current year, the deployment's 766 version
    tinhso kpi_recompute --year 2025 --year 2026 --set 766-2022
    tinhso kpi_recompute --scope province --scope commune
    tinhso kpi_recompute --incremental         only what the dossier events since the last run touched

Idempotent: a second run writes nothing. Prints, per year, the cells counted, the rows produced,
written and removed, and the seconds of each stage.
"""

from __future__ import annotations

import resource

from django.core.management.base import BaseCommand, CommandError

from tinhso.kpi import services
from tinhso.kpi.engine.places import LEVELS
from tinhso.kpi.models import Indicator
from tinhso.kpi.periods import vn_today


class Command(BaseCommand):
    help = ("Tính lại các chỉ số Quyết định 766 từ dữ liệu hồ sơ. / Recompute the Decision 766 measurements.")

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, action="append",
                            help="Năm cần tính (lặp lại được); mặc định năm nay. / Year (repeatable).")
        parser.add_argument("--set", dest="versions", action="append",
                            help="Phiên bản bộ chỉ số, ví dụ 766-dvcqg-2025 (lặp lại được). / Version.")
        parser.add_argument("--scope", action="append", choices=LEVELS,
                            help="Chỉ tính phạm vi này (lặp lại được). / Only these scope levels.")
        parser.add_argument("--incremental", action="store_true",
                            help="Chỉ cập nhật theo các sự kiện mới. / Apply new events only.")

    def handle(self, *args, year, versions, scope, incremental, **options):
        version = versions
        known = set(Indicator.objects.filter(code__startswith="766.").values_list("version", flat=True))
        for name in version or []:
            if name not in known:
                raise CommandError(f"Không có phiên bản “{name}”; có: {', '.join(sorted(known))}. / Unknown version.")
        if incremental:
            for name in version or [None]:
                result = services.measurements_update(version=name)
                self.stdout.write(f"cập nhật / update: {result.dossiers} hồ sơ, {result.cells} ô, {result.scopes} "
                                  f"phạm vi, {result.written} dòng ghi" + (" (tính lại toàn bộ năm)"
                                                                           if result.bootstrapped else ""))
            return
        for one_year in year or [vn_today().year]:
            for name in version or [None]:
                result = services.measurements_recompute(year=one_year, version=name, scopes=scope)
                seconds = ", ".join(f"{stage} {value:.2f}s" for stage, value in result.seconds.items())
                self.stdout.write(f"{result.year} {result.version}: {result.cells} ô, {result.rows} dòng, "
                                  f"{result.written} ghi, {result.deleted} xóa ({seconds})")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        self.stdout.write(f"bộ nhớ cao nhất / peak memory: {peak / 1024:.0f} MB")
