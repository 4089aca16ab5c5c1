"""Administrative units as migration 0002 loaded them: two eras, lineage between them, search.

Expected figures come from the published record (regulations.md §8, Resolutions 60-NQ/TW and
202/2025/QH15) or are recomputed here from the names themselves, never copied from an output.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
from django.db import connection

from tinhso.core import selectors
from tinhso.core.models import AdministrativeUnit, LineageKind, UnitLevel, UnitLineage
from tinhso.core.search import UNIT_INDEX, folded_search, search_indexes_ensure
from tinhso.core.text import fold
from tinhso.core.units import LINEAGE_CSV, UNITS_CSV, units_load

pytestmark = pytest.mark.django_db

BEFORE = dt.date(2025, 6, 30)  # last day of the three-tier system
AFTER = dt.date(2026, 1, 1)


def province(code: str, day: dt.date) -> AdministrativeUnit:
    return selectors.unit_get_by_code(code=code, day=day)


def communes_of_old_province(code: str) -> list[AdministrativeUnit]:
    return list(
        AdministrativeUnit.objects.filter(level=UnitLevel.COMMUNE, parent__parent=province(code, BEFORE))
    )


def test_a_code_names_different_units_in_the_two_eras():
    old, new = province("86", BEFORE), province("86", AFTER)
    assert old.name == new.name == "Tỉnh Vĩnh Long"
    assert old.pk != new.pk
    assert old.valid_to == new.valid_from == dt.date(2025, 7, 1)


def test_the_cutover_day_belongs_to_the_new_units_only():
    cutover = dt.date(2025, 7, 1)
    assert selectors.units_on(cutover).filter(level=UnitLevel.PROVINCE).count() == 34
    assert not selectors.units_on(cutover).filter(level=UnitLevel.DISTRICT).exists()


def test_new_communes_sit_directly_under_their_province():
    assert (
        not selectors.units_on(AFTER)
        .filter(level=UnitLevel.COMMUNE)
        .exclude(parent__level=UnitLevel.PROVINCE)
        .exists()
    )
    assert (
        not selectors.units_on(AFTER)
        .filter(level=UnitLevel.COMMUNE, parent__valid_from__isnull=True)
        .exists()
    )


def test_eleven_provinces_continue_and_fifty_two_merge_into_twenty_three():
    """Resolution 60-NQ/TW: 34 provincial units, 11 unchanged, 52 merged into 23."""
    edges = UnitLineage.objects.filter(predecessor__level=UnitLevel.PROVINCE)
    assert edges.filter(kind=LineageKind.CONTINUED).count() == 11
    merged = edges.filter(kind=LineageKind.MERGED)
    assert merged.values("predecessor").distinct().count() == 52
    assert merged.values("successor").distinct().count() == 23
    assert not edges.filter(kind=LineageKind.SPLIT).exists()  # whole provinces were merged


def test_predecessors_of_the_three_merged_provinces():
    def former(code):
        return {u.name for u in selectors.unit_predecessors(unit=province(code, AFTER))}

    assert former("86") == {"Tỉnh Bến Tre", "Tỉnh Trà Vinh", "Tỉnh Vĩnh Long"}
    assert former("52") == {"Tỉnh Bình Định", "Tỉnh Gia Lai"}
    assert former("82") == {"Tỉnh Tiền Giang", "Tỉnh Đồng Tháp"}


def test_tien_giang_went_whole_into_dong_thap():
    # The package's province table says "also Tây Ninh", from one mis-coded ward; the build fixed it.
    assert [u.name for u in selectors.unit_successors(unit=province("82", BEFORE))] == ["Tỉnh Đồng Tháp"]


def test_every_commune_of_former_ben_tre_has_a_successor_commune_in_vinh_long():
    vinh_long = province("86", AFTER)
    ben_tre_communes = communes_of_old_province("83")
    assert ben_tre_communes
    for commune in ben_tre_communes:
        successors = list(selectors.unit_successors(unit=commune))
        assert successors, commune.name
        assert all(s.level == UnitLevel.COMMUNE and s.parent_id == vinh_long.pk for s in successors), (
            commune.name
        )


def test_commune_lineage_agrees_with_province_lineage():
    """An old commune's successors lie in the successors of its old province."""
    province_successors: dict[int, set[int]] = {}
    for edge in UnitLineage.objects.filter(predecessor__level=UnitLevel.PROVINCE):
        province_successors.setdefault(edge.predecessor_id, set()).add(edge.successor_id)
    edges = UnitLineage.objects.filter(predecessor__level=UnitLevel.COMMUNE).values_list(
        "predecessor__parent__parent_id", "successor__parent_id"
    )
    wrong = [(old, new) for old, new in edges if new not in province_successors[old]]
    assert wrong == []


def test_every_current_commune_has_a_predecessor():
    orphans = selectors.units_on(AFTER).filter(level=UnitLevel.COMMUNE, predecessor_links__isnull=True)
    assert list(orphans.values_list("name", flat=True)) == []


def test_island_districts_without_communes_became_special_zones():
    con_dao = selectors.unit_list(day=AFTER, level=UnitLevel.COMMUNE, q="Côn Đảo").get()
    assert con_dao.division_type == "đặc khu"
    assert [(u.level, u.name) for u in selectors.unit_predecessors(unit=con_dao)] == [
        ("district", "Huyện Côn Đảo")
    ]


def test_lineage_kinds_follow_the_shape_of_each_edge():
    for commune in communes_of_old_province("83"):
        successors = list(selectors.unit_successors(unit=commune))
        if len(successors) > 1:
            assert {s.lineage_kind for s in successors} == {LineageKind.SPLIT}
        elif successors[0].lineage_kind == LineageKind.CONTINUED:
            assert [p.pk for p in selectors.unit_predecessors(unit=successors[0])] == [commune.pk]


def test_children_of_a_district_before_july_2025():
    district = selectors.unit_list(day=BEFORE, level=UnitLevel.DISTRICT, q="Thành phố Bến Tre").get()
    children = list(selectors.unit_children(unit=district, day=BEFORE))
    assert children and all(c.level == UnitLevel.COMMUNE and c.parent_id == district.pk for c in children)
    assert not selectors.unit_children(unit=district, day=AFTER).exists()


@pytest.mark.parametrize("q", ["ben tre", "BẾN TRE", "Bến Tre", "bến   tre"])
def test_search_ignores_marks_and_case(q):
    found = selectors.unit_list(day=BEFORE, q=q)
    assert set(found.values_list("name", flat=True)) == {"Tỉnh Bến Tre", "Thành phố Bến Tre"}


@pytest.mark.parametrize("q", ["a", "an", "hòa", "Tân Hòa", "phường 1", "đ", "xã ia", "zzz"])
@pytest.mark.parametrize("day", [BEFORE, AFTER])
def test_search_finds_exactly_the_units_whose_folded_name_contains_every_word(q, day):
    """The index (FTS5 trigram or pg_trgm) and the LIKE fallback for short words give what a plain
    scan would: the check is recomputed in Python over every name."""
    words = fold(q).split()
    expected = {
        pk
        for pk, name in selectors.units_on(day).values_list("id", "name")
        if all(w in fold(name) for w in words)
    }
    assert set(folded_search(selectors.units_on(day), q).values_list("id", flat=True)) == expected


def test_loading_the_files_again_changes_nothing():
    result = units_load()
    assert result["units"]["created"] == result["units"]["updated"] == 0
    assert result["lineage"]["created"] == result["lineage"]["updated"] == result["lineage"]["deleted"] == 0
    assert result["units"]["unchanged"] == AdministrativeUnit.objects.count()


def test_a_refreshed_file_renames_a_unit_and_search_follows(tmp_path):
    units_file = tmp_path / "units.csv"
    text = UNITS_CSV.read_text(encoding="utf-8")
    units_file.write_text(text.replace(",Tỉnh Bến Tre,", ",Tỉnh Bến Tre Mới,"), encoding="utf-8")
    lineage_file = tmp_path / "lineage.csv"
    shutil.copy(LINEAGE_CSV, lineage_file)

    result = units_load(units_path=units_file, lineage_path=lineage_file)

    assert result["units"]["updated"] == 1
    assert province("83", BEFORE).name_folded == "tinh ben tre moi"
    assert selectors.unit_list(day=BEFORE, q="tre moi").get().code == "83"


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the FTS5 table exists on SQLite only")
def test_search_index_is_repaired_when_a_table_rebuild_dropped_its_triggers():
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER {UNIT_INDEX.fts_table}_au")
    search_indexes_ensure(using=connection.alias)
    unit = province("83", BEFORE)
    unit.name = "Tỉnh Xứ Dừa"
    unit.save()
    assert selectors.unit_list(day=BEFORE, q="xu dua").get() == unit


def test_the_gpl_data_package_is_not_imported_at_run_time():
    """vietnam-provinces is GPL-3.0 and tinhso Apache-2.0: only tools/build_units.py may import it."""
    root = Path(__file__).resolve().parents[2]
    importing = re.compile(r"^\s*(from|import)\s+vietnam_provinces\b", re.MULTILINE)
    offenders = [
        str(path.relative_to(root))
        for folder in ("src", "tests")
        for path in (root / folder).rglob("*.py")
        if importing.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
    assert importing.search((root / "tools" / "build_units.py").read_text(encoding="utf-8"))
