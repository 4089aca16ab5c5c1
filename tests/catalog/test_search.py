"""procedure_search: accent- and case-insensitive on SQLite and PostgreSQL (the suite runs on both),
with filters by field, level and online service level."""

from __future__ import annotations

import pytest

from tinhso.catalog import selectors, services

pytestmark = pytest.mark.django_db


def codes(q="", **filters) -> list[str]:
    return [p.code for p in selectors.procedure_search(q, **filters)]


@pytest.mark.parametrize("q", [
    "dang ky khai sinh", "DANG KY KHAI SINH", "Đăng ký khai sinh", "đăng KÝ khai SINH", "khai sinh",
    "  khai   sinh ", "sinh khai", "ĐĂNG", "ky",
])
def test_birth_registration_is_found_however_it_is_typed(small_catalog, q):
    assert "1.001193" in codes(q)


@pytest.mark.parametrize(("q", "expected"), [
    ("DANG KY KET HON", ["1.000894"]),
    ("ket hon", ["1.000894"]),
    ("chung thuc", ["2.000815"]),
    ("dang ky", ["1.000894", "1.001193"]),
    ("giam ho", []),
    ("", ["1.000894", "1.001193", "2.000815"]),
])
def test_search_answers(small_catalog, q, expected):
    assert codes(q) == expected


def test_filters(small_catalog):
    assert codes(field="CT") == ["2.000815"]
    assert codes("dang ky", field="CT") == []
    assert codes(level="province") == ["2.000815"]
    assert codes(level="commune") == ["1.000894", "1.001193", "2.000815"]
    assert codes(service_level="full") == ["1.001193"]
    assert codes(service_level="none") == ["2.000815"]


def test_only_procedures_in_force_are_listed(admin, small_catalog):
    draft_only = services.procedure_upsert(actor=admin, code="1.000656", name="Thủ tục đăng ký khai tử",
                                           field_code="HT", field_name="Hộ tịch")
    assert draft_only.code not in codes("khai tu") and codes("khai tu") == ["1.001193"]  # "tu" in "thu tuc"
    marriage = small_catalog["marriage"]
    marriage.is_active = False
    marriage.save()
    assert codes("dang ky") == ["1.001193"]


def test_a_renamed_procedure_is_found_by_its_new_name(admin, small_catalog):
    services.procedure_upsert(actor=admin, code="2.000815", name="Chứng thực bản sao điện tử từ bản chính",
                              field_code="CT", field_name="Chứng thực")
    assert codes("ban sao dien tu") == ["2.000815"]
