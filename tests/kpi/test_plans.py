"""The three seed plans as data: every target of mission.md's table, each citing its seed.

MISSION_TABLE is transcribed by hand from the table "Targets from the seeds" of mission.md (outside
this repository), one row per cell value: (plan, indicator, scope level, year, comparator, value).
"""

from __future__ import annotations

import json
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from tinhso.kpi.loading import PLANS_DIR, kpi_load_demo, plans_load
from tinhso.kpi.models import Plan, Target
from tinhso.kpi.schemas import KpiDataInvalid

pytestmark = pytest.mark.django_db

BT, BD, DT = "ben-tre-cds-2020-2025", "binh-dinh-cds-2024", "dong-thap-cds-2021-2025"
P, H, X = "province", "district", "commune"

MISSION_TABLE = [
    # eligible procedures as full-process online services: 100% (level 4) | 100% | 100% (level 4)
    (BT, "gov.full_process_procedures", P, 2025, "gte", 100),
    (BD, "gov.full_process_procedures", P, 2024, "gte", 100),
    (DT, "gov.full_process_procedures", P, 2025, "gte", 100),
    # dossiers handled fully online, data entered once: — | ≥80% | ≥80%
    (BD, "gov.dossiers_fully_online", P, 2024, "gte", 80),
    (DT, "gov.dossiers_fully_online", P, 2025, "gte", 80),
    # online services with single sign-on: — | — | 100%
    (DT, "gov.online_services_single_sign_on", P, 2025, "gte", 100),
    # satisfaction with procedures: — | ≥90% | —
    (BD, "gov.procedure_satisfaction", P, 2024, "gte", 90),
    # work dossiers online province / district / commune: 90/80/60% (100/90/70%) | 90/80/60% | —
    (BT, "gov.work_dossiers_online", P, 2025, "gte", 90),
    (BT, "gov.work_dossiers_online", H, 2025, "gte", 80),
    (BT, "gov.work_dossiers_online", X, 2025, "gte", 60),
    (BT, "gov.work_dossiers_online", P, 2030, "gte", 100),
    (BT, "gov.work_dossiers_online", H, 2030, "gte", 90),
    (BT, "gov.work_dossiers_online", X, 2030, "gte", 70),
    (BD, "gov.work_dossiers_online", P, 2024, "gte", 90),
    (BD, "gov.work_dossiers_online", H, 2024, "gte", 80),
    (BD, "gov.work_dossiers_online", X, 2024, "gte", 60),
    # periodic reports integrated on the reporting system: 100% | — | —
    (BT, "gov.reports_on_reporting_system", P, 2025, "gte", 100),
    # foundational databases connected and shared: 80% (90%) | — | —
    (BT, "gov.core_databases_connected", P, 2025, "gte", 80),
    (BT, "gov.core_databases_connected", P, 2030, "gte", 90),
    # inspections through digital means: 50% (70%) | — | —
    (BT, "gov.inspections_digital", P, 2025, "gte", 50),
    (BT, "gov.inspections_digital", P, 2030, "gte", 70),
    # information systems with approved security level: — | ≥90% | —
    (BD, "gov.systems_security_level_approved", P, 2024, "gte", 90),
    # communes with smart radio: — | 100% | —
    (BD, "gov.communes_smart_radio", P, 2024, "gte", 100),
    # digital economy share of GRDP: 10% (20–30%) | 10% | — ; 001 says 30%, 002 says 20%: both kept
    (BT, "econ.digital_economy_grdp_share", P, 2025, "gte", 10),
    (BT, "econ.digital_economy_grdp_share", P, 2030, "gte", 20),
    (BT, "econ.digital_economy_grdp_share", P, 2030, "gte", 30),
    (BD, "econ.digital_economy_grdp_share", P, 2024, "gte", 10),
    # digital economy share in each sector: ≥5% (≥15%) | ≥10% | —
    (BT, "econ.digital_economy_sector_share", P, 2025, "gte", 5),
    (BT, "econ.digital_economy_sector_share", P, 2030, "gte", 15),
    (BD, "econ.digital_economy_sector_share", P, 2024, "gte", 10),
    # labour productivity growth per year: ≥7% (≥8%) | ≥7% | —
    (BT, "econ.labour_productivity_growth", P, 2025, "gte", 7),
    (BT, "econ.labour_productivity_growth", P, 2030, "gte", 8),
    (BD, "econ.labour_productivity_growth", P, 2024, "gte", 7),
    # enterprises using e-contracts / SMEs on digital platforms: — | >60% / >40% | — / >55% on e-commerce
    (BD, "econ.enterprises_e_contracts", P, 2024, "gt", 60),
    (BD, "econ.smes_digital_platforms", P, 2024, "gt", 40),
    (DT, "econ.smes_on_ecommerce", P, 2025, "gt", 55),
    # broadband households / communes (villages): 80% / 100% | >80% / 100% of villages | —
    (BT, "soc.broadband_households", P, 2025, "gte", 80),
    (BT, "soc.broadband_communes", P, 2025, "gte", 100),
    (BD, "soc.broadband_households", P, 2024, "gt", 80),
    (BD, "soc.fibre_villages", P, 2024, "gte", 100),
    # adults with smartphones: universal | >80% | —
    (BT, "soc.mobile_smartphone_universal", P, 2025, "eq", 1),
    (BD, "soc.adults_with_smartphone", P, 2024, "gt", 80),
    # population with e-payment accounts: >50% | >60% (age 15+) | —
    (BT, "soc.population_e_payment_account", P, 2025, "gt", 50),
    (BD, "soc.population_15_payment_account", P, 2024, "gt", 60),
    # adults with digital signature / using online services: — | >40% / >40% | —
    (BD, "soc.adults_digital_signature", P, 2024, "gt", 40),
    (BD, "soc.adults_using_online_services", P, 2024, "gt", 40),
    # schools and provincial hospitals cashless: — | 100% / 100% | —
    (BD, "soc.schools_cashless", P, 2024, "gte", 100),
    (BD, "soc.hospitals_cashless", P, 2024, "gte", 100),
    # population with e-health records: — | >90% | —
    (BD, "soc.population_e_health_record", P, 2024, "gt", 90),
    # ranking (ICT index / DTI): top 25 (top 10) | raise DTI and PAR index | DTI top 25 (top 20)
    (BT, "rank.ict_index", P, 2025, "top_n", 25),
    (BT, "rank.ict_index", P, 2030, "top_n", 10),
    (BD, "index.dti_province", P, 2024, "improve", None),
    (BD, "index.par_province", P, 2024, "improve", None),
    (DT, "rank.dti_province", P, 2025, "top_n", 25),
    (DT, "rank.dti_province", P, 2030, "top_n", 20),
]

# In the seeds but not in mission.md's table, recorded as well: 002's "nhóm 30" for the ICT ranking
# (001 says 25) and 001's smart-city platform for the city of Bến Tre.
EXTRA = [
    (BT, "rank.ict_index", P, 2025, "top_n", 30),
    (BT, "gov.smart_city_platform", H, 2025, "eq", 1),
]

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"


def row_of(target: Target) -> tuple:
    value = None if target.value is None else int(target.value)
    return (target.plan.code, target.indicator.code, target.scope_level, target.year, target.comparator, value)


@pytest.fixture
def demo():
    return kpi_load_demo()


def test_the_table_has_55_cells_with_a_target():
    assert len(MISSION_TABLE) == 55 and len(set(MISSION_TABLE)) == 55


def test_every_target_of_the_mission_table_is_loaded_and_nothing_else(demo):
    loaded = sorted(row_of(t) for t in Target.objects.select_related("plan", "indicator"))
    assert loaded == sorted(MISSION_TABLE + EXTRA)


def test_every_target_cites_its_seed_and_quotes_it(demo):
    for target in Target.objects.select_related("plan"):
        files = {source["file"] for source in target.plan.sources}
        assert target.source_file in files
        assert re.fullmatch(r"00[0-4]_[0-9a-f]{16}\.txt", target.source_file)
        assert target.source_line >= 1 and len(target.source_sentence) >= 10


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed articles live outside the repository")
def test_every_quoted_sentence_is_on_its_line_of_the_seed(demo):
    def words(text: str) -> str:
        return " ".join(text.split())

    for target in Target.objects.all():
        lines = (SEEDS / target.source_file).read_text(encoding="utf-8").split("\n")
        assert words(target.source_sentence) in words(lines[target.source_line - 1]), target.key


def test_plans_keep_their_original_province_and_their_facts(demo):
    plans = {p.code: p for p in Plan.objects.select_related("province")}
    assert (plans[BT].province.name, plans[BT].province.code) == ("Tỉnh Bến Tre", "83")
    assert (plans[BD].province.name, plans[BD].province.code) == ("Tỉnh Bình Định", "52")
    assert (plans[DT].province.name, plans[DT].province.code) == ("Tỉnh Đồng Tháp", "87")
    assert all(p.province.valid_to is not None for p in plans.values())  # the pre-2025 units
    # budget: 1,285,920 million VND | — | 3,081 billion VND, 69% private
    assert plans[BT].budget_vnd == 1_285_920 * 10**6
    assert plans[BD].budget_vnd is None
    assert plans[DT].budget_vnd == 3_081 * 10**9 and "69%" in plans[DT].budget_note
    assert (plans[BD].decision_number, str(plans[BD].decision_date)) == ("33/KH-UBND", "2024-02-23")
    assert (plans[BT].start_year, plans[BT].end_year, plans[BT].vision_year) == (2020, 2025, 2030)
    assert (plans[DT].start_year, plans[DT].vision_year) == (2021, 2030)
    assert set(plans[DT].priority_sectors) == {"nông nghiệp", "giáo dục", "y tế"}
    assert all(p.is_published and set(p.pillars) == {"digital_government", "digital_economy", "digital_society"}
               for p in plans.values())


def test_the_smart_city_target_names_the_city_of_ben_tre(demo):
    target = Target.objects.get(indicator__code="gov.smart_city_platform")
    assert (target.unit.name, target.unit.level, target.unit.parent.code) == ("Thành phố Bến Tre", "district", "83")


def test_loading_twice_changes_nothing(demo):
    again = kpi_load_demo()
    assert again["plans"] == {"created": 0, "updated": 0, "unchanged": 3, "deleted": 0}
    assert again["targets"] == {"created": 0, "updated": 0, "unchanged": 57, "deleted": 0}


# --- Refused plan files ----------------------------------------------------------------------------


@pytest.fixture
def plan_files(tmp_path: Path) -> Path:
    target = tmp_path / "plans"
    shutil.copytree(PLANS_DIR, target)
    return target


def edit(path: Path, change) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def refused(directory: Path) -> list[dict]:
    with pytest.raises(KpiDataInvalid) as caught:
        plans_load(directory=directory)
    assert not Plan.objects.exists() and not Target.objects.exists()  # nothing written, not even the good files
    return caught.value.problems


def test_a_target_naming_an_unknown_indicator_is_refused_by_name(plan_files):
    edit(plan_files / "binh-dinh-2024.json", lambda d: d["targets"][3].update(indicator="gov.dossiers_online_typo"))
    [problem] = refused(plan_files)
    assert problem["file"] == "binh-dinh-2024.json" and problem["field"] == "targets[3].indicator"
    assert problem["message"].startswith("Chỉ tiêu “gov.dossiers_online_typo” không có trong danh mục chỉ tiêu")


def test_a_plan_for_an_unknown_province_is_refused(plan_files):
    edit(plan_files / "dong-thap-2021-2025.json", lambda d: d.update(province={"code": "87", "on": "2026-01-01"}))
    [problem] = refused(plan_files)
    assert problem["field"] == "province"
    assert "Không có tỉnh mã 87 vào ngày 01/01/2026" in problem["message"]  # Đồng Tháp's old code is gone


def test_a_target_unit_outside_the_plans_province_is_refused(plan_files):
    def elsewhere(d):
        d["targets"][-1]["unit"] = {"code": "001", "on": "2020-10-20"}  # Ba Đình, Hà Nội

    edit(plan_files / "ben-tre-2020-2025.json", elsewhere)
    [problem] = refused(plan_files)
    assert problem["field"].endswith(".unit") and "không thuộc Tỉnh Bến Tre" in problem["message"]


def test_a_766_code_needs_its_version(plan_files):
    edit(plan_files / "dong-thap-2021-2025.json", lambda d: d["targets"][0].update(indicator="766.2.1"))
    [problem] = refused(plan_files)
    assert problem["field"] == "targets[0].indicator_version" and "766-2022" in problem["message"]


def test_a_target_without_value_or_outside_the_plan_years_is_refused(plan_files):
    edit(plan_files / "ben-tre-2020-2025.json", lambda d: d["targets"][0].update(value=None))
    edit(plan_files / "dong-thap-2021-2025.json", lambda d: d["targets"][1].update(year=2031))
    problems = refused(plan_files)  # both files' problems at once
    assert any(p["file"] == "ben-tre-2020-2025.json" and p["field"] == "targets[0]"
               and "thiếu giá trị" in p["message"] for p in problems)
    assert any(p["file"] == "dong-thap-2021-2025.json" and "năm 2031 ngoài thời kỳ 2021–2030" in p["message"]
               for p in problems)


def test_a_removed_target_is_deleted_on_reload(demo, plan_files):
    edit(plan_files / "dong-thap-2021-2025.json", lambda d: d["targets"].pop())
    result = plans_load(directory=plan_files)
    assert result["targets"]["deleted"] == 1
    assert not Target.objects.filter(plan__code=DT, key="xep-hang-dti-2030").exists()


def test_values_are_decimals_not_floats(demo):
    assert Target.objects.get(plan__code=BT, key="kinh-te-so-grdp-2025").value == Decimal(10)
