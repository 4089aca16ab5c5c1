"""Lineage-aware scopes with real units: Bến Tre's plan measured on Vĩnh Long, old communes onto new.

Expected sets are recomputed here from core's data files (units.csv, unit_lineage.csv), not from
the code under test; names come from the official conversion table those files hold.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict

import pytest

from tinhso.core.units import LINEAGE_CSV, UNITS_CSV
from tinhso.kpi.errors import NotFound
from tinhso.kpi.loading import kpi_load_demo
from tinhso.kpi.models import Plan
from tinhso.kpi.scopes import (
    commune_mapping,
    current_communes,
    current_units,
    former_units,
    plan_scope,
    target_scope,
    unit_at,
)
from tinhso.kpi.selectors import plan_list

pytestmark = pytest.mark.django_db

BEFORE, AFTER = dt.date(2025, 6, 30), dt.date(2026, 3, 1)


def rows(path):
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


def new_communes_from_old_province(code: str) -> set[str]:
    """Codes of today's communes whose predecessors are communes of old province `code`, from the CSVs."""
    units = rows(UNITS_CSV)
    old_districts = {u["code"] for u in units if u["level"] == "district" and u["parent_code"] == code}
    old_communes = {u["code"] for u in units
                    if u["level"] == "commune" and u["valid_to"] and u["parent_code"] in old_districts}
    return {e["successor_code"] for e in rows(LINEAGE_CSV)
            if e["predecessor_level"] == "commune" and e["predecessor_code"] in old_communes}


def test_a_code_is_read_on_a_date():
    assert unit_at("52", dt.date(2024, 2, 23)).name == "Tỉnh Bình Định"
    assert unit_at("52", AFTER).name == "Tỉnh Gia Lai"
    with pytest.raises(NotFound, match="mã 83 vào ngày 01/03/2026"):
        unit_at("83", AFTER)  # Bến Tre's code is gone
    with pytest.raises(NotFound):
        unit_at("8", AFTER)


def test_ben_tre_is_now_part_of_vinh_long():
    [link] = current_units(unit_at("83", BEFORE), day=AFTER)
    assert (link.unit.name, link.unit.code, link.unit.valid_from) == ("Tỉnh Vĩnh Long", "86", dt.date(2025, 7, 1))
    assert link.whole  # all of Bến Tre went in
    assert not link.exact  # and Vĩnh Long also holds Trà Vinh and the old Vĩnh Long


@pytest.mark.parametrize(("old", "new_name"), [("52", "Tỉnh Gia Lai"), ("87", "Tỉnh Đồng Tháp"), ("82", "Tỉnh Đồng Tháp")])
def test_the_other_seed_provinces(old, new_name):
    assert [link.unit.name for link in current_units(unit_at(old, BEFORE), day=AFTER)] == [new_name]


def test_a_unit_still_in_force_is_its_own_scope():
    vinh_long = unit_at("86", AFTER)
    assert current_units(vinh_long, day=AFTER)[0].unit == vinh_long
    assert len(current_communes(vinh_long, day=AFTER)) == 124  # regulations.md §8: 124 commune-level units


def test_the_communes_made_out_of_ben_tre():
    communes = current_communes(unit_at("83", BEFORE), day=AFTER)
    assert {link.unit.code for link in communes} == new_communes_from_old_province("83")
    assert all(link.unit.parent.code == "86" and link.unit.valid_to is None for link in communes)
    # Bến Tre's communes were merged only among themselves: each new one is Bến Tre's alone.
    assert all(link.whole and link.exact for link in communes)


def test_the_three_old_provinces_cover_new_vinh_long_exactly_once():
    parts = [new_communes_from_old_province(code) for code in ("83", "84", "86")]
    assert sum(len(p) for p in parts) == len(set().union(*parts)) == 124


def test_an_old_ward_of_ben_tre_city_went_into_phu_khuong():
    """Conversion table: Phường 8 (28759) of Thành phố Bến Tre → Phường Phú Khương (28756)."""
    ward_8 = unit_at("28759", BEFORE)
    assert ward_8.name == "Phường 8"
    [link] = current_units(ward_8, day=AFTER)
    assert (link.unit.code, link.unit.name, link.whole, link.exact) == ("28756", "Phường Phú Khương", True, False)


def test_the_reverse_finds_the_wards_that_made_phu_khuong():
    phu_khuong = unit_at("28756", AFTER)
    expected = {e["predecessor_code"] for e in rows(LINEAGE_CSV) if e["successor_code"] == "28756"
                and e["successor_level"] == "commune"}
    former = former_units(phu_khuong, day=BEFORE)
    assert {link.unit.code for link in former} == expected
    assert {"Phường 8", "Phường Phú Khương"} <= {link.unit.name for link in former}
    assert all(link.unit.valid_to == dt.date(2025, 7, 1) for link in former)


def test_the_reverse_of_vinh_long_is_three_provinces():
    former = former_units(unit_at("86", AFTER), day=dt.date(2024, 6, 1))
    assert {link.unit.name for link in former} == {"Tỉnh Bến Tre", "Tỉnh Trà Vinh", "Tỉnh Vĩnh Long"}


def test_a_district_is_followed_through_its_communes():
    """Thành phố Bến Tre (829) has no lineage edge of its own: districts were abolished."""
    city = unit_at("829", BEFORE)
    units = current_units(city, day=AFTER)
    assert units and all(link.unit.level == "commune" for link in units)
    assert {link.unit.code for link in units} == {link.unit.code for link in current_communes(city, day=AFTER)}
    assert "28756" in {link.unit.code for link in units}


def test_commune_mapping_of_ben_tre_for_re_aggregating_history():
    mapping = commune_mapping(old_day=BEFORE, new_day=AFTER, within=unit_at("83", BEFORE))
    ward_8 = unit_at("28759", BEFORE)
    assert [(m.code, m.whole, m.primary) for m in mapping[ward_8.pk]] == [("28756", True, True)]
    units = rows(UNITS_CSV)
    districts = {d["code"] for d in units if d["level"] == "district" and d["parent_code"] == "83"}
    assert len(mapping) == sum(1 for u in units if u["level"] == "commune" and u["valid_to"]
                               and u["parent_code"] in districts)
    assert {m.code for targets in mapping.values() for m in targets} == new_communes_from_old_province("83")


def test_a_split_commune_maps_to_all_its_parts_with_one_primary():
    successors = defaultdict(list)
    for edge in rows(LINEAGE_CSV):
        if edge["predecessor_level"] == "commune" and edge["kind"] == "split":
            successors[edge["predecessor_code"]].append(edge["successor_code"])
    code, parts = next((c, s) for c, s in sorted(successors.items()) if len(s) > 1)
    old = unit_at(code, BEFORE)
    mapped = commune_mapping(old_day=BEFORE, new_day=AFTER, within=old)[old.pk]
    assert sorted(m.code for m in mapped) == sorted(parts)
    assert not any(m.whole for m in mapped)
    assert sum(m.primary for m in mapped) == 1
    expected_primary = code if code in parts else min(parts)
    assert next(m.code for m in mapped if m.primary) == expected_primary
    assert {link.unit.code for link in current_units(old, day=AFTER)} == set(parts)
    assert not any(link.whole for link in current_units(old, day=AFTER))


def test_the_seed_plans_are_measured_on_todays_provinces():
    kpi_load_demo()
    expected = {"ben-tre-cds-2020-2025": "86", "binh-dinh-cds-2024": "52", "dong-thap-cds-2021-2025": "82"}
    for plan in Plan.objects.select_related("province"):
        scope = plan_scope(plan, day=AFTER)
        assert [link.unit.code for link in scope.units] == [expected[plan.code]]
        assert not scope.exact  # each was merged with another province
        assert scope.communes and all(link.unit.parent.code == expected[plan.code] for link in scope.communes)
    ben_tre = Plan.objects.get(code="ben-tre-cds-2020-2025")
    assert {link.unit.code for link in plan_scope(ben_tre, day=AFTER).communes} == new_communes_from_old_province("83")
    city_target = ben_tre.targets.get(key="do-thi-thong-minh-tp-ben-tre-2025")
    assert target_scope(city_target, day=AFTER).original.name == "Thành phố Bến Tre"


def test_todays_province_lists_the_plans_of_the_provinces_it_was_made_from():
    kpi_load_demo()
    assert [p.code for p in plan_list(unit=unit_at("86", AFTER))] == ["ben-tre-cds-2020-2025"]
    assert [p.code for p in plan_list(unit=unit_at("82", AFTER))] == ["dong-thap-cds-2021-2025"]
    assert list(plan_list(unit=unit_at("01", AFTER))) == []
