"""The indicator registry as migration 0002 loaded it, its reload, and broken files refused whole.

Points are transcribed from regulations.md §4.2 (components) and §4.1 (the five groups, 100 in all).
"""

from __future__ import annotations

import functools
import json
import shutil
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tinhso.kpi.loading import INDICATORS_DIR, indicators_load
from tinhso.kpi.models import Indicator
from tinhso.kpi.schemas import KpiDataInvalid
from tinhso.kpi.selectors import indicator_components, indicator_get, indicator_rule

pytestmark = pytest.mark.django_db

CURRENT = "766-dvcqg-2025"

# regulations.md §4.2, column "Max pts" (2.2 has none; 5.1 is tracking only; 4.x = the certified copy).
COMPONENT_POINTS = {
    "766.1.1": 6, "766.1.2": 4, "766.1.3": 2, "766.1.4": 6,
    "766.2.1": 20, "766.2.2": None,
    "766.3.1": 2, "766.3.2": 4, "766.3.3": 6, "766.3.5": 2, "766.3.5b": 2, "766.3.6": 6,
    "766.4.1": 6, "766.4.2": 4, "766.4.3": 2, "766.4.4": 4, "766.4.5a": 2, "766.4.5b": 2, "766.4.ecc": 2,
    "766.5.1": 0, "766.5.2": 6, "766.5.3": 6, "766.5.4": 6,
}
# regulations.md §4.1 (2022 points) and §4.2 ("Group total = … = 100").
GROUP_POINTS = {"766.G1": 18, "766.G2": 20, "766.G3": 22, "766.G4": 22, "766.G5": 18, "766.TOTAL": 100}


def file_items() -> int:
    return sum(len(json.loads(p.read_text(encoding="utf-8"))["indicators"]) for p in INDICATORS_DIR.glob("*.json"))


def test_every_766_component_is_in_the_current_version_with_its_points():
    for code, points in COMPONENT_POINTS.items():
        indicator = Indicator.objects.get(code=code, version=CURRENT)
        assert indicator.max_points == (None if points is None else Decimal(points)), code
        assert indicator.pillar == "service_quality"
        assert indicator.legal_basis.startswith("Quyết định 766/QĐ-TTg"), code


def test_groups_add_up_from_their_components_to_100():
    def points(indicator: Indicator) -> Decimal:
        parts = indicator_components(indicator)
        return sum((points(p) for p in parts), Decimal(0)) if parts else (indicator.max_points or Decimal(0))

    for code, expected in GROUP_POINTS.items():
        group = Indicator.objects.get(code=code, version=CURRENT)
        assert group.max_points == expected
        assert points(group) == expected, code
    online = Indicator.objects.get(code="766.G3", version=CURRENT)
    assert [c.code for c in indicator_components(online)] == ["766.G3.online", "766.G3.payment"]
    assert [c.max_points for c in indicator_components(online)] == [12, 10]


def test_the_2022_version_keeps_the_group_points_and_says_what_is_unknown():
    groups = {i.code: i.max_points for i in Indicator.objects.filter(version="766-2022", formula_kind="sum")}
    assert groups == {k: Decimal(v) for k, v in GROUP_POINTS.items()}
    assert Indicator.objects.get(code="766.1.2", version="766-2022").max_points == 4
    assert Indicator.objects.get(code="766.5.4", version="766-2022").max_points == 6
    assert Indicator.objects.get(code="766.1.1", version="766-2022").max_points is None
    assert "63/2010" in Indicator.objects.get(code="766.1.1", version="766-2022").numerator
    assert not indicator_rule(Indicator.objects.get(code="766.G3", version="766-2022")).complete


def test_a_code_with_two_versions_reads_the_deployments_version(settings):
    assert indicator_get(code="766.2.1").version == CURRENT
    settings.TINHSO_KPI_766_VERSION = "766-2022"
    assert indicator_get(code="766.2.1").version == "766-2022"
    assert indicator_get(code="766.2.1", version=CURRENT).version == CURRENT
    assert indicator_get(code="766.3.3").version == CURRENT  # only one version exists
    assert indicator_get(code="no.such") is None


def test_the_scoring_variant_is_a_setting(settings):
    indicator = Indicator.objects.get(code="766.4.2", version=CURRENT)
    assert indicator_rule(indicator).kind == "ratio"
    settings.TINHSO_KPI_SCORING_VARIANTS = {"766.4.2": "formula_doc"}
    assert indicator_rule(indicator).kind == "ratio_threshold"


def test_plan_indicators_are_reported_or_computed_as_the_mission_says():
    """mission.md §11: digital economy and society come in through reporting."""
    assert not Indicator.objects.filter(pillar__in=["digital_economy", "digital_society"], source="computed").exists()
    assert Indicator.objects.get(code="gov.dossiers_fully_online").source == "computed"


def test_the_migration_loaded_every_item_of_the_files_and_a_reload_changes_nothing():
    assert Indicator.objects.count() == file_items()
    before = {(i.code, i.version): i.pk for i in Indicator.objects.all()}
    result = indicators_load()
    assert result["indicators"] == {"created": 0, "updated": 0, "unchanged": file_items(), "unlisted": 0}
    assert {(i.code, i.version): i.pk for i in Indicator.objects.all()} == before


def test_load_kpi_command_reports_counts():
    out = StringIO()
    call_command("load_kpi", stdout=out)
    assert f"unchanged {file_items()}" in out.getvalue()


# --- Broken files ----------------------------------------------------------------------------------


@pytest.fixture
def files(tmp_path: Path) -> Path:
    target = tmp_path / "indicators"
    shutil.copytree(INDICATORS_DIR, target)
    return target


def edit(directory: Path, name: str, change) -> None:
    path = directory / name
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def item(data: dict, code: str) -> tuple[int, dict]:
    return next((i, x) for i, x in enumerate(data["indicators"]) if x["code"] == code)


def problems_of(directory: Path) -> list[dict]:
    with pytest.raises(KpiDataInvalid) as caught:
        indicators_load(directory=directory)
    return caught.value.problems


def test_a_missing_threshold_names_file_and_field(files):
    index = {}

    def drop(data):
        index["i"], found = item(data, "766.3.1")
        found["scoring"] = {}

    edit(files, "766-dvcqg-2025.json", drop)
    problems = problems_of(files)
    assert {"file": "766-dvcqg-2025.json", "field": f"indicators[{index['i']}].scoring.threshold"} == {
        k: problems[0][k] for k in ("file", "field")}
    assert problems[0]["message"].startswith("Thiếu trường bắt buộc")


def test_an_unknown_pillar_and_a_wrong_type_are_both_reported(files):
    def spoil(data):
        data["indicators"][0]["pillar"] = "digital_culture"
        data["indicators"][1]["factor"] = "một trăm"

    edit(files, "digital-society.json", spoil)
    fields = {(p["file"], p["field"]) for p in problems_of(files)}
    assert ("digital-society.json", "indicators[0].pillar") in fields
    assert ("digital-society.json", "indicators[1].factor") in fields


def test_group_points_that_do_not_add_up_are_refused(files):
    edit(files, "766-dvcqg-2025.json", lambda data: item(data, "766.1.1")[1].update(max_points=5))
    problem = next(p for p in problems_of(files) if p["field"].endswith("max_points"))
    assert "17" in problem["message"] and "18" in problem["message"]


def test_an_unknown_component_is_refused(files):
    edit(files, "766-dvcqg-2025.json",
         lambda data: item(data, "766.G5")[1]["scoring"]["components"].append("766.5.9"))
    problem = next(p for p in problems_of(files) if "components[4]" in p["field"])
    assert "766.5.9" in problem["message"]


def test_unreadable_json_names_the_file(files):
    (files / "rankings.json").write_text("{ not json", encoding="utf-8")
    problem = problems_of(files)[0]
    assert problem["file"] == "rankings.json" and "JSON" in problem["message"]


def test_a_duplicate_code_and_version_is_refused(files):
    (files / "copy.json").write_text((files / "rankings.json").read_text(encoding="utf-8"), encoding="utf-8")
    assert any("đã khai báo" in p["message"] for p in problems_of(files))


def test_nothing_changes_when_any_file_is_broken(files):
    edit(files, "digital-economy.json", lambda data: data["indicators"][0].update(name="Tên đã đổi"))
    edit(files, "rankings.json", lambda data: data["indicators"][0].update(unit="stars"))
    problems_of(files)
    assert Indicator.objects.get(code="econ.digital_economy_grdp_share").name == "Tỷ trọng kinh tế số trong GRDP của tỉnh"


def test_the_command_prints_every_problem_and_fails(files, monkeypatch):
    edit(files, "rankings.json", lambda data: data["indicators"][0].update(unit="stars"))
    monkeypatch.setattr("tinhso.kpi.loading.indicators_load", functools.partial(indicators_load, directory=files))
    err = StringIO()
    with pytest.raises(CommandError, match="không có gì thay đổi"):
        call_command("load_kpi", stderr=err)
    assert "rankings.json: indicators[0].unit" in err.getvalue()


def test_a_step_worth_more_than_the_maximum_is_refused(files):
    def spoil(data):
        steps = item(data, "dti.steering_meetings")[1]["scoring"]["steps"]
        steps[0]["points"] = 25  # the rule gives at most 20

    edit(files, "rankings.json", spoil)
    problem = next(p for p in problems_of(files) if p["field"].endswith("scoring.steps"))
    assert problem["file"] == "rankings.json" and "vượt điểm tối đa 20" in problem["message"]
