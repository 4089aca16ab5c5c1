"""GET /api/v1/units and /api/v1/agencies, as another system of the province would call them.

Figures are the published ones (regulations.md §8) or recomputed here from the data files.
"""

from __future__ import annotations

import csv
import json
import math
import re

import pytest
from django.utils import timezone

from tinhso.core.units import DEMO_AGENCIES_JSON, UNITS_CSV, agencies_load_demo

pytestmark = pytest.mark.django_db

BEFORE, AFTER = "2025-06-30", "2026-01-01"
QCVN_102 = re.compile(r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$")


def get(client, path: str, **params):
    response = client.get(f"/api/v1/{path}", params)
    return response.status_code, response.json()


def count(client, path: str = "units", **params) -> int:
    status, body = get(client, path, page_size=1, **params)
    assert status == 200, body
    return body["count"]


def assert_error_shape(body: dict) -> None:
    assert set(body) == {"code", "message", "details"}


@pytest.mark.parametrize(
    ("date", "level", "expected"),
    [
        (AFTER, "province", 34),
        (AFTER, "district", 0),
        (AFTER, "commune", 3321),
        (BEFORE, "province", 63),
        (BEFORE, "district", 696),
        (BEFORE, "commune", 10051),
    ],
)
def test_units_in_force_on_a_date(client, date, level, expected):
    assert count(client, level=level, date=date) == expected


def test_without_a_date_the_list_is_of_today(client):
    assert count(client) == count(client, date=timezone.localdate().isoformat())


@pytest.mark.parametrize(("code", "communes"), [("86", 124), ("52", 135), ("82", 102)])
def test_communes_of_the_merged_provinces(client, code, communes):
    """Vĩnh Long 124, Gia Lai 135, Đồng Tháp 102 commune-level units (regulations.md §8)."""
    assert count(client, parent=code, date=AFTER) == communes


def test_children_of_a_district_before_july_2025(client):
    _, found = get(client, "units", level="district", q="thanh pho ben tre", date=BEFORE)
    district = found["items"][0]["code"]
    with UNITS_CSV.open(encoding="utf-8") as fh:
        in_file = {
            r["code"]
            for r in csv.DictReader(line for line in fh if not line.startswith("#"))
            if r["parent_level"] == "district" and r["parent_code"] == district
        }

    status, body = get(client, "units", parent=district, date=BEFORE, page_size=500)

    assert status == 200 and body["count"] == len(in_file) > 0
    assert {u["code"] for u in body["items"]} == in_file
    assert {(u["level"], u["parent_code"], u["valid_to"]) for u in body["items"]} == {
        ("commune", district, "2025-07-01")
    }


def test_a_district_has_no_children_after_july_2025(client):
    status, body = get(client, "units", parent="829", date=AFTER)
    assert status == 404 and body["code"] == "unit_not_found"


@pytest.mark.parametrize("q", ["ben tre", "BẾN TRE", "Bến Tre"])
def test_search_is_accent_and_case_insensitive(client, q):
    status, body = get(client, "units", q=q, date=BEFORE)
    assert status == 200
    assert sorted(u["name"] for u in body["items"]) == ["Thành phố Bến Tre", "Tỉnh Bến Tre"]


def test_one_letter_queries_work(client):
    assert 0 < count(client, q="y", level="province", date=AFTER) < 34


def test_pages_cover_every_item_once(client):
    total, page_size = count(client, parent="86", date=AFTER), 50
    seen = []
    for page in range(1, math.ceil(total / page_size) + 1):
        status, body = get(client, "units", parent="86", date=AFTER, page=page, page_size=page_size)
        assert status == 200 and (body["count"], body["page"], body["page_size"]) == (total, page, page_size)
        seen += [u["id"] for u in body["items"]]
    assert len(seen) == len(set(seen)) == total
    _, past_the_end = get(client, "units", parent="86", date=AFTER, page=page + 1, page_size=page_size)
    assert past_the_end["items"] == [] and past_the_end["count"] == total


def test_unknown_parent_is_404_in_vietnamese(client):
    status, body = get(client, "units", parent="99", date=AFTER)
    assert status == 404
    assert_error_shape(body)
    assert body["code"] == "unit_not_found"
    assert body["message"] == "Không tìm thấy đơn vị hành chính có mã 99 vào ngày 01/01/2026."
    assert body["details"] == {"field": "parent", "code": "99", "date": AFTER}


@pytest.mark.parametrize(
    "params", [{"level": "city"}, {"date": "30/06/2025"}, {"page": 0}, {"page_size": 501}]
)
def test_invalid_input_is_422(client, params):
    status, body = get(client, "units", **params)
    assert status == 422
    assert_error_shape(body)
    assert body["code"] == "invalid_input" and body["message"] == "Dữ liệu gửi lên không hợp lệ."
    assert [d["field"] for d in body["details"]] == list(params)


def test_vietnamese_is_not_escaped(client):
    response = client.get("/api/v1/units", {"q": "ben tre", "level": "province", "date": BEFORE})
    assert "Tỉnh Bến Tre".encode() in response.content


def test_a_new_province_lists_the_old_ones_it_was_made_of(client):
    _, found = get(client, "units", level="province", q="vinh long", date=AFTER)
    status, vinh_long = get(client, f"units/{found['items'][0]['id']}")
    assert status == 200 and vinh_long["valid_from"] == "2025-07-01"
    assert {(p["name"], p["kind"]) for p in vinh_long["predecessors"]} == {
        ("Tỉnh Bến Tre", "merged"),
        ("Tỉnh Trà Vinh", "merged"),
        ("Tỉnh Vĩnh Long", "merged"),
    }
    assert vinh_long["successors"] == []


def test_an_old_commune_points_to_its_successor(client):
    _, ben_tre_city = get(client, "units", parent="829", date=BEFORE, page_size=1)
    status, commune = get(client, f"units/{ben_tre_city['items'][0]['id']}")
    assert status == 200 and commune["successors"]
    assert {s["parent_code"] for s in commune["successors"]} == {"86"}


def test_unknown_unit_id_is_404(client):
    status, body = get(client, "units/999999999")
    assert status == 404
    assert_error_shape(body)


# --- Agencies -------------------------------------------------------------------------------------


@pytest.fixture
def demo_agencies():
    agencies_load_demo()
    return json.loads(DEMO_AGENCIES_JSON.read_text("utf-8"))


def test_agencies_of_a_province_by_kind(client, demo_agencies):
    vinh_long = next(p for p in demo_agencies["provinces"] if p["code"] == "86")
    departments = {a["code"] for a in vinh_long["agencies"] if a["kind"] == "so"}

    status, body = get(client, "agencies", unit="86", kind="so", date=AFTER)

    assert status == 200 and body["count"] == len(departments)
    assert {a["code"] for a in body["items"]} == departments
    assert {(a["unit_code"], a["parent_code"]) for a in body["items"]} == {("86", "000.00.00.H61")}


def test_agencies_of_a_commune(client, demo_agencies):
    _, communes = get(client, "units", parent="86", date=AFTER, page_size=1)
    commune = communes["items"][0]
    status, body = get(client, "agencies", unit=commune["code"], date=AFTER)
    assert status == 200 and body["count"] == 1
    assert (body["items"][0]["kind"], body["items"][0]["unit_name"]) == ("ubnd_xa", commune["name"])


def test_agency_codes_are_unique_qcvn_102_codes(client, demo_agencies):
    status, body = get(client, "agencies", date=AFTER, page_size=500)
    codes = [a["code"] for a in body["items"]]
    assert status == 200 and body["count"] == len(codes) == sum(
        len(p["agencies"]) for p in demo_agencies["provinces"]
    )
    assert len(set(codes)) == len(codes)
    assert [c for c in codes if not QCVN_102.match(c)] == []


def test_agencies_under_a_parent_and_by_name(client, demo_agencies):
    total = count(client, "agencies", parent="000.00.00.H20", date=AFTER)
    assert total == len(next(p for p in demo_agencies["provinces"] if p["code"] == "82")["agencies"]) - 1
    _, found = get(client, "agencies", q="so y te", date=AFTER)
    assert sorted(a["name"] for a in found["items"]) == [
        "Sở Y tế tỉnh Gia Lai",
        "Sở Y tế tỉnh Vĩnh Long",
        "Sở Y tế tỉnh Đồng Tháp",
    ]


def test_unknown_agency_parent_and_unit_are_404(client, demo_agencies):
    status, body = get(client, "agencies", parent="000.00.00.H99")
    assert status == 404 and body["code"] == "agency_not_found" and "000.00.00.H99" in body["message"]
    status, body = get(client, "agencies", unit="83", date=AFTER)  # Bến Tre no longer exists
    assert status == 404 and body["code"] == "unit_not_found"


def test_invalid_agency_kind_is_422(client):
    status, body = get(client, "agencies", kind="bo")
    assert status == 422 and body["details"][0]["field"] == "kind"
