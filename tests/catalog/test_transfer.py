"""The whole catalogue out and in: JSON and xlsx round trips, idempotence, all-or-nothing imports
and spreadsheet problems reported by sheet, row and column."""

from __future__ import annotations

import copy
import io

import pytest
from openpyxl import load_workbook

from tinhso.catalog import services
from tinhso.catalog.models import (
    Field,
    Procedure,
    ProcedureAssignment,
    ProcedureVersion,
    VersionStatus,
    WorkflowDefinition,
)
from tinhso.core.models import AuditEntry

from .conftest import catalog_wipe

pytestmark = pytest.mark.django_db


def exported() -> dict:
    data = services.catalog_export_json()
    data.pop("exported_at")
    return data


def state() -> tuple:
    """Everything an import could change, to check that a refused import changed nothing."""
    return (
        list(Field.objects.order_by("pk").values()),
        list(WorkflowDefinition.objects.order_by("pk").values()),
        list(Procedure.objects.order_by("pk").values()),
        list(ProcedureVersion.objects.order_by("pk").values()),
        list(ProcedureAssignment.objects.order_by("pk").values()),
        AuditEntry.objects.count(),
    )


def test_export_shape(small_catalog):
    data = exported()
    assert data["format"] == "tinhso.catalog" and data["format_version"] == 1
    assert [f["code"] for f in data["fields"]] == ["CT", "HT"]
    assert [(w["code"], w["version"]) for w in data["workflows"]] == [("lien-thong-xa-so", 1), ("mot-cua-chuan", 1)]
    birth = next(p for p in data["procedures"] if p["code"] == "1.001193")
    assert birth["current_version"]["number"] == 1
    assert birth["current_version"]["workflow"] == {"code": "mot-cua-chuan", "version": 1}
    assert len(birth["agencies"]) == 2


def test_json_round_trip_into_an_empty_catalogue(small_catalog, admin):
    before = exported()
    catalog_wipe()
    assert Procedure.objects.count() == 0
    counts = services.catalog_import_json(copy.deepcopy(before), actor=admin)
    assert counts["procedures"]["created"] == 3 and counts["versions"]["created"] == 3
    assert counts["assignments"]["added"] == 3 and counts["workflows"]["created"] == 2
    assert exported() == before
    assert set(Procedure.objects.values_list("current_version__status", flat=True)) == {VersionStatus.PUBLISHED}


def test_importing_the_same_document_again_changes_nothing(small_catalog, admin):
    data = exported()
    snapshot = state()
    counts = services.catalog_import_json(data, actor=admin)
    assert counts["procedures"] == {"created": 0, "updated": 0, "unchanged": 3}
    assert counts["versions"] == {"created": 0, "unchanged": 3}
    assert counts["assignments"] == {"added": 0, "removed": 0}
    assert state() == snapshot  # not even an audit entry


def test_a_changed_version_in_the_file_becomes_a_new_published_version(small_catalog, admin):
    data = exported()
    birth = next(p for p in data["procedures"] if p["code"] == "1.001193")
    birth["current_version"]["processing_amount"] = 2
    birth["agencies"] = birth["agencies"][:1]
    counts = services.catalog_import_json(data, actor=admin)
    assert counts["versions"] == {"created": 1, "unchanged": 2}
    assert counts["assignments"] == {"added": 0, "removed": 1}
    procedure = Procedure.objects.get(code="1.001193")
    assert procedure.current_version.number == 2 and procedure.current_version.processing_amount == 2
    assert procedure.versions.get(number=1).status == VersionStatus.RETIRED
    assert AuditEntry.objects.filter(action="catalog.imported").count() == 1


def test_a_json_import_is_all_or_nothing(small_catalog, admin):
    data = exported()
    data["procedures"][0]["name"] = "Tên mới"  # would be written first…
    data["procedures"].append({"code": "9.999999", "name": "Thủ tục mới", "field": "KHONG_CO", "agencies": ["X.1"],
                               "current_version": copy.deepcopy(data["procedures"][0]["current_version"])})
    data["procedures"][-1]["current_version"]["fees"] = [{"code": "P", "name": "Phí", "kind": "fee", "amount": -5}]
    data["workflows"][0]["definition"] = {"states": []}
    snapshot = state()
    with pytest.raises(services.CatalogInvalid) as caught:
        services.catalog_import_json(data, actor=admin)
    fields = {p["field"] for p in caught.value.problems}
    assert {"procedures.3.field", "procedures.3.agencies.0", "procedures.3.current_version.fees.0.amount",
            "workflows.0.definition.states"} <= fields
    assert state() == snapshot


def test_a_published_workflow_is_not_changed_by_an_import(small_catalog, admin):
    data = exported()
    data["workflows"][1]["definition"]["states"][0]["name"] = "Đổi tên"
    with pytest.raises(services.CatalogInvalid) as caught:
        services.catalog_import_json(data, actor=admin)
    assert caught.value.problems == [{"field": "workflows.1.definition", "message": (
        "Quy trình “mot-cua-chuan” phiên bản 1 đã công bố với nội dung khác; quy trình đã công bố không được sửa, "
        "hãy dùng số phiên bản mới.")}]


def test_xlsx_round_trip_into_an_empty_catalogue(small_catalog, admin):
    before = exported()
    content = services.catalog_export_xlsx()
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["Thủ tục", "Thành phần hồ sơ", "Phí, lệ phí", "Lĩnh vực", "Quy trình"]
    sheet = book["Thủ tục"]
    assert sheet["A1"].value == "Mã thủ tục" and sheet.max_row == 4
    row = {sheet.cell(1, c).value: sheet.cell(2, c).value for c in range(1, sheet.max_column + 1)}
    assert row["Mã thủ tục"] == "1.000894"
    assert row["Cách thức thực hiện"] == "Trực tiếp\nTrực tuyến\nQua bưu chính công ích"
    assert row["Đơn vị thời hạn"] == "Ngày làm việc"
    assert book["Thành phần hồ sơ"].max_row == 1 + 6 and book["Phí, lệ phí"].max_row == 1 + 3
    catalog_wipe()
    services.catalog_import_xlsx(io.BytesIO(content), actor=admin)
    assert exported() == before
    # …and importing it again changes nothing.
    counts = services.catalog_import_xlsx(io.BytesIO(content), actor=admin)
    assert counts["versions"] == {"created": 0, "unchanged": 3}


def edited(content: bytes, edit) -> io.BytesIO:
    book = load_workbook(io.BytesIO(content))
    edit(book)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def column_of(sheet, label: str) -> str:
    return next(cell.column_letter for cell in sheet[1] if cell.value == label)


def test_xlsx_problems_name_sheet_row_and_column_and_change_nothing(small_catalog, admin):
    content = services.catalog_export_xlsx()

    def edit(book):
        procedures = book["Thủ tục"]
        procedures[f"{column_of(procedures, 'Thời hạn giải quyết')}3"] = 0
        procedures[f"{column_of(procedures, 'Biểu mẫu (JSON Schema 2020-12)')}2"] = '{"type": "object",'
        components = book["Thành phần hồ sơ"]
        components[f"{column_of(components, 'Số bản chính')}4"] = "hai"
        fees = book["Phí, lệ phí"]
        fees[f"{column_of(fees, 'Số tiền (đồng)')}2"] = -1000
        fees[f"{column_of(fees, 'Loại (Phí / Lệ phí)')}3"] = "Thuế"

    snapshot = state()
    # A JSON cell that cannot be read is reported while reading the workbook…
    with pytest.raises(services.CatalogInvalid) as caught:
        services.catalog_import_xlsx(edited(content, edit), actor=admin)
    assert [(p["sheet"], p["row"], p["column"]) for p in caught.value.problems] == [("Thủ tục", 2, "V")]
    assert caught.value.problems[0]["message"].startswith(
        "Trang “Thủ tục”, dòng 2, cột V (Biểu mẫu (JSON Schema 2020-12)): không đọc được JSON")
    assert state() == snapshot

    # …and, once it is fixed, every other problem at once, each at its cell.
    def fix(book):
        edit(book)
        procedures = book["Thủ tục"]
        procedures[f"{column_of(procedures, 'Biểu mẫu (JSON Schema 2020-12)')}2"] = ""

    with pytest.raises(services.CatalogInvalid) as caught:
        services.catalog_import_xlsx(edited(content, fix), actor=admin)
    located = {(p["sheet"], p["row"], p["column"]): p["message"] for p in caught.value.problems}
    assert located == {
        ("Thủ tục", 3, "J"): "Trang “Thủ tục”, dòng 3, cột J (Thời hạn giải quyết): “Thời hạn giải quyết” phải lớn hơn 0.",
        ("Thành phần hồ sơ", 4, "D"): "Trang “Thành phần hồ sơ”, dòng 4, cột D (Số bản chính): “Số bản chính” phải là số nguyên.",
        ("Phí, lệ phí", 2, "E"): "Trang “Phí, lệ phí”, dòng 2, cột E (Số tiền (đồng)): “Số tiền” phải lớn hơn hoặc bằng 0.",
        ("Phí, lệ phí", 3, "D"): "Trang “Phí, lệ phí”, dòng 3, cột D (Loại (Phí / Lệ phí)): “Loại phí, lệ phí” phải là "
                                 "một trong các giá trị: fee, charge.",
    }
    assert state() == snapshot


def test_xlsx_rows_of_unknown_procedures_and_missing_columns(small_catalog, admin):
    content = services.catalog_export_xlsx()

    def edit(book):
        book["Thành phần hồ sơ"].append(["9.999999", "TK", "Tờ khai", 1, 0, "Có", "Không", ""])
        book["Phí, lệ phí"].delete_cols(5)  # "Số tiền (đồng)"

    with pytest.raises(services.CatalogInvalid) as caught:
        services.catalog_import_xlsx(edited(content, edit), actor=admin)
    messages = [p["message"] for p in caught.value.problems]
    assert "Trang “Phí, lệ phí” thiếu cột “Số tiền (đồng)”." in messages
    assert any(m.startswith("Trang “Thành phần hồ sơ”, dòng 8, cột A (Mã thủ tục): thủ tục “9.999999”") for m in messages)


def test_a_file_that_is_not_xlsx(admin, db):
    with pytest.raises(services.CatalogInvalid) as caught:
        services.catalog_import_xlsx(io.BytesIO(b"ma;ten\n1;2\n"), actor=admin)
    assert caught.value.problems[0]["message"] == "Tệp không phải là tệp Excel (.xlsx) hợp lệ."


def test_xlsx_accepts_codes_and_labels_and_edits_become_new_versions(small_catalog, admin):
    content = services.catalog_export_xlsx()

    def edit(book):
        sheet = book["Thủ tục"]
        sheet[f"{column_of(sheet, 'Cách thức thực hiện')}2"] = "1; 2"  # codes instead of labels
        sheet[f"{column_of(sheet, 'Đơn vị thời hạn')}2"] = "ngay lam viec"  # no accents
        sheet[f"{column_of(sheet, 'Thời hạn giải quyết')}2"] = "7"  # typed as text

    counts = services.catalog_import_xlsx(edited(content, edit), actor=admin)
    assert counts["versions"] == {"created": 1, "unchanged": 2}
    version = Procedure.objects.get(code="1.000894").current_version
    assert (version.number, version.channels, version.processing_amount, version.processing_unit) == (
        2, [1, 2], 7, "working_day")


def test_xlsx_headers_may_be_the_column_keys(small_catalog, admin):
    """A sheet made by another tool may head its columns with the keys instead of the labels."""
    from tinhso.catalog.xlsx import COMPONENT_COLUMNS, FEE_COLUMNS, PROCEDURE_COLUMNS

    before = exported()
    content = services.catalog_export_xlsx()

    def edit(book):
        for title, columns in (("Thủ tục", PROCEDURE_COLUMNS), ("Thành phần hồ sơ", COMPONENT_COLUMNS),
                               ("Phí, lệ phí", FEE_COLUMNS)):
            for cell, (key, _label) in zip(book[title][1], columns, strict=True):
                cell.value = key

    catalog_wipe()
    services.catalog_import_xlsx(edited(content, edit), actor=admin)
    assert exported() == before
