"""Scoring functions: from a ratio (or a count, or yes/no) to points.

Pure functions, exact arithmetic (`fractions.Fraction` inside, `Decimal` with four places out), so
that "full points at ≥ 80%" gives full points at exactly 80% and not at 79.99…%. The measurement
engine computes numerators and denominators from the platform's data and calls `score()` with the
rule of the indicator (`rule_for()` reads it from the indicator's validated `scoring` JSON).

The kinds, with the rules of Decision 766 as the national portal computes them (regulations.md §4.2;
the DVCQG document "Mô tả công thức tính chỉ số 766.docx"):

- `ratio`: points = max × ratio, capped at max (1.1–1.4, 2.1, 3.2, 3.6, 4.1, 4.4, 4.5a/b, 5.2, 5.3).
- `ratio_threshold`: points = min(max, max × ratio / threshold). The document words it as "Đạt từ
  80% trở lên sẽ đạt điểm tối đa. Dưới 80% tính theo công thức: Tỷ lệ … * Điểm tối đa/80%"
  (3.1, 3.5, 4.3 at 80%; 3.3 at 50%; 5.4 at 90%; 3.5b observed as min(2, 2.5 × B), the same rule).
- `linear`: points = factor × ratio, optionally capped. Only the observed fit of 3.5 ("2.5C", which
  "can exceed 2") needs it; it is kept as an alternative, not the default.
- `step_table`: the points of the highest step reached, e.g. a DTI-style "steering committee met
  4 times a year → 20; 3 → 15; 2 → 10; 1 → 5; otherwise 0" (regulations.md §5).
- `boolean`: max points for yes, 0 for no.
- `sum`: a group total (Σ of its components' points).
- `reported`: no formula; a value entered with evidence.

What an empty denominator gives is part of the rule (`empty`): "no_data" by default (never shown as
0), "full_points" for 5.2 and 5.3 ("6 if no PAKN"), "zero" for 5.4 ("0 if no dossiers") and 1.4
("if no data, ratio = 0").
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

PLACES = Decimal("0.0001")

Number = int | Decimal | Fraction
EmptyRule = Literal["no_data", "zero", "full_points"]


def _exact(value: Number | float | str) -> Fraction:
    if isinstance(value, bool):
        return Fraction(int(value))
    if isinstance(value, float):
        # Floats reach here only from callers that did not count; their decimal reading is meant.
        return Fraction(Decimal(repr(value)))
    return Fraction(value)


def _out(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(PLACES, rounding=ROUND_HALF_UP)


def _ratio_checked(ratio: Number | float) -> Fraction:
    exact = _exact(ratio)
    if exact < 0:
        raise ValueError(f"Tỷ lệ không được âm: {ratio}. / A ratio cannot be negative.")
    return exact


def ratio_of(numerator: Number | None, denominator: Number | None) -> Fraction | None:
    """numerator / denominator exactly, or None when there is nothing to divide by (no data)."""
    if numerator is None or denominator is None or _exact(denominator) == 0:
        return None
    num, den = _exact(numerator), _exact(denominator)
    if num < 0 or den < 0:
        raise ValueError("Tử số và mẫu số không được âm. / Counts cannot be negative.")
    return num / den


# --- The functions ---------------------------------------------------------------------------------


def score_ratio(ratio: Number | float, *, max_points: Number, cap: bool = True) -> Decimal:
    """max × ratio, at most max when `cap` (a ratio above 1 is a data error, not extra points)."""
    points = _exact(max_points) * _ratio_checked(ratio)
    return _out(min(points, _exact(max_points)) if cap else points)


def score_ratio_threshold(ratio: Number | float, *, max_points: Number, threshold: Number | float) -> Decimal:
    """min(max, max × ratio / threshold): full points from the threshold up, proportional below."""
    limit = _exact(threshold)
    if not 0 < limit <= 1:
        raise ValueError(f"Ngưỡng phải trong (0, 1]: {threshold}. / Threshold must be in (0, 1].")
    maximum = _exact(max_points)
    return _out(min(maximum, maximum * _ratio_checked(ratio) / limit))


def score_linear(ratio: Number | float, *, factor: Number | float, cap: Number | None = None) -> Decimal:
    """factor × ratio, optionally capped (the observed fit of 766 item 3.5 is 2.5 × C, uncapped)."""
    points = _exact(factor) * _ratio_checked(ratio)
    return _out(min(points, _exact(cap)) if cap is not None else points)


def score_step_table(
    value: Number | float, *, steps: Sequence[tuple[Number, Number]], otherwise: Number = 0
) -> Decimal:
    """The points of the highest step whose `at_least` the value reaches; `otherwise` below them all.
    `steps` is [(at_least, points), …] in any order."""
    reached = _exact(value)
    for at_least, points in sorted(((_exact(a), _exact(p)) for a, p in steps), reverse=True):
        if reached >= at_least:
            return _out(points)
    return _out(_exact(otherwise))


def score_boolean(value: bool, *, max_points: Number) -> Decimal:
    return _out(_exact(max_points) if value else Fraction(0))


@dataclass(frozen=True)
class SumResult:
    total: Decimal | None  # None when no component has points
    missing: tuple[str, ...]  # components without points (no data): the total is partial


def score_sum(parts: Mapping[str, Decimal | None]) -> SumResult:
    """A group total: the sum of the components that have points, and which ones have none."""
    present = [value for value in parts.values() if value is not None]
    missing = tuple(code for code, value in parts.items() if value is None)
    return SumResult(total=_out(sum((_exact(v) for v in present), Fraction(0))) if present else None,
                     missing=missing)


# --- Rules as data ---------------------------------------------------------------------------------


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RatioRule(_Params):
    kind: Literal["ratio"] = "ratio"
    cap: bool = True
    empty: EmptyRule = "no_data"


class RatioThresholdRule(_Params):
    kind: Literal["ratio_threshold"] = "ratio_threshold"
    threshold: Decimal = Field(gt=0, le=1, description="full points from this ratio up (0.8 = 80%)")
    empty: EmptyRule = "no_data"


class LinearRule(_Params):
    kind: Literal["linear"] = "linear"
    factor: Decimal = Field(gt=0)
    cap: Decimal | None = None
    empty: EmptyRule = "no_data"


class Step(_Params):
    at_least: Decimal
    points: Decimal = Field(ge=0)


class StepTableRule(_Params):
    kind: Literal["step_table"] = "step_table"
    steps: list[Step] = Field(min_length=1)
    otherwise: Decimal = Field(Decimal(0), ge=0)

    @field_validator("steps")
    @classmethod
    def _distinct(cls, steps: list[Step]) -> list[Step]:
        thresholds = [step.at_least for step in steps]
        if len(set(thresholds)) != len(thresholds):
            raise ValueError("các bậc trùng ngưỡng at_least / duplicate at_least")
        ordered = sorted(steps, key=lambda step: step.at_least)
        if any(a.points > b.points for a, b in itertools.pairwise(ordered)):
            raise ValueError("bậc cao hơn phải có điểm không thấp hơn / points must not fall as steps rise")
        return steps


class BooleanRule(_Params):
    kind: Literal["boolean"] = "boolean"


class SumRule(_Params):
    kind: Literal["sum"] = "sum"
    components: list[str] = []
    # False when the source gives the group's points but not all its components (766 as written in
    # 2022): the total can then never be complete, and says so.
    complete: bool = True

    @model_validator(mode="after")
    def _some_components(self) -> SumRule:
        if self.complete and not self.components:
            raise ValueError("nhóm đầy đủ phải có thành phần / a complete group needs components")
        return self


class ReportedRule(_Params):
    kind: Literal["reported"] = "reported"


Rule = Annotated[
    RatioRule | RatioThresholdRule | LinearRule | StepTableRule | BooleanRule | SumRule | ReportedRule,
    Field(discriminator="kind"),
]
RULE_KINDS = ("ratio", "ratio_threshold", "linear", "step_table", "boolean", "sum", "reported")


class Alternative(_Params):
    """Another reading of the same component, kept when the sources disagree (regulations.md §4.2,
    "Conflicts and gaps"); a deployment selects it by name in TINHSO_KPI_SCORING_VARIANTS."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    rule: Rule
    source: str = Field(min_length=1, description="where this reading comes from")


class Scoring(_Params):
    """An indicator's `scoring` JSON: its rule (named `variant`) and its alternatives."""

    rule: Rule
    variant: str = Field("default", pattern=r"^[a-z][a-z0-9_]{0,39}$")
    alternatives: list[Alternative] = []

    @model_validator(mode="after")
    def _names_distinct(self) -> Scoring:
        names = [self.variant] + [alt.name for alt in self.alternatives]
        if len(set(names)) != len(names):
            raise ValueError("tên phương án tính điểm trùng nhau / duplicate variant names")
        return self

    def choose(self, variant: str | None = None) -> Rule:
        if variant in (None, self.variant):
            return self.rule
        for alternative in self.alternatives:
            if alternative.name == variant:
                return alternative.rule
        raise ValueError(
            f"Không có phương án tính điểm “{variant}”; có: {', '.join([self.variant] + [a.name for a in self.alternatives])}."
        )


def scoring_parse(formula_kind: str, data: Mapping[str, Any] | None) -> Scoring:
    """The `scoring` JSON of an indicator as stored (`{"threshold": 0.8, "variant": …,
    "alternatives": [{"name", "formula_kind", "scoring", "source"}]}`) → a validated `Scoring`.
    Raises pydantic.ValidationError."""
    data = dict(data or {})
    variant = data.pop("variant", "default")
    alternatives = [
        {"name": alt.get("name"), "source": alt.get("source", ""),
         "rule": {"kind": alt.get("formula_kind"), **(alt.get("scoring") or {})}}
        for alt in data.pop("alternatives", [])
    ]
    return Scoring.model_validate({"rule": {"kind": formula_kind, **data}, "variant": variant,
                                   "alternatives": alternatives})


# --- Applying a rule -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Score:
    ratio: Fraction | None  # None: nothing to divide by
    points: Decimal | None  # None: no data, or an indicator without points
    empty: bool = False


def score(
    rule: Rule,
    *,
    max_points: Number | None,
    numerator: Number | None = None,
    denominator: Number | None = None,
    value: Number | bool | None = None,
) -> Score:
    """Apply `rule`: ratio rules read numerator/denominator (or `value` as the ratio itself),
    step tables and booleans read `value`. Without `max_points` only the ratio is given."""
    if isinstance(rule, (SumRule, ReportedRule)):
        raise TypeError("Tổng nhóm dùng score_sum; giá trị báo cáo không có công thức tính điểm.")
    if isinstance(rule, StepTableRule):
        if value is None:
            return Score(None, None, empty=True)
        return Score(None, score_step_table(value, steps=[(s.at_least, s.points) for s in rule.steps],
                                            otherwise=rule.otherwise))
    if isinstance(rule, BooleanRule):
        if value is None:
            return Score(None, None, empty=True)
        return Score(None, score_boolean(bool(value), max_points=max_points or 0))

    ratio = _exact(value) if value is not None else ratio_of(numerator, denominator)
    if ratio is None:
        if rule.empty == "zero":
            return Score(None, _out(Fraction(0)) if max_points is not None else None, empty=True)
        if rule.empty == "full_points" and max_points is not None:
            return Score(None, _out(_exact(max_points)), empty=True)
        return Score(None, None, empty=True)
    if isinstance(rule, LinearRule):
        return Score(ratio, score_linear(ratio, factor=rule.factor, cap=rule.cap))
    if max_points is None:
        return Score(ratio, None)
    if isinstance(rule, RatioThresholdRule):
        return Score(ratio, score_ratio_threshold(ratio, max_points=max_points, threshold=rule.threshold))
    return Score(ratio, score_ratio(ratio, max_points=max_points, cap=rule.cap))
