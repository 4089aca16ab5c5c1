"""Validation of what a procedure version carries: its JSON columns, its form, its form data.

- `version_data_problems(data)` checks a whole version (name, applicant types, levels, channels,
  time limit, fees, components, results, legal basis, service level, form schema and form hints)
  and returns the normalised data and a list of problems {"field", "message"} in Vietnamese, the
  field being a dotted path ("fees.0.amount", "form_schema.properties.ngay_sinh.type").
- `form_schema_problems(schema)` checks that a form is a JSON Schema 2020-12 the form renderer can
  show: an object with titled properties.
- `form_data_validate(version, data)` checks a dossier's form data against its version's form and
  returns Vietnamese messages per field; the dossier service calls it at intake.

Nothing here writes; the services raise `CatalogInvalid` with these problems.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any, Literal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tinhso.catalog.models import AgencyLevel, ApplicantType, ServiceLevel
from tinhso.core.calendar import DeadlineUnit

JSON_SCHEMA_2020_12 = "https://json-schema.org/draft/2020-12/schema"
CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,29}$"

Problem = dict[str, Any]


class CatalogInvalid(Exception):
    """A refused catalogue write. `problems` is a list of {"field", "message"} (Vietnamese), plus
    "sheet", "row", "column" for a spreadsheet import."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(f"{p.get('field') or '-'}: {p['message']}" for p in problems))


class VersionFrozen(CatalogInvalid):
    """A write to a published (or retired) version: published versions are never edited."""


# --- The JSON columns ---------------------------------------------------------------------------


class _Item(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class FeeItem(_Item):
    """A fee (phí) or a charge (lệ phí) of the procedure, in whole VND."""

    code: str = Field(pattern=CODE_PATTERN)
    name: str = Field(min_length=1, max_length=300)
    kind: Literal["fee", "charge"]
    amount: int = Field(ge=0)
    note: str = Field(default="", max_length=1000)


class ComponentItem(_Item):
    """One document of the dossier (thành phần hồ sơ)."""

    code: str = Field(pattern=CODE_PATTERN)
    name: str = Field(min_length=1, max_length=500)
    originals: int = Field(ge=0, le=99)
    copies: int = Field(ge=0, le=99)
    required: bool
    #: An earlier electronic result (kết quả điện tử đã có trong kho dữ liệu) may replace it.
    reusable_result: bool = False
    note: str = Field(default="", max_length=1000)


class ResultItem(_Item):
    code: str = Field(pattern=CODE_PATTERN)
    name: str = Field(min_length=1, max_length=300)
    paper: bool
    electronic: bool


WIDGETS = ("text", "textarea", "date", "select", "radio", "checkbox", "number", "unit", "id_number")


class FieldUi(_Item):
    widget: Literal[WIDGETS] | None = None  # type: ignore[valid-type]
    hint: str = Field(default="", max_length=500)


class FormUi(_Item):
    """Display hints of the form renderer: the order of the questions, and per question a widget
    ("unit" picks an administrative unit) and a hint shown under the label."""

    order: list[str] = Field(default_factory=list)
    fields: dict[str, FieldUi] = Field(default_factory=dict)


class VersionData(_Item):
    """Everything of a ProcedureVersion but its procedure, number, status and workflow."""

    name: str = Field(min_length=1, max_length=500)
    applicant_types: list[Literal[tuple(ApplicantType.values)]] = Field(min_length=1)  # type: ignore[valid-type]
    agency_levels: list[Literal[tuple(AgencyLevel.values)]] = Field(min_length=1)  # type: ignore[valid-type]
    channels: list[Literal[1, 2, 3]] = Field(min_length=1)
    processing_amount: Decimal = Field(gt=0, max_digits=6, decimal_places=2)
    processing_unit: Literal[tuple(DeadlineUnit.values)]  # type: ignore[valid-type]
    fees: list[FeeItem] = Field(default_factory=list)
    components: list[ComponentItem] = Field(min_length=1)
    results: list[ResultItem] = Field(min_length=1)
    legal_basis: list[str] = Field(default_factory=list)
    requirements: str = Field(default="", max_length=10000)
    service_level: Literal[tuple(ServiceLevel.values)] = ServiceLevel.PARTIAL.value  # type: ignore[valid-type]
    eligible_full: bool = False
    requires_presence: bool = False
    form_schema: dict[str, Any] = Field(default_factory=dict)
    form_ui: dict[str, Any] = Field(default_factory=dict)
    effective_from: dt.date | None = None


VERSION_FIELDS = tuple(VersionData.model_fields)

#: Labels of the keys, for messages that name what is wrong.
LABELS: dict[str, Any] = {
    "name": gettext_lazy("Tên"),
    "code": gettext_lazy("Mã"),
    "kind": gettext_lazy("Loại phí, lệ phí"),
    "amount": gettext_lazy("Số tiền"),
    "note": gettext_lazy("Ghi chú"),
    "originals": gettext_lazy("Số bản chính"),
    "copies": gettext_lazy("Số bản sao"),
    "required": gettext_lazy("Bắt buộc"),
    "reusable_result": gettext_lazy("Dùng lại kết quả điện tử"),
    "paper": gettext_lazy("Kết quả bản giấy"),
    "electronic": gettext_lazy("Kết quả bản điện tử"),
    "applicant_types": gettext_lazy("Đối tượng thực hiện"),
    "agency_levels": gettext_lazy("Cấp thực hiện"),
    "channels": gettext_lazy("Cách thức thực hiện"),
    "processing_amount": gettext_lazy("Thời hạn giải quyết"),
    "processing_unit": gettext_lazy("Đơn vị thời hạn"),
    "fees": gettext_lazy("Phí, lệ phí"),
    "components": gettext_lazy("Thành phần hồ sơ"),
    "results": gettext_lazy("Kết quả thực hiện"),
    "legal_basis": gettext_lazy("Căn cứ pháp lý"),
    "requirements": gettext_lazy("Yêu cầu, điều kiện"),
    "service_level": gettext_lazy("Mức độ dịch vụ công trực tuyến"),
    "eligible_full": gettext_lazy("Đủ điều kiện toàn trình"),
    "requires_presence": gettext_lazy("Phải có mặt hoặc kiểm tra thực địa"),
    "form_schema": gettext_lazy("Biểu mẫu"),
    "form_ui": gettext_lazy("Gợi ý hiển thị biểu mẫu"),
    "effective_from": gettext_lazy("Áp dụng từ"),
    "order": gettext_lazy("Thứ tự câu hỏi"),
    "fields": gettext_lazy("Gợi ý từng câu hỏi"),
    "widget": gettext_lazy("Kiểu nhập"),
    "hint": gettext_lazy("Gợi ý"),
    "workflow": gettext_lazy("Quy trình"),
    "version": gettext_lazy("Phiên bản"),
    "number": gettext_lazy("Phiên bản"),
    "definition": gettext_lazy("Định nghĩa quy trình"),
    "field": gettext_lazy("Lĩnh vực"),
    "is_active": gettext_lazy("Đang áp dụng"),
    "agencies": gettext_lazy("Cơ quan giải quyết"),
    "current_version": gettext_lazy("Phiên bản đang áp dụng"),
}


def label_of(key: Any) -> str:
    return str(LABELS.get(key, key))


def _label_for_loc(loc: tuple) -> str:
    for part in reversed(loc):
        if isinstance(part, str):
            return label_of(part)
    return _("Giá trị")


def pydantic_problems(exc: ValidationError, prefix: str = "") -> list[Problem]:
    """Pydantic's errors as Vietnamese sentences naming the field."""
    problems = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith(("literal[", "function-"))))
        label, kind, ctx = _label_for_loc(loc), err["type"], err.get("ctx") or {}
        values = {"label": label, **{k: v for k, v in ctx.items() if isinstance(v, (int, float, str, Decimal))}}
        if isinstance(values.get("expected"), str):  # pydantic's "'fee' or 'charge'"
            values["expected"] = values["expected"].replace("'", "").replace(" or ", ", ")
        if kind == "missing":
            message = _("Thiếu “%(label)s”.") % values
        elif kind == "extra_forbidden":
            message = _("“%(label)s” không phải là thông tin được khai báo ở đây.") % values
        elif kind in ("string_type",):
            message = _("“%(label)s” phải là chuỗi ký tự.") % values
        elif kind == "string_too_short":
            message = _("Chưa nhập “%(label)s”.") % values if ctx.get("min_length") == 1 else \
                _("“%(label)s” phải có ít nhất %(min_length)s ký tự.") % values
        elif kind == "string_too_long":
            message = _("“%(label)s” không được dài quá %(max_length)s ký tự.") % values
        elif kind == "string_pattern_mismatch":
            message = _("“%(label)s” chỉ gồm chữ không dấu, chữ số và các dấu . _ - (tối đa 30 ký tự).") % values
        elif kind in ("int_type", "int_parsing", "int_from_float"):
            message = _("“%(label)s” phải là số nguyên.") % values
        elif kind in ("decimal_type", "decimal_parsing", "float_type", "float_parsing"):
            message = _("“%(label)s” phải là số.") % values
        elif kind in ("decimal_max_digits", "decimal_max_places", "decimal_whole_digits"):
            message = _("“%(label)s” có quá nhiều chữ số (tối đa 4 chữ số phần nguyên và 2 chữ số thập phân).") \
                % values
        elif kind in ("bool_type", "bool_parsing"):
            message = _("“%(label)s” phải là Có hoặc Không.") % values
        elif kind == "greater_than_equal":
            message = _("“%(label)s” phải lớn hơn hoặc bằng %(ge)s.") % values
        elif kind == "greater_than":
            message = _("“%(label)s” phải lớn hơn %(gt)s.") % values
        elif kind == "less_than_equal":
            message = _("“%(label)s” phải nhỏ hơn hoặc bằng %(le)s.") % values
        elif kind == "literal_error":
            message = _("“%(label)s” phải là một trong các giá trị: %(expected)s.") % values
        elif kind in ("list_type", "tuple_type"):
            message = _("“%(label)s” phải là một danh sách.") % values
        elif kind == "too_short":
            message = _("“%(label)s” phải có ít nhất %(min_length)s mục.") % values
        elif kind in ("dict_type", "model_type", "model_attributes_type"):
            message = _("“%(label)s” phải là một nhóm thông tin (đối tượng JSON).") % values
        elif kind.startswith("date"):
            message = _("“%(label)s” phải là ngày hợp lệ (YYYY-MM-DD).") % values
        else:
            message = _("“%(label)s” không hợp lệ.") % values
        path = ".".join(str(p) for p in loc)
        problems.append({"field": f"{prefix}{path}" if path else prefix.rstrip("."), "message": message})
    return problems


def _duplicate_codes(items: list[dict], prefix: str) -> list[Problem]:
    seen: set[str] = set()
    problems = []
    for i, item in enumerate(items):
        code = item["code"]
        if code in seen:
            problems.append({"field": f"{prefix}.{i}.code", "message": _("Mã “%(code)s” bị trùng.") % {"code": code}})
        seen.add(code)
    return problems


def version_data_problems(data: Any) -> tuple[dict[str, Any] | None, list[Problem]]:
    """Validate a version's data. Returns (normalised data, []) or (None, problems)."""
    try:
        version = VersionData.model_validate(data)
    except ValidationError as exc:
        return None, pydantic_problems(exc)
    clean = version.model_dump(mode="python")
    problems: list[Problem] = []
    problems += _duplicate_codes(clean["fees"], "fees")
    problems += _duplicate_codes(clean["components"], "components")
    problems += _duplicate_codes(clean["results"], "results")
    clean["applicant_types"] = list(dict.fromkeys(clean["applicant_types"]))
    clean["agency_levels"] = list(dict.fromkeys(clean["agency_levels"]))
    clean["channels"] = sorted(set(clean["channels"]))
    clean["legal_basis"] = [text.strip() for text in clean["legal_basis"] if text.strip()]
    for i, result in enumerate(clean["results"]):
        if not (result["paper"] or result["electronic"]):
            problems.append({"field": f"results.{i}", "message": _(
                "Kết quả “%(name)s” phải được trả bằng bản giấy, bản điện tử hoặc cả hai.") % result})
    if clean["service_level"] == ServiceLevel.FULL:
        if not clean["eligible_full"]:
            problems.append({"field": "service_level", "message": _(
                "Chỉ cung cấp dịch vụ công trực tuyến toàn trình cho thủ tục đủ điều kiện toàn trình.")})
        if clean["requires_presence"]:
            problems.append({"field": "service_level", "message": _(
                "Thủ tục phải có mặt hoặc kiểm tra thực địa không thể thực hiện toàn trình.")})
    online = 2 in clean["channels"]
    if clean["service_level"] != ServiceLevel.NONE and not online:
        problems.append({"field": "channels", "message": _(
            "Thủ tục có dịch vụ công trực tuyến phải có cách thức nộp trực tuyến.")})
    if clean["service_level"] == ServiceLevel.NONE and online:
        problems.append({"field": "channels", "message": _(
            "Thủ tục chưa cung cấp trực tuyến không thể có cách thức nộp trực tuyến.")})
    form_problems = form_schema_problems(clean["form_schema"])
    # Hints are checked against a valid form only (otherwise every hint would be reported too).
    problems += form_problems or form_ui_problems(clean["form_ui"], clean["form_schema"])
    return (None, problems) if problems else (clean, [])


# --- The form -----------------------------------------------------------------------------------


def form_schema_problems(schema: Any, prefix: str = "form_schema") -> list[Problem]:
    """Is `schema` a JSON Schema 2020-12 the form renderer can show? An empty schema means the
    procedure has no online form."""
    if schema in ({}, None):
        return []
    if not isinstance(schema, dict):
        return [{"field": prefix, "message": _("Biểu mẫu phải là một đối tượng JSON Schema.")}]
    declared = schema.get("$schema")
    if declared is not None and declared.rstrip("#") != JSON_SCHEMA_2020_12:
        return [{"field": f"{prefix}.$schema", "message": _(
            "Biểu mẫu phải theo JSON Schema 2020-12 (“$schema”: “%(url)s”).") % {"url": JSON_SCHEMA_2020_12}}]
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        path = ".".join(str(p) for p in exc.path)
        return [{"field": f"{prefix}.{path}" if path else prefix, "message": _(
            "Biểu mẫu không phải là JSON Schema 2020-12 hợp lệ tại “%(path)s”: %(detail)s")
            % {"path": path or "/", "detail": exc.message}}]
    if schema.get("type") != "object":
        return [{"field": f"{prefix}.type", "message": _(
            "Biểu mẫu phải có “type”: “object” (một tờ khai gồm nhiều câu hỏi).")}]
    problems = []
    properties = schema.get("properties")
    if not isinstance(properties, dict) or not properties:
        problems.append({"field": f"{prefix}.properties", "message": _("Biểu mẫu chưa có câu hỏi nào.")})
        return problems
    for name, prop in properties.items():
        if not isinstance(prop, dict) or not str(prop.get("title") or "").strip():
            problems.append({"field": f"{prefix}.properties.{name}.title", "message": _(
                "Câu hỏi “%(name)s” cần có tiêu đề (“title”) bằng tiếng Việt.") % {"name": name}})
    for name in schema.get("required", []):
        if name not in properties:
            problems.append({"field": f"{prefix}.required", "message": _(
                "Câu hỏi bắt buộc “%(name)s” không có trong biểu mẫu.") % {"name": name}})
    return problems


def form_ui_problems(ui: Any, schema: Any, prefix: str = "form_ui") -> list[Problem]:
    if ui in ({}, None):
        return []
    try:
        hints = FormUi.model_validate(ui)
    except ValidationError as exc:
        return pydantic_problems(exc, f"{prefix}.")
    properties = (schema or {}).get("properties") or {} if isinstance(schema, dict) else {}
    problems = []
    for i, name in enumerate(hints.order):
        if name not in properties:
            problems.append({"field": f"{prefix}.order.{i}", "message": _(
                "Câu hỏi “%(name)s” trong thứ tự hiển thị không có trong biểu mẫu.") % {"name": name}})
    if len(set(hints.order)) != len(hints.order):
        problems.append({"field": f"{prefix}.order", "message": _("Thứ tự hiển thị có câu hỏi bị lặp.")})
    for name in hints.fields:
        if name not in properties:
            problems.append({"field": f"{prefix}.fields.{name}", "message": _(
                "Gợi ý cho câu hỏi “%(name)s” nhưng biểu mẫu không có câu hỏi này.") % {"name": name}})
    return problems


_TYPE_NAMES = {
    "string": gettext_lazy("chuỗi ký tự"),
    "integer": gettext_lazy("số nguyên"),
    "number": gettext_lazy("số"),
    "boolean": gettext_lazy("giá trị Có/Không"),
    "object": gettext_lazy("nhóm thông tin"),
    "array": gettext_lazy("danh sách"),
    "null": gettext_lazy("giá trị rỗng"),
}

_FORMAT_MESSAGES = {
    "date": gettext_lazy("“%(title)s” phải là ngày hợp lệ (năm-tháng-ngày, ví dụ 2025-07-01)."),
    "email": gettext_lazy("“%(title)s” phải là địa chỉ thư điện tử hợp lệ."),
}

_FORMAT_CHECKER = FormatChecker()
_validators: dict[int, tuple[dict, Draft202012Validator]] = {}


def _validator(version) -> Draft202012Validator:
    # A published version never changes: its validator is kept for the life of the process. The
    # schema is compared too, because an id can come back after a rollback (SQLite reuses rowids).
    if version.pk and version.status == "published":
        hit = _validators.get(version.pk)
        if hit is None or hit[0] != version.form_schema:
            hit = _validators[version.pk] = (
                version.form_schema, Draft202012Validator(version.form_schema, format_checker=_FORMAT_CHECKER))
        return hit[1]
    return Draft202012Validator(version.form_schema, format_checker=_FORMAT_CHECKER)


def _title(schema: Any, name: str) -> str:
    if isinstance(schema, dict) and schema.get("title"):
        return str(schema["title"])
    return name or _("Tờ khai")


def _as_list(value: Any) -> str:
    return ", ".join(json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v for v in value)


def form_data_validate(version, data: Any) -> list[dict[str, str]]:
    """Check a dossier's form data against `version.form_schema` (JSON Schema 2020-12, dates checked
    by format). Returns [{"field": dotted path, "message": Vietnamese sentence}], empty when valid."""
    schema = version.form_schema or {}
    if not schema:
        return []
    problems: list[dict[str, str]] = []
    seen: set[tuple[str, str]] = set()

    def add(field: str, message: str) -> None:
        if (field, message) not in seen:
            seen.add((field, message))
            problems.append({"field": field, "message": message})

    errors = sorted(_validator(version).iter_errors(data), key=lambda e: (list(map(str, e.absolute_path)), e.validator))
    for error in errors:
        path = [str(p) for p in error.absolute_path]
        field = ".".join(path)
        name = path[-1] if path else ""
        keyword, value, sub = error.validator, error.validator_value, error.schema
        title = _title(sub, name)
        if keyword == "required":
            properties = sub.get("properties", {}) if isinstance(sub, dict) else {}
            for missing in value:
                if isinstance(error.instance, dict) and missing not in error.instance:
                    add(".".join([*path, missing]), _("Chưa nhập “%(title)s”.")
                        % {"title": _title(properties.get(missing), missing)})
            continue
        if keyword == "additionalProperties" and isinstance(error.instance, dict):
            known = set(sub.get("properties", {})) if isinstance(sub, dict) else set()
            for extra in error.instance:
                if extra not in known:
                    add(".".join([*path, extra]), _("“%(name)s” không có trong tờ khai.") % {"name": extra})
            continue
        if keyword == "type":
            expected = value if isinstance(value, list) else [value]
            message = _("“%(title)s” phải là %(type)s.") % {
                "title": title, "type": _(" hoặc ").join(str(_TYPE_NAMES.get(t, t)) for t in expected)}
        elif keyword == "format":
            template = _FORMAT_MESSAGES.get(value)
            message = str(template) % {"title": title} if template else \
                _("“%(title)s” không đúng định dạng.") % {"title": title}
        elif keyword == "enum":
            message = _("“%(title)s” phải là một trong các giá trị: %(values)s.") % {
                "title": title, "values": _as_list(value)}
        elif keyword == "const":
            message = _("“%(title)s” phải là %(value)s.") % {"title": title, "value": _as_list([value])}
        elif keyword == "minLength":
            message = (_("Chưa nhập “%(title)s”.") % {"title": title}) if value == 1 and error.instance == "" \
                else _("“%(title)s” phải có ít nhất %(n)d ký tự.") % {"title": title, "n": value}
        elif keyword == "maxLength":
            message = _("“%(title)s” không được dài quá %(n)d ký tự.") % {"title": title, "n": value}
        elif keyword == "pattern":
            hint = sub.get("description") if isinstance(sub, dict) else None
            message = (_("“%(title)s” không đúng định dạng: %(hint)s.") % {"title": title, "hint": hint.rstrip(".")}) \
                if hint else _("“%(title)s” không đúng định dạng.") % {"title": title}
        elif keyword == "minimum":
            message = _("“%(title)s” phải lớn hơn hoặc bằng %(n)s.") % {"title": title, "n": value}
        elif keyword == "maximum":
            message = _("“%(title)s” phải nhỏ hơn hoặc bằng %(n)s.") % {"title": title, "n": value}
        elif keyword == "exclusiveMinimum":
            message = _("“%(title)s” phải lớn hơn %(n)s.") % {"title": title, "n": value}
        elif keyword == "exclusiveMaximum":
            message = _("“%(title)s” phải nhỏ hơn %(n)s.") % {"title": title, "n": value}
        elif keyword == "minItems":
            message = _("“%(title)s” phải có ít nhất %(n)d mục.") % {"title": title, "n": value}
        elif keyword == "maxItems":
            message = _("“%(title)s” không được quá %(n)d mục.") % {"title": title, "n": value}
        else:
            message = _("“%(title)s” không hợp lệ.") % {"title": title}
        add(field, message)
    return problems
