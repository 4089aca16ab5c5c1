"""GET /api/v1/kpi/…, as an open-data reader (no login) would call it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from kpi.test_plans import EXTRA, MISSION_TABLE
from tinhso.kpi.loading import kpi_load_demo
from tinhso.kpi.models import Indicator, Plan, Target
from tinhso.kpi.periods import Period
from tinhso.kpi.scopes import unit_at
from tinhso.kpi.services import MeasurementRow, measurements_store

pytestmark = pytest.mark.django_db


def get(client, path: str, **params):
    response = client.get(f"/api/v1/kpi/{path}", params)
    return response.status_code, response.json()


def assert_error(body: dict, code: str) -> None:
    assert set(body) == {"code", "message", "details"} and body["code"] == code


@pytest.fixture
def demo():
    kpi_load_demo()


def test_the_indicator_list_is_paginated_and_filtered(client):
    status, body = get(client, "indicators", page_size=10)
    assert status == 200 and set(body) == {"count", "page", "page_size", "items"}
    assert body["count"] == Indicator.objects.count() and len(body["items"]) == 10
    status, body = get(client, "indicators", version="766-dvcqg-2025", page_size=100)
    assert body["count"] == Indicator.objects.filter(version="766-dvcqg-2025").count()
    assert {item["version"] for item in body["items"]} == {"766-dvcqg-2025"}
    status, body = get(client, "indicators", pillar="digital_society", source="computed")
    assert body["count"] == 0
    assert get(client, "indicators", q="GRDP")[1]["items"][0]["code"] == "econ.digital_economy_grdp_share"


def test_an_indicator_shows_formula_basis_and_versions(client):
    status, body = get(client, "indicators/766.3.3")
    assert status == 200
    assert (body["version"], body["max_points"], body["formula_kind"]) == ("766-dvcqg-2025", 6.0, "ratio_threshold")
    assert body["scoring"] == {"threshold": 0.5}
    assert body["legal_basis"]["article"] == "Mô tả công thức tính chỉ số 766, mục 3.3"
    assert "Đạt từ 50% trở lên sẽ đạt điểm tối đa" in body["rule"]
    assert body["versions"] == ["766-dvcqg-2025"]
    status, body = get(client, "indicators/766.1.1", version="766-2022")
    assert (body["version"], body["max_points"], body["versions"]) == ("766-2022", None, ["766-2022", "766-dvcqg-2025"])
    total = get(client, "indicators/766.TOTAL")[1]
    assert total["components"] == ["766.G1", "766.G2", "766.G3", "766.G4", "766.G5"]


def test_an_unknown_indicator_is_a_404_in_vietnamese(client):
    status, body = get(client, "indicators/766.9.9")
    assert status == 404
    assert_error(body, "indicator_not_found")
    assert body["message"] == "Không tìm thấy chỉ tiêu 766.9.9."


def test_published_plans_with_where_they_are_measured_now(client, demo):
    status, body = get(client, "plans")
    assert status == 200 and body["count"] == 3
    ben_tre = next(p for p in body["items"] if p["code"] == "ben-tre-cds-2020-2025")
    assert ben_tre["province"]["name"] == "Tỉnh Bến Tre" and ben_tre["province"]["valid_to"] == "2025-07-01"
    assert ben_tre["target_count"] == Target.objects.filter(plan__code="ben-tre-cds-2020-2025").count()
    assert ben_tre["budget_vnd"] == 1_285_920_000_000
    [now] = ben_tre["measured_on"]["units"]
    assert (now["code"], now["name"], now["whole"], now["exact"]) == ("86", "Tỉnh Vĩnh Long", True, False)
    assert ben_tre["measured_on"]["exact"] is False and ben_tre["measured_on"]["commune_count"] > 0
    assert get(client, "plans", unit="86")[1]["count"] == 1
    assert get(client, "plans", unit="52")[1]["items"][0]["code"] == "binh-dinh-cds-2024"


def test_unpublished_plans_are_not_open_data(client, demo):
    plan = Plan.objects.get(code="binh-dinh-cds-2024")
    plan.is_published = False
    plan.save()
    assert get(client, "plans")[1]["count"] == 2
    status, body = get(client, f"plans/{plan.pk}")
    assert status == 404 and body["code"] == "plan_not_found"
    assert get(client, "targets", indicator="soc.population_e_health_record")[1]["count"] == 0


def test_a_plan_lists_its_targets_with_source_and_status(client, demo):
    plan = Plan.objects.get(code="dong-thap-cds-2021-2025")
    status, body = get(client, f"plans/{plan.pk}")
    assert status == 200 and len(body["targets"]) == 6
    sso = next(t for t in body["targets"] if t["indicator_code"] == "gov.online_services_single_sign_on")
    assert (sso["comparator_symbol"], sso["value"], sso["year"]) == ("≥", 100.0, 2025)
    assert sso["source_file"] == "004_7e1b9530e3fb325a.txt" and sso["source_line"] == 10
    assert sso["source_sentence"].startswith("100% dịch vụ công trực tuyến có chức năng định danh")
    assert sso["status"] == {"status": "no_data", "reason": "no_observation", "latest_period": None,
                             "latest_value": None, "forecast": None}
    dti = next(t for t in body["targets"] if t["key"] == "xep-hang-dti-2030")
    assert (dti["comparator"], dti["value"]) == ("top_n", 20.0)


def test_a_plan_target_status_follows_its_measurements(client, demo):
    indicator = Indicator.objects.get(code="gov.dossiers_fully_online")
    measurements_store(rows=[MeasurementRow(indicator_id=indicator.pk, period=Period.of_year(2025),
                                            scope_level="province", unit_id=unit_at("82", dt.date(2026, 1, 1)).pk,
                                            value=Decimal("83.5"))])
    plan = Plan.objects.get(code="dong-thap-cds-2021-2025")
    target = next(t for t in get(client, f"plans/{plan.pk}")[1]["targets"] if t["key"] == "ho-so-truc-tuyen-2025")
    assert target["status"]["status"] == "met" and target["status"]["latest_value"] == 83.5


def test_targets_filter_by_plan_indicator_and_year(client, demo):
    plan = Plan.objects.get(code="ben-tre-cds-2020-2025")
    expected = [row for row in MISSION_TABLE + EXTRA if row[0] == plan.code and row[3] == 2030]
    assert get(client, "targets", plan=plan.pk, year=2030)[1]["count"] == len(expected) == 10
    body = get(client, "targets", indicator="gov.work_dossiers_online", page_size=50)[1]
    assert sorted((t["plan_code"][:5], t["scope_level"], t["year"], t["value"]) for t in body["items"]) == sorted([
        ("ben-t", "province", 2025, 90.0), ("ben-t", "district", 2025, 80.0), ("ben-t", "commune", 2025, 60.0),
        ("ben-t", "province", 2030, 100.0), ("ben-t", "district", 2030, 90.0), ("ben-t", "commune", 2030, 70.0),
        ("binh-", "province", 2024, 90.0), ("binh-", "district", 2024, 80.0), ("binh-", "commune", 2024, 60.0),
    ])
    status, body = get(client, "targets", plan=999999)
    assert status == 404 and body["code"] == "plan_not_found"


def test_measurements_read_a_unit_code_on_the_periods_date(client):
    """52 is Bình Định in 2024 and Gia Lai in 2026: the period decides which."""
    indicator = Indicator.objects.get(code="766.2.1", version="766-dvcqg-2025")
    binh_dinh, gia_lai = unit_at("52", dt.date(2024, 1, 1)), unit_at("52", dt.date(2026, 1, 1))
    measurements_store(rows=[
        MeasurementRow(indicator_id=indicator.pk, period=Period.of_year(2024), scope_level="province",
                       unit_id=binh_dinh.pk, numerator=90, denominator=100, value=Decimal(90), points=Decimal(18)),
        MeasurementRow(indicator_id=indicator.pk, period=Period.of_year(2026), scope_level="province",
                       unit_id=gia_lai.pk, numerator=0, denominator=0, value=None, points=None),
    ])
    status, body = get(client, "measurements", indicator="766.2.1", unit="52", period="2024")
    assert status == 200 and body["count"] == 1
    [item] = body["items"]
    assert (item["unit_name"], item["value"], item["points"], item["numerator"]) == ("Tỉnh Bình Định", 90.0, 18.0, 90.0)
    assert (item["period_start"], item["period_end"], item["indicator_version"]) == ("2024-01-01", "2025-01-01",
                                                                                    "766-dvcqg-2025")
    [later] = get(client, "measurements", indicator="766.2.1", unit="52", period="2026")[1]["items"]
    assert (later["unit_name"], later["value"]) == ("Tỉnh Gia Lai", None)  # no data, not 0


def test_measurement_filters_refuse_bad_input(client):
    status, body = get(client, "measurements", period="2026-13")
    assert status == 422 and body["details"][0]["field"] == "period"
    status, body = get(client, "measurements", unit="83", period="2026")
    assert status == 404 and body["code"] == "unit_not_found"
    assert body["message"] == "Không tìm thấy đơn vị hành chính có mã 83 vào ngày 01/01/2026."
    status, body = get(client, "measurements", scope_level="galaxy")
    assert status == 422 and body["code"] == "invalid_input"
    assert get(client, "measurements")[1]["count"] == 0
