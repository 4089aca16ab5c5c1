"""The demo catalogue: data files loaded for the deployment province, idempotently; and the
load_catalog command."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from tinhso.catalog import selectors
from tinhso.catalog.demo import catalog_load_demo, demo_procedure_files
from tinhso.catalog.models import Procedure, ProcedureAssignment, VersionStatus
from tinhso.catalog.schemas import form_schema_problems, version_data_problems
from tinhso.catalog.workflow import compiled
from tinhso.core.models import Agency, AgencyKind
from tinhso.core.units import agencies_load_demo

pytestmark = pytest.mark.django_db

#: What a realistic time limit looks like per unit (Luật Hộ tịch, Nghị định 23/2015, …).
REALISTIC = {"hour": (Decimal(1), Decimal(24)), "working_day": (Decimal(1), Decimal(45)),
             "day": (Decimal(1), Decimal(60)), "month": (Decimal(1), Decimal(3))}


@pytest.fixture
def demo(db):
    agencies_load_demo()
    return catalog_load_demo(province_code="86")


def test_the_data_files_hold_at_least_18_valid_procedures():
    procedures = [p for doc in demo_procedure_files() for p in doc["procedures"]]
    assert len(procedures) >= 18
    assert len({p["code"] for p in procedures}) == len(procedures)
    for item in procedures:
        _clean, problems = version_data_problems(item["version"])
        assert problems == [], (item["code"], problems)
        assert item["workflow"] in ("mot-cua-chuan", "lien-thong-xa-so")
        assert item["code_verified"] or "giả định" in item["note"], item["code"]
    levels = {level for p in procedures for level in p["version"]["agency_levels"]}
    assert levels == {"commune", "province"}


def test_demo_loads_published_procedures_with_valid_forms_workflows_and_time_limits(demo):
    assert demo["procedures"]["created"] >= 18 and demo["versions"]["created"] == demo["procedures"]["created"]
    procedures = list(Procedure.objects.select_related("current_version__workflow"))
    assert len(procedures) >= 18
    for procedure in procedures:
        version = procedure.current_version
        assert version.number == 1 and version.status == VersionStatus.PUBLISHED, procedure.code
        assert version.form_schema and form_schema_problems(version.form_schema) == [], procedure.code
        assert version.workflow.status == VersionStatus.PUBLISHED
        assert compiled(version.workflow).start == "moi_nop"
        assert len(version.components) >= 1 and any(c["required"] for c in version.components), procedure.code
        low, high = REALISTIC[version.processing_unit]
        assert low <= version.processing_amount <= high, procedure.code
        assert selectors.procedure_competent_agencies(procedure).exists(), procedure.code


def test_known_procedures_have_their_real_time_limits_and_fees(demo):
    def current(code):
        return selectors.procedure_current_version(selectors.procedure_get(code))

    assert (current("1.001193").processing_amount, current("1.001193").processing_unit) == (1, "working_day")
    assert (current("1.000894").processing_amount, current("1.000894").processing_unit) == (5, "working_day")
    certification = current("2.000815")
    assert certification.processing_unit == "hour" and certification.fees[0]["amount"] == 2000
    assert current("1.004884").fees[0]["amount"] == 8000


def test_competent_agencies_match_the_province(demo):
    birth = selectors.procedure_get("1.001193")
    communes = Agency.objects.filter(kind=AgencyKind.COMMUNE_PEOPLES_COMMITTEE, code__endswith=".H61")
    assert set(selectors.procedure_competent_agencies(birth)) == set(communes) and communes.count() == 124
    record = selectors.procedure_get("2.000488")
    assert [a.name for a in selectors.procedure_competent_agencies(record)] == ["Sở Tư pháp tỉnh Vĩnh Long"]
    land = selectors.procedure_get("1.012765")
    assert land.current_version.workflow.code == "lien-thong-xa-so"
    assert [a.name for a in selectors.procedure_competent_agencies(land)] == [
        "Sở Nông nghiệp và Môi trường tỉnh Vĩnh Long"]
    # Nothing of another province.
    assert not ProcedureAssignment.objects.exclude(agency__code__endswith=".H61").exists()


def test_the_demo_loader_is_idempotent(demo):
    again = catalog_load_demo(province_code="86")
    assert again["procedures"]["created"] == 0 and again["versions"] == {"created": 0, "unchanged": demo["versions"]["created"]}
    assert again["assignments"] == {"added": 0, "removed": 0}


def test_load_catalog_command_exports_and_imports(demo, tmp_path, capsys):
    call_command("load_catalog", "--demo")
    assert "versions: created 0" in capsys.readouterr().out
    target = tmp_path / "danh-muc.json"
    call_command("load_catalog", "--export", str(target))
    data = json.loads(target.read_text(encoding="utf-8"))
    assert len(data["procedures"]) == Procedure.objects.count()
    sheet = tmp_path / "danh-muc.xlsx"
    call_command("load_catalog", "--export", str(sheet))
    call_command("load_catalog", "--import", str(sheet))
    assert "versions: created 0, unchanged" in capsys.readouterr().out
    data["procedures"][0]["current_version"]["processing_unit"] = "tuan"
    target.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("load_catalog", "--import", str(target))
    assert "procedures.0.current_version.processing_unit" in capsys.readouterr().err
    with pytest.raises(CommandError):
        call_command("load_catalog", "--export", str(tmp_path / "danh-muc.csv"))
