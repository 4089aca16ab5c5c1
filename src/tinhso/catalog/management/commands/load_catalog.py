"""Load, import or export the procedure catalogue.

    tinhso load_catalog --demo                 the demo workflows and procedures (TINHSO_PROVINCE)
    tinhso load_catalog --import danh-muc.xlsx the whole catalogue from a file (.json or .xlsx)
    tinhso load_catalog --export danh-muc.json the whole catalogue to a file (.json or .xlsx)

An import is all or nothing: on any problem nothing changes and every problem is printed.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tinhso.catalog.demo import catalog_load_demo
from tinhso.catalog.schemas import CatalogInvalid
from tinhso.catalog.services import (
    catalog_export_json,
    catalog_export_xlsx,
    catalog_import_json,
    catalog_import_xlsx,
)
from tinhso.catalog.workflow import DefinitionInvalid

SUFFIXES = (".json", ".xlsx")


class Command(BaseCommand):
    help = "Nạp, nhập hoặc xuất danh mục thủ tục hành chính. / Load, import or export the procedure catalogue."

    def add_arguments(self, parser):
        parser.add_argument("--demo", action="store_true",
                            help="Nạp danh mục trình diễn cho tỉnh triển khai. / Load the demo catalogue.")
        parser.add_argument("--province", default=None,
                            help="Mã tỉnh (mặc định TINHSO_PROVINCE). / Province code for --demo.")
        parser.add_argument("--import", dest="import_file", metavar="FILE",
                            help="Nhập cả danh mục từ tệp .json hoặc .xlsx. / Import from FILE.")
        parser.add_argument("--export", dest="export_file", metavar="FILE",
                            help="Xuất cả danh mục ra tệp .json hoặc .xlsx. / Export to FILE.")

    def handle(self, *args, demo: bool, province: str | None, import_file: str | None, export_file: str | None,
               **options):
        if not (demo or import_file or export_file):
            raise CommandError("Chọn --demo, --import hoặc --export. / Give --demo, --import or --export.")
        for name in (import_file, export_file):
            if name and Path(name).suffix.lower() not in SUFFIXES:
                raise CommandError(f"Tệp phải là .json hoặc .xlsx / FILE must be .json or .xlsx: {name}")
        try:
            if demo:
                self._counts(catalog_load_demo(province_code=province or settings.TINHSO_PROVINCE))
            if import_file:
                path = Path(import_file)
                if not path.is_file():
                    raise CommandError(f"Không có tệp / no such file: {path}")
                if path.suffix.lower() == ".json":
                    try:
                        data = json.loads(path.read_text(encoding="utf-8"))
                    except (UnicodeDecodeError, json.JSONDecodeError) as error:
                        raise CommandError(f"Tệp JSON không đọc được / unreadable JSON: {error}") from error
                    self._counts(catalog_import_json(data, actor=None))
                else:
                    with path.open("rb") as fileobj:
                        self._counts(catalog_import_xlsx(fileobj, actor=None))
        except (CatalogInvalid, DefinitionInvalid) as error:
            for problem in getattr(error, "problems", []):
                where = problem.get("field") or problem.get("path") or ""
                self.stderr.write(f"  {where}: {problem['message']}" if where and not problem.get("sheet")
                                  else f"  {problem['message']}")
            raise CommandError("Danh mục không hợp lệ; không có gì thay đổi. / Invalid catalogue; "
                               "nothing changed.") from error
        if export_file:
            path = Path(export_file)
            if path.suffix.lower() == ".json":
                path.write_text(json.dumps(catalog_export_json(), ensure_ascii=False, indent=1) + "\n",
                                encoding="utf-8")
            else:
                path.write_bytes(catalog_export_xlsx())
            self.stdout.write(f"Đã xuất / exported: {path}")

    def _counts(self, counts: dict[str, dict[str, int]]) -> None:
        for table, numbers in counts.items():
            self.stdout.write(f"{table}: " + ", ".join(f"{key} {value}" for key, value in numbers.items()))
