"""catalog.schemas: the JSON columns of a version, its form, and a dossier's form data."""

from __future__ import annotations

import pytest

from tinhso.catalog.models import ProcedureVersion
from tinhso.catalog.schemas import form_data_validate, form_schema_problems, version_data_problems

from .conftest import BIRTH_FORM, version_data


def problems_of(**changes) -> dict[str, str]:
    data = version_data(**changes)
    data.pop("workflow")
    clean, problems = version_data_problems(data)
    assert (clean is None) == bool(problems)
    return {p["field"]: p["message"] for p in problems}


def test_valid_data_passes_and_is_normalised():
    data = version_data(channels=[3, 1, 2, 1])
    data.pop("workflow")
    clean, problems = version_data_problems(data)
    assert problems == []
    assert clean["channels"] == [1, 2, 3]
    assert str(clean["processing_amount"]) == "1"


def test_a_negative_fee_is_refused_naming_the_field():
    fees = [{"code": "LP", "name": "Lệ phí", "kind": "charge", "amount": -8000, "note": ""}]
    assert problems_of(fees=fees) == {"fees.0.amount": "“Số tiền” phải lớn hơn hoặc bằng 0."}


@pytest.mark.parametrize(("fee", "field", "message"), [
    ({"code": "LP", "name": "Lệ phí", "kind": "tax", "amount": 0}, "fees.0.kind",
     "“Loại phí, lệ phí” phải là một trong các giá trị: fee, charge."),
    ({"code": "LP", "name": "", "kind": "fee", "amount": 0}, "fees.0.name", "Chưa nhập “Tên”."),
    ({"code": "LP", "name": "Phí", "kind": "fee", "amount": "hai nghìn"}, "fees.0.amount",
     "“Số tiền” phải là số nguyên."),
    ({"code": "LP", "name": "Phí", "kind": "fee"}, "fees.0.amount", "Thiếu “Số tiền”."),
    ({"code": "LP", "name": "Phí", "kind": "fee", "amount": 1, "vat": 10}, "fees.0.vat",
     "“vat” không phải là thông tin được khai báo ở đây."),
])
def test_bad_fees(fee, field, message):
    assert problems_of(fees=[fee]) == {field: message}


def test_duplicate_component_codes_and_missing_components():
    component = {"code": "TK", "name": "Tờ khai", "originals": 1, "copies": 0, "required": True}
    assert problems_of(components=[component, component]) == {"components.1.code": "Mã “TK” bị trùng."}
    assert problems_of(components=[]) == {"components": "“Thành phần hồ sơ” phải có ít nhất 1 mục."}
    bad = dict(component, copies=-1)
    assert problems_of(components=[bad]) == {"components.0.copies": "“Số bản sao” phải lớn hơn hoặc bằng 0."}


def test_a_result_must_be_paper_or_electronic():
    results = [{"code": "GKS", "name": "Giấy khai sinh", "paper": False, "electronic": False}]
    assert list(problems_of(results=results)) == ["results.0"]


def test_time_limit_must_be_positive_and_in_a_known_unit():
    assert problems_of(processing_amount=0) == {"processing_amount": "“Thời hạn giải quyết” phải lớn hơn 0."}
    assert list(problems_of(processing_unit="week")) == ["processing_unit"]


def test_service_level_rules_of_decree_42():
    assert "service_level" in problems_of(eligible_full=False)  # full needs the eligibility flag
    assert "service_level" in problems_of(requires_presence=True)  # presence excludes full
    assert "channels" in problems_of(channels=[1])  # online service but no online channel
    assert "channels" in problems_of(service_level="none", eligible_full=False)  # offline with an online channel


def test_a_bad_json_schema_is_refused_in_vietnamese_naming_the_field():
    form = {"type": "object", "properties": {"ngay_sinh": {"type": "ngay", "title": "Ngày sinh"}}}
    problems = problems_of(form_schema=form)
    assert list(problems) == ["form_schema.properties.ngay_sinh.type"]
    assert problems["form_schema.properties.ngay_sinh.type"].startswith(
        "Biểu mẫu không phải là JSON Schema 2020-12 hợp lệ tại “properties.ngay_sinh.type”")


@pytest.mark.parametrize(("schema", "field"), [
    ({"type": "array", "items": {"type": "string"}}, "form_schema.type"),
    ({"type": "object", "properties": {"a": {"type": "string"}}}, "form_schema.properties.a.title"),
    ({"type": "object", "properties": {"a": {"type": "string", "title": "A"}}, "required": ["b"]},
     "form_schema.required"),
    ({"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
      "properties": {"a": {"type": "string", "title": "A"}}}, "form_schema.$schema"),
    ({"type": "object", "properties": {"a": {"type": "string", "title": "A", "pattern": "[unclosed"}}},
     "form_schema.properties.a.pattern"),
])
def test_forms_the_renderer_cannot_show_are_refused(schema, field):
    assert [p["field"] for p in form_schema_problems(schema)] == [field]


def test_form_ui_hints_must_name_questions_of_the_form():
    problems = problems_of(form_ui={"order": ["ho_ten_tre", "ten_me"], "fields": {"x": {"widget": "date"}}})
    assert set(problems) == {"form_ui.order.1", "form_ui.fields.x"}
    assert list(problems_of(form_ui={"fields": {"ngay_sinh": {"widget": "calendar"}}})) == \
        ["form_ui.fields.ngay_sinh.widget"]


# --- form_data_validate -------------------------------------------------------------------------


def version(schema=BIRTH_FORM) -> ProcedureVersion:
    return ProcedureVersion(form_schema=schema, status="draft")


def messages(data, schema=BIRTH_FORM) -> dict[str, str]:
    return {p["field"]: p["message"] for p in form_data_validate(version(schema), data)}


GOOD = {"ho_ten_tre": "Nguyễn Văn An", "ngay_sinh": "2025-09-02", "gioi_tinh": "Nam"}


def test_valid_form_data_has_no_problems():
    assert form_data_validate(version(), GOOD) == []
    assert form_data_validate(version({}), {"anything": 1}) == []  # no form, nothing to check


def test_each_missing_required_field_is_named():
    assert messages({"gioi_tinh": "Nam"}) == {
        "ho_ten_tre": "Chưa nhập “Họ, chữ đệm và tên của trẻ”.",
        "ngay_sinh": "Chưa nhập “Ngày, tháng, năm sinh”.",
    }


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"ngay_sinh": "31/02/2025"}, "ngay_sinh",
     "“Ngày, tháng, năm sinh” phải là ngày hợp lệ (năm-tháng-ngày, ví dụ 2025-07-01)."),
    ({"ngay_sinh": "2025-02-30"}, "ngay_sinh",
     "“Ngày, tháng, năm sinh” phải là ngày hợp lệ (năm-tháng-ngày, ví dụ 2025-07-01)."),
    ({"gioi_tinh": "Khác"}, "gioi_tinh", "“Giới tính” phải là một trong các giá trị: Nam, Nữ."),
    ({"ho_ten_tre": "A"}, "ho_ten_tre", "“Họ, chữ đệm và tên của trẻ” phải có ít nhất 2 ký tự."),
    ({"ho_ten_tre": "A" * 101}, "ho_ten_tre", "“Họ, chữ đệm và tên của trẻ” không được dài quá 100 ký tự."),
    ({"ho_ten_tre": 12}, "ho_ten_tre", "“Họ, chữ đệm và tên của trẻ” phải là chuỗi ký tự."),
    ({"so_dinh_danh_me": "08608500012"}, "so_dinh_danh_me",
     "“Số định danh cá nhân của người mẹ” không đúng định dạng: gồm đúng 12 chữ số."),
    ({"so_con": 0}, "so_con", "“Số con” phải lớn hơn hoặc bằng 1."),
    ({"so_con": 21}, "so_con", "“Số con” phải nhỏ hơn hoặc bằng 20."),
    ({"so_con": 1.5}, "so_con", "“Số con” phải là số nguyên."),
])
def test_vietnamese_message_per_kind_of_error(change, field, message):
    assert messages(GOOD | change) == {field: message}


def test_unknown_fields_are_named_when_the_form_forbids_them():
    schema = BIRTH_FORM | {"additionalProperties": False}
    assert messages(GOOD | {"ghi_chu": "x"}, schema) == {"ghi_chu": "“ghi_chu” không có trong tờ khai."}


def test_form_data_that_is_not_an_object():
    assert messages(["Nguyễn Văn An"]) == {"": "“Tờ khai” phải là nhóm thông tin."}


def test_validators_of_published_versions_are_cached_but_never_stale():
    first = ProcedureVersion(pk=424242, status="published", form_schema=BIRTH_FORM)
    assert form_data_validate(first, GOOD) == []
    # The same id with another form (a rolled-back row whose id came back) is not judged by the old one.
    other = dict(BIRTH_FORM, required=["so_con"])
    second = ProcedureVersion(pk=424242, status="published", form_schema=other)
    assert [p["field"] for p in form_data_validate(second, GOOD)] == ["so_con"]
