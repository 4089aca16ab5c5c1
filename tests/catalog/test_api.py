"""/api/v1 of the catalogue: public reads, province-admin import and export."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from accounts.factories import citizen, official_with_role
from tinhso.accounts.models import Role
from tinhso.accounts.services import api_token_issue
from tinhso.catalog import services
from tinhso.catalog.models import Procedure

pytestmark = pytest.mark.django_db


def get(client, path, **params):
    response = client.get(f"/api/v1/{path}", params)
    return response.status_code, response.json()


def bearer_for(user, agency) -> dict:
    issued = api_token_issue(actor=None, agency=agency, user=user, name="Hệ thống danh mục")
    return {"HTTP_AUTHORIZATION": f"Bearer {issued.token}"}


@pytest.fixture
def admin_headers(admin):
    return bearer_for(admin, admin.agency_roles.get().agency)


def test_list_is_public_paginated_and_searchable(client, small_catalog):
    status, body = get(client, "procedures")
    assert status == 200
    assert body["count"] == 3 and body["page"] == 1 and [i["code"] for i in body["items"]] == [
        "1.000894", "1.001193", "2.000815"]
    item = body["items"][1]
    assert item == {"code": "1.001193", "name": "Thủ tục đăng ký khai sinh", "field": {"code": "HT", "name": "Hộ tịch"},
                    "version": 1, "agency_levels": ["commune"], "service_level": "full", "processing_amount": 1.0,
                    "processing_unit": "working_day", "fee_total": 0}
    assert [i["code"] for i in get(client, "procedures", q="DANG KY KHAI SINH")[1]["items"]] == ["1.001193"]
    assert [i["code"] for i in get(client, "procedures", q="chứng thực")[1]["items"]] == ["2.000815"]
    assert get(client, "procedures", level="province")[1]["count"] == 1
    assert get(client, "procedures", service_level="none", field="CT")[1]["count"] == 1
    status, body = get(client, "procedures", page=2, page_size=2)
    assert (body["count"], [i["code"] for i in body["items"]]) == (3, ["2.000815"])


def test_a_bad_filter_is_refused_in_the_error_shape(client, small_catalog):
    status, body = get(client, "procedures", level="district")
    assert status == 422 and set(body) == {"code", "message", "details"} and body["details"][0]["field"] == "level"


def test_detail_has_everything_of_the_version_in_force(client, small_catalog):
    status, body = get(client, "procedures/1.001193")
    assert status == 200
    assert body["number"] == 1 and body["status"] == "published"
    assert body["form_schema"]["properties"]["ngay_sinh"]["format"] == "date"
    assert body["form_ui"]["fields"]["gioi_tinh"]["widget"] == "radio"
    assert [c["code"] for c in body["components"]] == ["TK", "GCS"]
    assert body["fees"][0]["kind"] == "charge" and body["results"][0]["electronic"] is True
    assert len(body["competent_agencies"]) == 2
    workflow = body["workflow"]
    assert (workflow["code"], workflow["version"]) == ("mot-cua-chuan", 1)
    start = workflow["states"][0]
    assert start["code"] == "moi_nop" and start["start"] and "Tiếp nhận hồ sơ" in [a["name"] for a in start["actions"]]


def test_versions_and_one_version(client, small_catalog, admin):
    birth = small_catalog["birth"]
    draft = services.procedure_version_create(actor=admin, procedure=birth, data={"processing_amount": 2})
    status, body = get(client, "procedures/1.001193/versions")
    assert [v["number"] for v in body] == [1]  # drafts are not public
    services.procedure_version_publish(actor=admin, version_id=draft.pk)
    status, body = get(client, "procedures/1.001193/versions")
    assert [(v["number"], v["status"], v["current"]) for v in body] == [(2, "published", True), (1, "retired", False)]
    status, body = get(client, "procedures/1.001193/versions/1")
    assert status == 200 and body["processing_amount"] == 1.0 and body["status"] == "retired"
    assert get(client, "procedures/1.001193")[1]["processing_amount"] == 2.0


def test_not_found_in_the_error_shape(client, small_catalog):
    for path, code in (("procedures/9.999999", "procedure_not_found"),
                       ("procedures/1.001193/versions/7", "version_not_found"),
                       ("workflows/mot-cua-chuan/9", "workflow_not_found")):
        status, body = get(client, path)
        assert status == 404 and body["code"] == code and set(body) == {"code", "message", "details"}


def test_fields_and_workflows(client, small_catalog):
    assert get(client, "fields")[1] == [{"code": "CT", "name": "Chứng thực"}, {"code": "HT", "name": "Hộ tịch"}]
    status, body = get(client, "workflows/lien-thong-xa-so/1")
    assert status == 200 and body["status"] == "published" and body["definition"]["states"][0]["code"] == "moi_nop"
    assert any(s["code"] == "so_xu_ly" for s in body["states"])


def test_import_needs_a_caller(client, small_catalog):
    response = client.post("/api/v1/catalog/import", {}, content_type="application/json")
    assert response.status_code == 401


def test_a_non_admin_cannot_import_or_export(client, small_catalog, commune_agencies):
    client.force_login(citizen())
    response = client.post("/api/v1/catalog/import", services.catalog_export_json(), content_type="application/json")
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "forbidden" and body["message"] == (
        "Chỉ quản trị hệ thống cấp tỉnh mới được nhập, xuất danh mục thủ tục.")
    client.logout()
    officer = official_with_role(Role.AGENCY_ADMIN, commune_agencies[0])
    headers = bearer_for(officer, commune_agencies[0])
    assert client.get("/api/v1/catalog/export.json", **headers).status_code == 403
    assert client.post("/api/v1/catalog/import", {}, content_type="application/json", **headers).status_code == 403


def test_the_province_admin_imports_and_exports(client, small_catalog, admin_headers):
    response = client.get("/api/v1/catalog/export.json", **admin_headers)
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    data = response.json()
    data["procedures"][0]["name"] = "Thủ tục đăng ký kết hôn (tên mới)"
    response = client.post("/api/v1/catalog/import", data, content_type="application/json", **admin_headers)
    assert response.status_code == 200
    assert response.json()["procedures"] == {"created": 0, "updated": 1, "unchanged": 2}
    assert Procedure.objects.get(code="1.000894").name == "Thủ tục đăng ký kết hôn (tên mới)"

    response = client.get("/api/v1/catalog/export.xlsx", **admin_headers)
    assert response.status_code == 200
    assert load_workbook(io.BytesIO(response.content))["Thủ tục"]["B2"].value == "Thủ tục đăng ký kết hôn (tên mới)"


def test_an_invalid_import_is_422_with_every_problem(client, small_catalog, admin_headers):
    data = services.catalog_export_json()
    data["procedures"][1]["current_version"]["processing_amount"] = -1
    response = client.post("/api/v1/catalog/import", data, content_type="application/json", **admin_headers)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "catalog_invalid"
    assert body["details"] == [{"field": "procedures.1.current_version.processing_amount",
                                "message": "“Thời hạn giải quyết” phải lớn hơn 0."}]
