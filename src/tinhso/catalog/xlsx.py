"""The catalogue as a spreadsheet (openpyxl), for officials who edit it in Excel or LibreOffice.

Sheets: “Thủ tục” (one row per procedure and its version in force), “Thành phần hồ sơ” and “Phí, lệ
phí” (one row per item, keyed by the procedure code), “Lĩnh vực” and “Quy trình” (workflow
definitions as JSON, so that a spreadsheet alone can rebuild an empty catalogue). Lists are
readable text, one item per line (labels or codes are both accepted back); the form, its hints and
the results are JSON cells.

`xlsx_to_catalog` turns a workbook into the document `catalog_import_json` takes, and remembers
where every value came from, so that a problem found later is reported by sheet, row and column.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from tinhso.catalog.models import AgencyLevel, ApplicantType, Channel, ServiceLevel
from tinhso.catalog.schemas import CatalogInvalid
from tinhso.core.calendar import DeadlineUnit
from tinhso.core.text import fold

FIELDS_SHEET = gettext_lazy("Lĩnh vực")
WORKFLOWS_SHEET = gettext_lazy("Quy trình")
PROCEDURES_SHEET = gettext_lazy("Thủ tục")
COMPONENTS_SHEET = gettext_lazy("Thành phần hồ sơ")
FEES_SHEET = gettext_lazy("Phí, lệ phí")

FIELD_COLUMNS = [("code", gettext_lazy("Mã lĩnh vực")), ("name", gettext_lazy("Tên lĩnh vực"))]
WORKFLOW_COLUMNS = [
    ("code", gettext_lazy("Mã quy trình")), ("version", gettext_lazy("Phiên bản")),
    ("name", gettext_lazy("Tên quy trình")), ("definition", gettext_lazy("Định nghĩa (JSON)")),
]
PROCEDURE_COLUMNS = [
    ("code", gettext_lazy("Mã thủ tục")),
    ("name", gettext_lazy("Tên thủ tục")),
    ("field", gettext_lazy("Mã lĩnh vực")),
    ("is_active", gettext_lazy("Đang áp dụng")),
    ("number", gettext_lazy("Phiên bản")),
    ("version_name", gettext_lazy("Tên thủ tục trong phiên bản")),
    ("applicant_types", gettext_lazy("Đối tượng thực hiện")),
    ("agency_levels", gettext_lazy("Cấp thực hiện")),
    ("channels", gettext_lazy("Cách thức thực hiện")),
    ("processing_amount", gettext_lazy("Thời hạn giải quyết")),
    ("processing_unit", gettext_lazy("Đơn vị thời hạn")),
    ("service_level", gettext_lazy("Mức độ dịch vụ công trực tuyến")),
    ("eligible_full", gettext_lazy("Đủ điều kiện toàn trình")),
    ("requires_presence", gettext_lazy("Phải có mặt hoặc kiểm tra thực địa")),
    ("effective_from", gettext_lazy("Áp dụng từ")),
    ("workflow_code", gettext_lazy("Mã quy trình")),
    ("workflow_version", gettext_lazy("Phiên bản quy trình")),
    ("requirements", gettext_lazy("Yêu cầu, điều kiện")),
    ("legal_basis", gettext_lazy("Căn cứ pháp lý (mỗi dòng một văn bản)")),
    ("results", gettext_lazy("Kết quả thực hiện (JSON)")),
    ("agencies", gettext_lazy("Cơ quan giải quyết (mã định danh, mỗi dòng một mã)")),
    ("form_schema", gettext_lazy("Biểu mẫu (JSON Schema 2020-12)")),
    ("form_ui", gettext_lazy("Gợi ý hiển thị biểu mẫu (JSON)")),
]
COMPONENT_COLUMNS = [
    ("procedure", gettext_lazy("Mã thủ tục")), ("code", gettext_lazy("Mã thành phần")),
    ("name", gettext_lazy("Tên thành phần hồ sơ")), ("originals", gettext_lazy("Số bản chính")),
    ("copies", gettext_lazy("Số bản sao")), ("required", gettext_lazy("Bắt buộc")),
    ("reusable_result", gettext_lazy("Dùng lại kết quả điện tử")), ("note", gettext_lazy("Ghi chú")),
]
FEE_COLUMNS = [
    ("procedure", gettext_lazy("Mã thủ tục")), ("code", gettext_lazy("Mã")), ("name", gettext_lazy("Tên phí, lệ phí")),
    ("kind", gettext_lazy("Loại (Phí / Lệ phí)")), ("amount", gettext_lazy("Số tiền (đồng)")),
    ("note", gettext_lazy("Ghi chú")),
]
#: Version keys that are columns of the procedure sheet under another name.
VERSION_COLUMN_OF = {"name": "version_name", "workflow": "workflow_code"}
VERSION_KEYS = ("number", "version_name", "applicant_types", "agency_levels", "channels", "processing_amount",
                "processing_unit", "service_level", "eligible_full", "requires_presence", "effective_from",
                "workflow_code", "workflow_version", "requirements", "legal_basis", "results", "form_schema",
                "form_ui")
LIST_CHOICES = {
    "applicant_types": ApplicantType,
    "agency_levels": AgencyLevel,
    "channels": Channel,
}
ONE_CHOICE = {"processing_unit": DeadlineUnit, "service_level": ServiceLevel}
FEE_KINDS = {"fee": gettext_lazy("Phí"), "charge": gettext_lazy("Lệ phí")}
YES, NO = gettext_lazy("Có"), gettext_lazy("Không")
WIDE = {"name": 50, "version_name": 50, "requirements": 50, "legal_basis": 60, "form_schema": 80,
        "form_ui": 50, "results": 50, "definition": 100, "agencies": 22, "note": 40}


# --- Writing ------------------------------------------------------------------------------------


def _lines(values) -> str:
    return "\n".join(str(v) for v in values)


def _json_cell(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _labels(choices, values) -> str:
    labels = dict(choices.choices)
    return _lines(str(labels.get(v, v)) for v in values)


def _yes_no(value: bool) -> str:
    return str(YES if value else NO)


def _sheet(book: Workbook, title, columns, rows: list[list[Any]]) -> None:
    sheet = book.create_sheet(str(title))
    sheet.append([str(label) for _key, label in columns])
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        sheet.append(row)
    for index, (key, label) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = WIDE.get(key, max(12, min(30, len(str(label)))))
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                cell.alignment = wrap
                if cell.value.startswith("="):
                    cell.data_type = "s"  # text, never a formula
    sheet.freeze_panes = "B2"


def catalog_to_xlsx(doc: dict[str, Any]) -> bytes:
    """The document of `catalog_export_json` as an xlsx workbook."""
    book = Workbook()
    book.remove(book.active)
    procedures, components, fees = [], [], []
    for item in doc["procedures"]:
        version = item.get("current_version")
        row = {"code": item["code"], "name": item["name"], "field": item["field"],
               "is_active": _yes_no(item["is_active"]), "agencies": _lines(item.get("agencies") or [])}
        if version:
            effective = version.get("effective_from")
            row |= {
                "number": version["number"],
                "version_name": version["name"],
                "applicant_types": _labels(ApplicantType, version["applicant_types"]),
                "agency_levels": _labels(AgencyLevel, version["agency_levels"]),
                "channels": _labels(Channel, version["channels"]),
                "processing_amount": version["processing_amount"],
                "processing_unit": str(dict(DeadlineUnit.choices)[version["processing_unit"]]),
                "service_level": str(dict(ServiceLevel.choices)[version["service_level"]]),
                "eligible_full": _yes_no(version["eligible_full"]),
                "requires_presence": _yes_no(version["requires_presence"]),
                "effective_from": dt.date.fromisoformat(effective) if effective else None,
                "workflow_code": version["workflow"]["code"],
                "workflow_version": version["workflow"]["version"],
                "requirements": version["requirements"],
                "legal_basis": _lines(version["legal_basis"]),
                "results": _json_cell(version["results"]),
                "form_schema": _json_cell(version["form_schema"]) if version["form_schema"] else "",
                "form_ui": _json_cell(version["form_ui"]) if version["form_ui"] else "",
            }
            for c in version["components"]:
                components.append([item["code"], c["code"], c["name"], c["originals"], c["copies"],
                                   _yes_no(c["required"]), _yes_no(c["reusable_result"]), c["note"]])
            for f in version["fees"]:
                fees.append([item["code"], f["code"], f["name"], str(FEE_KINDS[f["kind"]]), f["amount"], f["note"]])
        procedures.append([row.get(key) for key, _label in PROCEDURE_COLUMNS])
    _sheet(book, PROCEDURES_SHEET, PROCEDURE_COLUMNS, procedures)
    _sheet(book, COMPONENTS_SHEET, COMPONENT_COLUMNS, components)
    _sheet(book, FEES_SHEET, FEE_COLUMNS, fees)
    _sheet(book, FIELDS_SHEET, FIELD_COLUMNS, [[f["code"], f["name"]] for f in doc["fields"]])
    _sheet(book, WORKFLOWS_SHEET, WORKFLOW_COLUMNS,
           [[w["code"], w["version"], w["name"], _json_cell(w["definition"])] for w in doc["workflows"]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- Reading ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Origin:
    sheet: str
    row: int
    columns: dict[str, str] = field(default_factory=dict)  # key -> column letter


def _names(text) -> set[str]:
    """A label (sheet, header, choice) as written in any language of the site, folded: a file
    exported in one language imports in another."""
    names = {fold(str(text))}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            names.add(fold(str(text)))
    return names


class _Reader:
    def __init__(self) -> None:
        self.problems: list[dict[str, Any]] = []
        self.origins: dict[str, Origin] = {}

    def problem(self, sheet: str, row: int, column: str | None, label: str | None, message: str,
                path: str = "") -> None:
        self.problems.append(_located(path, sheet, row, column, label, message))

    def rows(self, book, title, columns, *, required_keys) -> tuple[list[tuple[int, dict[str, Any]]], dict[str, str]]:
        """The non-empty rows of a sheet as {key: value}, with the letter of each key's column."""
        wanted = _names(title)
        name = next((n for n in book.sheetnames if fold(n) in wanted), None)
        if name is None:
            self.problems.append({"field": "", "sheet": str(title), "row": None, "column": None,
                                  "message": _("Tệp thiếu trang “%(sheet)s”.") % {"sheet": title}})
            return [], {}
        sheet = book[name]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None) or ()
        by_label = {key: key for key, _label in columns}
        for key, label in reversed(columns):  # the first column of a label wins
            by_label |= dict.fromkeys(_names(label), key)
        positions: dict[str, int] = {}
        for index, value in enumerate(header):
            key = by_label.get(fold(str(value or ""))) or by_label.get(str(value or "").strip())
            if key and key not in positions:
                positions[key] = index
        letters = {key: get_column_letter(index + 1) for key, index in positions.items()}
        labels = dict(columns)
        for key in required_keys:
            if key not in positions:
                self.problems.append({"field": "", "sheet": str(title), "row": 1, "column": None, "message": _(
                    "Trang “%(sheet)s” thiếu cột “%(label)s”.") % {"sheet": title, "label": labels[key]}})
        out = []
        for number, values in enumerate(rows, start=2):
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            out.append((number, {key: (values[index] if index < len(values) else None)
                                 for key, index in positions.items()}))
        return out, letters


def _located(path: str, sheet: str, row: int | None, column: str | None, label: str | None, message: str) -> dict:
    if column:
        where = _("Trang “%(sheet)s”, dòng %(row)d, cột %(column)s (%(label)s)") % {
            "sheet": sheet, "row": row, "column": column, "label": label}
    elif row:
        where = _("Trang “%(sheet)s”, dòng %(row)d") % {"sheet": sheet, "row": row}
    else:
        where = _("Trang “%(sheet)s”") % {"sheet": sheet}
    return {"field": path, "sheet": sheet, "row": row, "column": column, "message": f"{where}: {message}"}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _split(value: Any) -> list[str]:
    text = _text(value)
    return [part.strip() for line in text.splitlines() for part in line.split(";") if part.strip()]


def _choice(choices, text: str) -> Any:
    """A choice's value from its value or its label (accent- and case-insensitive); the text itself
    when unknown, so that validation names it."""
    wanted = fold(text)
    for value, label in choices.choices:
        if wanted == fold(str(value)) or wanted in _names(label):
            return value
    return text


def _bool(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    text = fold(_text(value))
    if text in {"co", "x", "1", "true", "yes"} | _names(YES):
        return True
    if text in {"khong", "", "0", "false", "no"} | _names(NO):
        return False
    return _text(value)


def _int(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = _text(value).replace(".", "").replace(",", "").replace(" ", "")
    return int(text) if text.isdigit() else _text(value)


def _decimal(value: Any) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Decimal(str(value))
    try:
        return Decimal(_text(value).replace(",", "."))
    except InvalidOperation:
        return _text(value)


def _date(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    if not text:
        return None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            pass
    return text


def xlsx_to_catalog(fileobj) -> tuple[dict[str, Any], dict[str, Origin]]:
    """Read a workbook into a catalogue document. Problems found while reading (missing sheets or
    columns, unreadable JSON cells, rows of unknown procedures) raise CatalogInvalid at once."""
    try:
        book = load_workbook(fileobj, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise CatalogInvalid([{"field": "file", "message": _("Tệp không phải là tệp Excel (.xlsx) hợp lệ.")}]) \
            from None
    reader = _Reader()
    try:
        doc = _read(book, reader)
    finally:
        book.close()
    if reader.problems:
        raise CatalogInvalid(reader.problems)
    return doc, reader.origins


def _json(reader: _Reader, sheet: str, row: int, letters, labels, key: str, value: Any, path: str, *, empty):
    text = _text(value)
    if not text:
        return empty
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        reader.problem(sheet, row, letters.get(key), labels[key], _(
            "không đọc được JSON (dòng %(line)d, ký tự %(col)d của ô).") % {"line": exc.lineno, "col": exc.colno},
            path)
        return empty


def _read(book, reader: _Reader) -> dict[str, Any]:
    doc: dict[str, Any] = {"fields": [], "workflows": [], "procedures": []}
    sheet = str(FIELDS_SHEET)
    rows, letters = reader.rows(book, FIELDS_SHEET, FIELD_COLUMNS, required_keys=("code", "name"))
    for row, values in rows:
        path = f"fields.{len(doc['fields'])}"
        reader.origins[path] = Origin(sheet, row, letters)
        doc["fields"].append({"code": _text(values.get("code")), "name": _text(values.get("name"))})

    sheet = str(WORKFLOWS_SHEET)
    labels = {k: str(v) for k, v in WORKFLOW_COLUMNS}
    rows, letters = reader.rows(book, WORKFLOWS_SHEET, WORKFLOW_COLUMNS,
                                required_keys=("code", "version", "name", "definition"))
    for row, values in rows:
        path = f"workflows.{len(doc['workflows'])}"
        reader.origins[path] = Origin(sheet, row, letters)
        doc["workflows"].append({
            "code": _text(values.get("code")), "version": _int(values.get("version")),
            "name": _text(values.get("name")),
            "definition": _json(reader, sheet, row, letters, labels, "definition", values.get("definition"),
                                f"{path}.definition", empty={}),
        })

    sheet = str(PROCEDURES_SHEET)
    labels = {k: str(v) for k, v in PROCEDURE_COLUMNS}
    rows, letters = reader.rows(book, PROCEDURES_SHEET, PROCEDURE_COLUMNS,
                                required_keys=("code", "name", "field"))
    version_letters = {key: letters[VERSION_COLUMN_OF.get(key, key)] for key in
                       ("number", "name", "applicant_types", "agency_levels", "channels", "processing_amount",
                        "processing_unit", "service_level", "eligible_full", "requires_presence",
                        "effective_from", "workflow", "requirements", "legal_basis", "results", "form_schema",
                        "form_ui") if VERSION_COLUMN_OF.get(key, key) in letters}
    index_of: dict[str, int] = {}
    for row, values in rows:
        i = len(doc["procedures"])
        path = f"procedures.{i}"
        reader.origins[path] = Origin(sheet, row, letters)
        code = _text(values.get("code"))
        index_of.setdefault(code, i)
        item: dict[str, Any] = {
            "code": code, "name": _text(values.get("name")), "field": _text(values.get("field")),
            "is_active": _bool(values.get("is_active")) if values.get("is_active") is not None else True,
            "agencies": _split(values.get("agencies")) if "agencies" in letters else None,
            "current_version": None,
        }
        if any(_text(values.get(key)) for key in VERSION_KEYS):
            reader.origins[f"{path}.current_version"] = Origin(sheet, row, version_letters)
            version: dict[str, Any] = {
                "name": _text(values.get("version_name")) or item["name"],
                "applicant_types": [_choice(ApplicantType, t) for t in _split(values.get("applicant_types"))],
                "agency_levels": [_choice(AgencyLevel, t) for t in _split(values.get("agency_levels"))],
                "channels": [_int(_choice(Channel, t)) for t in _split(values.get("channels"))],
                "processing_amount": _decimal(values.get("processing_amount")),
                "processing_unit": _choice(DeadlineUnit, _text(values.get("processing_unit"))),
                "service_level": _choice(ServiceLevel, _text(values.get("service_level"))),
                "eligible_full": _bool(values.get("eligible_full")),
                "requires_presence": _bool(values.get("requires_presence")),
                "effective_from": _date(values.get("effective_from")),
                "requirements": _text(values.get("requirements")),
                "legal_basis": [line.strip() for line in _text(values.get("legal_basis")).splitlines() if line.strip()],
                "results": _json(reader, sheet, row, letters, labels, "results", values.get("results"),
                                 f"{path}.current_version.results", empty=[]),
                "form_schema": _json(reader, sheet, row, letters, labels, "form_schema", values.get("form_schema"),
                                     f"{path}.current_version.form_schema", empty={}),
                "form_ui": _json(reader, sheet, row, letters, labels, "form_ui", values.get("form_ui"),
                                 f"{path}.current_version.form_ui", empty={}),
                "workflow": {"code": _text(values.get("workflow_code")),
                             "version": _int(values.get("workflow_version"))},
                "components": [],
                "fees": [],
            }
            number = _int(values.get("number"))
            if number not in (None, ""):
                version["number"] = number
            item["current_version"] = version
        doc["procedures"].append(item)

    for title, columns, key in ((COMPONENTS_SHEET, COMPONENT_COLUMNS, "components"), (FEES_SHEET, FEE_COLUMNS, "fees")):
        sheet = str(title)
        labels = {k: str(v) for k, v in columns}
        rows, letters = reader.rows(book, title, columns, required_keys=tuple(k for k, _label in columns))
        for row, values in rows:
            code = _text(values.get("procedure"))
            i = index_of.get(code)
            if i is None or doc["procedures"][i]["current_version"] is None:
                reader.problem(sheet, row, letters.get("procedure"), labels["procedure"], _(
                    "thủ tục “%(code)s” không có trên trang “%(sheet)s” hoặc chưa có phiên bản.")
                    % {"code": code, "sheet": str(PROCEDURES_SHEET)})
                continue
            items = doc["procedures"][i]["current_version"][key]
            reader.origins[f"procedures.{i}.current_version.{key}.{len(items)}"] = Origin(sheet, row, letters)
            if key == "components":
                items.append({
                    "code": _text(values.get("code")), "name": _text(values.get("name")),
                    "originals": _int(values.get("originals")), "copies": _int(values.get("copies")),
                    "required": _bool(values.get("required")), "reusable_result": _bool(values.get("reusable_result")),
                    "note": _text(values.get("note")),
                })
            else:
                kind_text = fold(_text(values.get("kind")))
                kind = next((k for k, label in FEE_KINDS.items() if kind_text == k or kind_text in _names(label)),
                            _text(values.get("kind")))
                items.append({
                    "code": _text(values.get("code")), "name": _text(values.get("name")), "kind": kind,
                    "amount": _int(values.get("amount")), "note": _text(values.get("note")),
                })
    return doc


def _column_labels() -> dict[str, dict[str, str]]:
    """Header labels per sheet name, in the current language (the one the reader used)."""
    return {
        str(sheet): {k: str(v) for k, v in columns}
        for sheet, columns in ((PROCEDURES_SHEET, PROCEDURE_COLUMNS), (COMPONENTS_SHEET, COMPONENT_COLUMNS),
                               (FEES_SHEET, FEE_COLUMNS), (FIELDS_SHEET, FIELD_COLUMNS),
                               (WORKFLOWS_SHEET, WORKFLOW_COLUMNS))
    }


def xlsx_problems_located(problems: list[dict], origins: dict[str, Origin]) -> list[dict]:
    """Attach sheet, row and column to problems found in the document read from a workbook."""
    located, column_labels = [], _column_labels()
    for problem in problems:
        path = problem.get("field") or ""
        parts = path.split(".") if path else []
        origin, rest = None, []
        for cut in range(len(parts), 0, -1):
            origin = origins.get(".".join(parts[:cut]))
            if origin is not None:
                rest = parts[cut:]
                break
        if origin is None:
            located.append(problem)
            continue
        key = rest[0] if rest else None
        column = origin.columns.get(key) if key else None
        labels = column_labels.get(origin.sheet, {})
        column_key = VERSION_COLUMN_OF.get(key, key) if origin.sheet == str(PROCEDURES_SHEET) else key
        if column is None and key in ("components", "fees"):
            sheet = str(COMPONENTS_SHEET if key == "components" else FEES_SHEET)
            message = f"{problem['message']} ({_('xem trang “%(sheet)s”') % {'sheet': sheet}})"
        else:
            message = problem["message"]
        located.append(_located(path, origin.sheet, origin.row, column, labels.get(column_key), message))
    return located
