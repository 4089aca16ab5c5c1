"""Demo agencies of three merged provinces: QCVN 102 codes, one People's Committee per commune."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from tinhso.core import selectors
from tinhso.core.models import Agency, AgencyKind, UnitLevel
from tinhso.core.units import DEMO_AGENCIES_JSON, agencies_load_demo

pytestmark = pytest.mark.django_db

AFTER = dt.date(2026, 1, 1)
# QCVN 102:2016/BTTTT: V1V2V3.Z1Z2.Y1Y2.MX1X2 (level 4 . level 3 . level 2 . level 1).
QCVN_102 = re.compile(r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$")
# Portal codes of the post-merger provinces on dichvucong.gov.vn (regulations.md §2.5, §8).
PORTAL_CODE = {"86": "H61", "52": "H21", "82": "H20"}


@pytest.fixture
def demo_agencies():
    return agencies_load_demo()


def province(code: str):
    return selectors.unit_get_by_code(code=code, day=AFTER)


def test_loading_the_demo_twice_changes_nothing(demo_agencies):
    assert demo_agencies["created"] == Agency.objects.count() > 0
    again = agencies_load_demo()
    assert again == {"created": 0, "updated": 0, "unchanged": demo_agencies["created"], "deleted": 0}


def test_codes_are_unique_and_follow_qcvn_102(demo_agencies):
    codes = [
        item["code"]
        for p in json.loads(DEMO_AGENCIES_JSON.read_text("utf-8"))["provinces"]
        for item in p["agencies"]
    ]
    assert len(codes) == len(set(codes))
    assert [c for c in codes if not QCVN_102.match(c)] == []


@pytest.mark.parametrize("code", PORTAL_CODE)
def test_the_provincial_peoples_committee_has_the_level_one_code(demo_agencies, code):
    committee = selectors.agency_list(
        day=AFTER, unit=province(code), kind=AgencyKind.PROVINCE_PEOPLES_COMMITTEE
    ).get()
    assert committee.code == f"000.00.00.{PORTAL_CODE[code]}"
    assert committee.unit == province(code)


@pytest.mark.parametrize("code", PORTAL_CODE)
def test_departments_are_level_two_units_under_the_committee(demo_agencies, code):
    committee = Agency.objects.get(code=f"000.00.00.{PORTAL_CODE[code]}")
    departments = selectors.agency_list(day=AFTER, unit=province(code), kind=AgencyKind.DEPARTMENT)
    assert departments.count() >= 6
    for department in departments:
        v, z, y, m = department.code.split(".")
        assert (v, z, m) == ("000", "00", PORTAL_CODE[code]) and y != "00"
        assert department.parent == committee and department.unit == province(code)
    assert {d.name.split(" tỉnh ")[0] for d in departments} >= {"Sở Tư pháp", "Sở Nội vụ", "Sở Tài chính"}


@pytest.mark.parametrize("code", PORTAL_CODE)
def test_every_commune_has_its_peoples_committee(demo_agencies, code):
    communes = set(selectors.unit_children(unit=province(code), day=AFTER).values_list("id", flat=True))
    committees = selectors.agency_list(
        day=AFTER, unit=province(code), kind=AgencyKind.COMMUNE_PEOPLES_COMMITTEE
    )
    assert sorted(committees.values_list("unit_id", flat=True)) == sorted(communes)
    for committee in committees:
        v, z, y, m = committee.code.split(".")
        assert v == "000" and z != "00" and m == PORTAL_CODE[code]


def test_agencies_of_a_commune_are_found_by_the_commune(demo_agencies):
    commune = selectors.unit_list(day=AFTER, level=UnitLevel.COMMUNE, parent=province("86")).first()
    found = selectors.agency_list(day=AFTER, unit=commune)
    assert [(a.kind, a.unit_id) for a in found] == [(AgencyKind.COMMUNE_PEOPLES_COMMITTEE, commune.pk)]
    assert found.get().name.endswith(commune.name.split(" ", 1)[1])


def test_agency_search_ignores_marks(demo_agencies):
    by_plain = selectors.agency_list(day=AFTER, q="so tu phap")
    assert set(by_plain) == set(selectors.agency_list(day=AFTER, q="SỞ TƯ PHÁP"))
    assert by_plain.count() == len(PORTAL_CODE)


def test_agencies_did_not_exist_before_the_merger(demo_agencies):
    assert not selectors.agency_list(day=dt.date(2025, 6, 30)).exists()
