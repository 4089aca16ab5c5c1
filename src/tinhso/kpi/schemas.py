"""The shape of the data files under kpi/data/: indicators/*.json and plans/*.json.

Validated with pydantic before anything is written. Every problem names its file and field
("766-dvcqg-2025.json", "indicators[6].scoring.threshold") with a Vietnamese message first, and
loading is all or nothing: one problem anywhere and nothing changes (`KpiDataInvalid`).

An indicator file is {"about": str, "defaults": {…}, "indicators": [{…}, …]}; `defaults` fill what
an item leaves out (one level deep for `legal_basis`). A plan file is one plan with its targets.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from tinhso.kpi.scoring import scoring_parse

CODE = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,39}$"
VERSION = r"^[a-z0-9][a-z0-9_.\-]{0,29}$"
SLUG = r"^[a-z0-9][a-z0-9\-]{0,59}$"
GSO_CODE = r"^(\d{2}|\d{3}|\d{5})$"

Pillar = Literal["digital_government", "digital_economy", "digital_society", "service_quality", "overall"]
Unit = Literal["percent", "count", "vnd", "points", "yes_no", "rank", "duration", "index"]
FormulaKind = Literal["ratio", "ratio_threshold", "linear", "step_table", "boolean", "sum", "reported"]
RATIO_KINDS = ("ratio", "ratio_threshold", "linear")


class KpiDataInvalid(Exception):
    """Refused data files. `problems`: [{"file", "field", "message"}], the message Vietnamese first."""

    def __init__(self, problems: list[dict[str, str]]):
        self.problems = problems
        super().__init__("\n".join(f"{p['file']}: {p['field'] or '-'}: {p['message']}" for p in problems))


_MESSAGES = {
    "missing": "Thiếu trường bắt buộc",
    "extra_forbidden": "Trường không được phép",
    "literal_error": "Giá trị không thuộc danh sách cho phép",
    "string_pattern_mismatch": "Sai định dạng",
    "string_too_short": "Quá ngắn",
    "string_too_long": "Quá dài",
    "string_type": "Phải là chuỗi ký tự",
    "int_type": "Phải là số nguyên",
    "int_parsing": "Phải là số nguyên",
    "decimal_parsing": "Phải là số",
    "decimal_type": "Phải là số",
    "bool_type": "Phải là true hoặc false",
    "bool_parsing": "Phải là true hoặc false",
    "date_from_datetime_parsing": "Phải là ngày dạng YYYY-MM-DD",
    "date_parsing": "Phải là ngày dạng YYYY-MM-DD",
    "date_type": "Phải là ngày dạng YYYY-MM-DD",
    "greater_than": "Giá trị quá nhỏ",
    "greater_than_equal": "Giá trị quá nhỏ",
    "less_than": "Giá trị quá lớn",
    "less_than_equal": "Giá trị quá lớn",
    "too_short": "Danh sách quá ngắn",
    "list_type": "Phải là danh sách",
    "dict_type": "Phải là đối tượng",
    "model_type": "Phải là đối tượng",
    "union_tag_invalid": "Loại không hợp lệ",
    "value_error": "Giá trị không hợp lệ",
}


def problems_from(error: ValidationError, *, file: str, prefix: str) -> list[dict[str, str]]:
    """pydantic errors as problems: the dotted field after `prefix`, a Vietnamese message first
    and pydantic's English after it."""
    problems = []
    skipped = RATIO_KINDS + ("step_table", "boolean", "sum", "reported", "rule")
    for err in error.errors():
        field = field_path(prefix, [p for p in err.get("loc", ()) if p not in skipped])
        vi = _MESSAGES.get(err.get("type", ""), "Giá trị không hợp lệ")
        msg = err.get("msg", "")
        msg = msg.removeprefix("Value error, ")
        problems.append({"file": file, "field": field, "message": f"{vi} / {msg}" if msg else vi})
    return problems


def field_path(prefix: str, parts) -> str:
    """"indicators[3]", ["scoring", "steps", 0, "points"] → "indicators[3].scoring.steps[0].points"."""
    path = prefix
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class LegalBasisSpec(_Spec):
    text: str = Field(min_length=3, max_length=300)
    article: str = Field("", max_length=200)
    url: str = Field("", max_length=500, pattern=r"^(https?://\S+)?$")


class IndicatorSpec(_Spec):
    code: str = Field(pattern=CODE)
    version: str = Field(pattern=VERSION)
    name: str = Field(min_length=3, max_length=300)
    name_en: str = Field(min_length=3, max_length=300)
    pillar: Pillar
    group: str = Field("", max_length=40)
    unit: Unit
    direction: Literal["higher", "lower"] = "higher"
    formula_kind: FormulaKind
    numerator: str = ""
    denominator: str = ""
    factor: Decimal = Field(Decimal(1), gt=0)
    max_points: Decimal | None = Field(None, ge=0)
    source: Literal["computed", "reported"]
    source_system: str = Field("", max_length=80)
    valid_min: Decimal | None = None
    valid_max: Decimal | None = None
    legal_basis: LegalBasisSpec
    rule: str = ""
    rule_en: str = ""
    scoring: dict[str, Any] = {}
    portal_metric: str = Field("", max_length=60)
    notes: str = ""
    order: int | None = Field(None, ge=0)

    @model_validator(mode="after")
    def _coherent(self) -> IndicatorSpec:
        if self.formula_kind in RATIO_KINDS and not (self.numerator and self.denominator):
            raise ValueError("chỉ tiêu dạng tỷ lệ cần mô tả tử số và mẫu số / a ratio needs numerator and denominator")
        if self.formula_kind in ("ratio_threshold", "step_table", "sum") and self.max_points is None:
            raise ValueError(f"loại công thức {self.formula_kind} cần điểm tối đa (max_points) / needs max_points")
        if self.formula_kind == "reported" and self.source != "reported":
            raise ValueError("giá trị báo cáo phải có nguồn reported / a reported value has source 'reported'")
        if self.valid_min is not None and self.valid_max is not None and self.valid_min > self.valid_max:
            raise ValueError("valid_min lớn hơn valid_max / valid_min above valid_max")
        return self


class UnitRef(_Spec):
    """A unit by GSO code and a day it was in force (a code may name different units before and
    after 1 July 2025: 52 was Bình Định, is Gia Lai)."""

    code: str = Field(pattern=GSO_CODE)
    on: dt.date


class TargetSpec(_Spec):
    key: str = Field(pattern=SLUG)
    indicator: str = Field(pattern=CODE)
    indicator_version: str | None = Field(None, pattern=VERSION)
    unit: UnitRef | None = None
    scope_level: Literal["province", "district", "commune"]
    year: int = Field(ge=1990, le=2100)
    comparator: Literal["gte", "gt", "eq", "lte", "top_n", "improve"]
    value: Decimal | None = None
    source_file: str = Field(min_length=3, max_length=120)
    source_line: int = Field(ge=1)
    source_sentence: str = Field(min_length=10)
    notes: str = ""

    @model_validator(mode="after")
    def _value(self) -> TargetSpec:
        if self.comparator == "improve":
            if self.value is not None:
                raise ValueError("chỉ tiêu “nâng cao” không có giá trị / an 'improve' target has no value")
        elif self.value is None:
            raise ValueError("thiếu giá trị mục tiêu (value) / value is required")
        if self.comparator == "top_n" and (self.value != self.value.to_integral_value() or self.value < 1):
            raise ValueError("“trong nhóm N dẫn đầu” cần N nguyên dương / top_n needs a positive whole N")
        return self


class SourceSpec(_Spec):
    file: str = Field(min_length=3, max_length=120)
    note: str = ""


class PlanSpec(_Spec):
    code: str = Field(pattern=SLUG)
    province: UnitRef
    title: str = Field(min_length=5, max_length=400)
    kind: Literal["de_an", "ke_hoach", "nghi_quyet", "chuong_trinh"]
    decision_number: str = Field("", max_length=60)
    decision_date: dt.date | None = None
    issuing_body: str = Field(min_length=3, max_length=200)
    start_year: int = Field(ge=1990, le=2100)
    end_year: int = Field(ge=1990, le=2100)
    vision_year: int | None = Field(None, ge=1990, le=2100)
    budget_vnd: int | None = Field(None, ge=0)
    budget_note: str = Field("", max_length=300)
    pillars: list[Literal["digital_government", "digital_economy", "digital_society"]] = Field(min_length=1)
    priority_sectors: list[str] = []
    sources: list[SourceSpec] = Field(min_length=1)
    url: str = Field("", max_length=500, pattern=r"^(https?://\S+)?$")
    is_published: bool = False
    notes: str = ""
    targets: list[TargetSpec] = Field(min_length=1)

    @field_validator("targets")
    @classmethod
    def _keys_distinct(cls, targets: list[TargetSpec]) -> list[TargetSpec]:
        seen = set()
        for target in targets:
            if target.key in seen:
                raise ValueError(f"mã chỉ tiêu “{target.key}” lặp lại / duplicate key")
            seen.add(target.key)
        return targets

    @model_validator(mode="after")
    def _years_and_sources(self) -> PlanSpec:
        if self.end_year < self.start_year:
            raise ValueError("end_year trước start_year / end_year before start_year")
        if self.vision_year is not None and self.vision_year < self.end_year:
            raise ValueError("vision_year trước end_year / vision_year before end_year")
        last = self.vision_year or self.end_year
        files = {source.file for source in self.sources}
        for target in self.targets:
            if not self.start_year <= target.year <= last:
                raise ValueError(
                    f"chỉ tiêu {target.key}: năm {target.year} ngoài thời kỳ {self.start_year}–{last} "
                    "/ target year outside the plan"
                )
            if target.source_file not in files:
                raise ValueError(
                    f"chỉ tiêu {target.key}: tệp nguồn {target.source_file} không có trong sources "
                    "/ source_file not listed in sources"
                )
        return self


def scoring_problems(spec: IndicatorSpec, *, file: str, prefix: str) -> list[dict[str, str]]:
    try:
        scoring_parse(spec.formula_kind, spec.scoring)
    except ValidationError as error:
        return problems_from(error, file=file, prefix=f"{prefix}.scoring")
    return []
