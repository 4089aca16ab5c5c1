"""Scoring functions at and around their thresholds, and the rules the registry files give them.

Expected points are worked out by hand from the rules of regulations.md §4.2 ("full points at ≥ 80%,
below: ratio × max / 80%"), not taken from the code.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from pydantic import ValidationError

from tinhso.kpi.loading import indicators_read
from tinhso.kpi.scoring import (
    StepTableRule,
    SumRule,
    ratio_of,
    score,
    score_boolean,
    score_linear,
    score_ratio,
    score_ratio_threshold,
    score_step_table,
    score_sum,
    scoring_parse,
)

D = Decimal


@pytest.mark.parametrize(
    ("ratio", "points"),
    [
        (Fraction(0), D("0")),
        (Fraction(2, 5), D("1")),  # 40% of an 80% threshold: half of 2 points
        (Fraction(7999, 10000), D("1.9998")),  # 2 × 0.7999 / 0.8 = 1.99975 → 1.9998
        (Fraction(4, 5), D("2")),  # exactly at the threshold: full points
        (Fraction(8001, 10000), D("2")),
        (Fraction(1), D("2")),
    ],
)
def test_ratio_with_threshold_80_percent_out_of_2(ratio, points):
    assert score_ratio_threshold(ratio, max_points=2, threshold=D("0.8")) == points


@pytest.mark.parametrize(
    ("ratio", "points"),
    [(Fraction(1, 4), D("3")), (Fraction(4999, 10000), D("5.9988")), (Fraction(1, 2), D("6")), (Fraction(3, 4), D("6"))],
)
def test_ratio_with_threshold_50_percent_out_of_6(ratio, points):
    """766 item 3.3: full points at ≥ 50% of dossiers online."""
    assert score_ratio_threshold(ratio, max_points=6, threshold=D("0.5")) == points


@pytest.mark.parametrize(
    ("ratio", "points"),
    [(Fraction(8999, 10000), D("5.9993")), (Fraction(9, 10), D("6")), (Fraction(9001, 10000), D("6")),
     (Fraction(45, 100), D("3"))],
)
def test_ratio_with_threshold_90_percent_out_of_6(ratio, points):
    """766 item 5.4: full points at ≥ 90% satisfaction."""
    assert score_ratio_threshold(ratio, max_points=6, threshold=D("0.9")) == points


def test_plain_ratio_is_proportional_and_capped():
    assert score_ratio(Fraction(17, 20), max_points=20) == D("17")  # 2.1: 17 of 20 dossiers on time
    assert score_ratio(Fraction(1, 3), max_points=6) == D("2")
    assert score_ratio(Fraction(5, 4), max_points=6) == D("6")  # more than all: a data error, not extra points
    assert score_ratio(Fraction(5, 4), max_points=6, cap=False) == D("7.5")


def test_the_observed_linear_fit_can_exceed_the_maximum():
    """regulations.md §4.2: payment = 6A + min(2, 2.5B) + 2.5C — “2.5C can exceed 2”."""
    assert score_linear(Fraction(9, 10), factor=D("2.5")) == D("2.25")
    assert score_linear(Fraction(9, 10), factor=D("2.5"), cap=2) == D("2")


def test_a_float_ratio_is_read_as_its_decimal_spelling():
    assert score_ratio_threshold(0.8, max_points=2, threshold=0.8) == D("2")


def test_negative_ratios_and_bad_thresholds_are_refused():
    with pytest.raises(ValueError, match="âm"):
        score_ratio(-0.1, max_points=2)
    with pytest.raises(ValueError, match="Ngưỡng"):
        score_ratio_threshold(0.5, max_points=2, threshold=0)


STEERING = [(4, 20), (3, 15), (2, 10), (1, 5)]  # regulations.md §5: met 4 times → 20; 3 → 15; 2 → 10; 1 → 5


@pytest.mark.parametrize(("meetings", "points"), [(0, 0), (1, 5), (2, 10), (3, 15), (4, 20), (12, 20)])
def test_step_table_at_each_step(meetings, points):
    assert score_step_table(meetings, steps=STEERING) == D(points)


def test_step_table_between_steps_takes_the_lower_one():
    assert score_step_table(D("3.99"), steps=list(reversed(STEERING))) == D("15")
    assert score_step_table(D("0.5"), steps=STEERING, otherwise=1) == D("1")


def test_step_table_rule_refuses_duplicate_or_falling_steps():
    with pytest.raises(ValidationError, match="trùng"):
        StepTableRule(steps=[{"at_least": 1, "points": 5}, {"at_least": 1, "points": 6}])
    with pytest.raises(ValidationError, match="không thấp hơn"):
        StepTableRule(steps=[{"at_least": 1, "points": 10}, {"at_least": 2, "points": 5}])


def test_boolean_and_sum():
    assert score_boolean(True, max_points=2) == D("2") and score_boolean(False, max_points=2) == D("0")
    total = score_sum({"766.1.1": D("6"), "766.1.2": D("3.5"), "766.1.3": None, "766.1.4": D("5.25")})
    assert total.total == D("14.75") and total.missing == ("766.1.3",)
    assert score_sum({"a": None}).total is None


def test_ratio_of_gives_no_data_for_an_empty_denominator():
    assert ratio_of(3, 4) == Fraction(3, 4)
    assert ratio_of(0, 0) is None and ratio_of(None, 5) is None


# --- The rules as the registry files give them ------------------------------------------------------

CURRENT = {row.spec.code: row.spec for row in indicators_read() if row.spec.version == "766-dvcqg-2025"}


def rule_of(code: str, variant: str | None = None):
    spec = CURRENT[code]
    return scoring_parse(spec.formula_kind, spec.scoring).choose(variant), spec.max_points


# Thresholds stated by the formula document or observed (regulations.md §4.2, column "Observed scoring").
THRESHOLDS = {"766.3.1": "0.8", "766.3.3": "0.5", "766.3.5": "0.8", "766.3.5b": "0.8", "766.4.3": "0.8",
              "766.5.4": "0.9"}


@pytest.mark.parametrize(("code", "threshold"), sorted(THRESHOLDS.items()))
def test_each_threshold_component_scores_full_at_its_threshold_and_less_just_below(code, threshold):
    rule, maximum = rule_of(code)
    t, step = D(threshold), D("0.0001")
    assert score(rule, max_points=maximum, value=t).points == maximum
    assert score(rule, max_points=maximum, value=min(t + step, D(1))).points == maximum
    below = score(rule, max_points=maximum, value=t - step).points
    # “Dưới 80% tính theo công thức: Tỷ lệ … * Điểm tối đa/80%”, to four places.
    assert below == (maximum * (t - step) / t).quantize(step, rounding=ROUND_HALF_UP) < maximum
    assert score(rule, max_points=maximum, value=t / 2).points == maximum / 2


@pytest.mark.parametrize("code", ["766.1.1", "766.1.2", "766.1.3", "766.1.4", "766.2.1", "766.3.2", "766.3.6",
                                  "766.4.1", "766.4.4", "766.4.5a", "766.4.5b", "766.5.2", "766.5.3"])
def test_linear_components_score_max_times_ratio(code):
    rule, maximum = rule_of(code)
    assert score(rule, max_points=maximum, numerator=3, denominator=4).points == maximum * D("0.75")
    assert score(rule, max_points=maximum, numerator=4, denominator=4).points == maximum


def test_what_an_empty_period_gives_follows_the_rule_text():
    """5.2 and 5.3: “6 if no PAKN”; 5.4: “0 if no dossiers”; 1.4: “if no data, ratio = 0”;
    otherwise no data, never 0."""
    for code, expected in [("766.5.2", D("6")), ("766.5.3", D("6")), ("766.5.4", D("0")), ("766.1.4", D("0")),
                           ("766.2.1", None), ("766.3.3", None)]:
        rule, maximum = rule_of(code)
        result = score(rule, max_points=maximum, numerator=0, denominator=0)
        assert result.empty and result.ratio is None
        assert result.points == expected, code


def test_the_4_2_conflict_is_two_variants():
    """regulations.md §4.2 conflict (a): the formula doc says full at 80%, the portal's scores are linear."""
    observed, maximum = rule_of("766.4.2")
    documented, _ = rule_of("766.4.2", "formula_doc")
    assert score(observed, max_points=maximum, value=Fraction(1, 2)).points == D("2")
    assert score(documented, max_points=maximum, value=Fraction(1, 2)).points == D("2.5")
    assert score(documented, max_points=maximum, value=Fraction(4, 5)).points == D("4")
    with pytest.raises(ValueError, match="Không có phương án"):
        scoring_parse(CURRENT["766.4.2"].formula_kind, CURRENT["766.4.2"].scoring).choose("guess")


def test_the_3_5_observed_fit_is_an_alternative_not_the_default():
    documented, maximum = rule_of("766.3.5")
    observed, _ = rule_of("766.3.5", "observed_uncapped")
    assert score(documented, max_points=maximum, value=Fraction(9, 10)).points == D("2")
    assert score(observed, max_points=maximum, value=Fraction(9, 10)).points == D("2.25")
    assert score(observed, max_points=maximum, value=Fraction(2, 5)).points == score(
        documented, max_points=maximum, value=Fraction(2, 5)).points == D("1")  # the same below 80%


def test_group_rules_list_their_components():
    rule, maximum = rule_of("766.TOTAL")
    assert isinstance(rule, SumRule) and rule.components == ["766.G1", "766.G2", "766.G3", "766.G4", "766.G5"]
    assert maximum == 100
    with pytest.raises(TypeError):
        score(rule, max_points=maximum, value=1)
