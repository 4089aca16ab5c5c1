"""A small catalogue built through the services (independent of the demo data), and helpers."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from accounts.factories import AgencyFactory, province_admin
from tinhso.catalog import services
from tinhso.catalog.models import Field, Procedure, ProcedureAssignment, WorkflowDefinition
from tinhso.core.models import AgencyKind

WORKFLOWS = Path(__file__).resolve().parents[2] / "src/tinhso/catalog/data/workflows"

BIRTH_FORM = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["ho_ten_tre", "ngay_sinh", "gioi_tinh"],
    "properties": {
        "ho_ten_tre": {"type": "string", "title": "Họ, chữ đệm và tên của trẻ", "minLength": 2, "maxLength": 100},
        "ngay_sinh": {"type": "string", "format": "date", "title": "Ngày, tháng, năm sinh"},
        "gioi_tinh": {"type": "string", "enum": ["Nam", "Nữ"], "title": "Giới tính"},
        "so_dinh_danh_me": {"type": "string", "title": "Số định danh cá nhân của người mẹ",
                            "pattern": "^[0-9]{12}$", "description": "gồm đúng 12 chữ số"},
        "so_con": {"type": "integer", "title": "Số con", "minimum": 1, "maximum": 20},
    },
}

BIRTH_UI = {"order": ["ho_ten_tre", "ngay_sinh", "gioi_tinh"],
            "fields": {"ngay_sinh": {"widget": "date"}, "gioi_tinh": {"widget": "radio", "hint": "Chọn một"}}}


def version_data(**changes) -> dict:
    data = {
        "name": "Thủ tục đăng ký khai sinh",
        "applicant_types": ["citizen"],
        "agency_levels": ["commune"],
        "channels": [1, 2, 3],
        "processing_amount": 1,
        "processing_unit": "working_day",
        "fees": [{"code": "LP", "name": "Lệ phí đăng ký khai sinh", "kind": "charge", "amount": 0,
                  "note": "Miễn lệ phí đăng ký khai sinh đúng hạn"}],
        "components": [{"code": "TK", "name": "Tờ khai đăng ký khai sinh", "originals": 1, "copies": 0,
                        "required": True, "reusable_result": False, "note": ""},
                       {"code": "GCS", "name": "Giấy chứng sinh", "originals": 1, "copies": 0,
                        "required": True, "reusable_result": False, "note": ""}],
        "results": [{"code": "GKS", "name": "Giấy khai sinh", "paper": True, "electronic": True}],
        "legal_basis": ["Luật Hộ tịch số 60/2014/QH13"],
        "requirements": "",
        "service_level": "full",
        "eligible_full": True,
        "requires_presence": False,
        "form_schema": copy.deepcopy(BIRTH_FORM),
        "form_ui": copy.deepcopy(BIRTH_UI),
        "effective_from": "2025-07-01",
        "workflow": {"code": "mot-cua-chuan", "version": 1},
    }
    data.update(changes)
    return data


def workflow_file(code: str) -> dict:
    return json.loads((WORKFLOWS / f"{code}.json").read_text(encoding="utf-8"))


def workflow_publish(code: str = "mot-cua-chuan", actor=None) -> WorkflowDefinition:
    data = workflow_file(code)
    existing = WorkflowDefinition.objects.filter(code=code, version=data["version"]).first()
    if existing is not None:
        return existing
    row = services.workflow_definition_save(actor=actor, code=data["code"], name=data["name"],
                                            definition=data["definition"], version=data["version"])
    return services.workflow_definition_publish(actor=actor, definition_id=row.pk)


def procedure_published(code="1.001193", name="Thủ tục đăng ký khai sinh", *, field=("HT", "Hộ tịch"),
                        actor=None, agencies=(), **changes) -> Procedure:
    workflow_publish("mot-cua-chuan", actor)
    workflow_publish("lien-thong-xa-so", actor)
    procedure = services.procedure_upsert(actor=actor, code=code, name=name, field_code=field[0],
                                          field_name=field[1])
    version = services.procedure_version_create(actor=actor, procedure=procedure,
                                                data=version_data(name=name, **changes))
    services.procedure_version_publish(actor=actor, version_id=version.pk)
    if agencies:
        services.procedure_assign(actor=actor, procedure=procedure, agencies=agencies)
    procedure.refresh_from_db()
    return procedure


def catalog_wipe() -> None:
    """Empty the catalogue (assignments, procedures and their versions, workflows, fields)."""
    ProcedureAssignment.objects.all().delete()
    Procedure.objects.update(current_version=None)
    Procedure.objects.all().delete()
    WorkflowDefinition.objects.all().delete()
    Field.objects.all().delete()


@pytest.fixture
def admin(db):
    return province_admin()


@pytest.fixture
def commune_agencies(db):
    return [AgencyFactory(kind=AgencyKind.COMMUNE_PEOPLES_COMMITTEE, name=f"Ủy ban nhân dân xã Thử {i}")
            for i in range(2)]


@pytest.fixture
def small_catalog(db, admin, commune_agencies):
    """Three procedures of two fields, each published, two of them assigned."""
    birth = procedure_published(actor=admin, agencies=commune_agencies)
    marriage = procedure_published(
        "1.000894", "Thủ tục đăng ký kết hôn", actor=admin, agencies=commune_agencies[:1],
        processing_amount=5, service_level="partial", eligible_full=False, requires_presence=True)
    copy_ = procedure_published(
        "2.000815", "Chứng thực bản sao từ bản chính", field=("CT", "Chứng thực"), actor=admin,
        processing_amount=8, processing_unit="hour", service_level="none", channels=[1], eligible_full=False,
        fees=[{"code": "PCT", "name": "Phí chứng thực bản sao", "kind": "fee", "amount": 2000,
               "note": "2.000 đồng/trang"}], agency_levels=["commune", "province"])
    return {"birth": birth, "marriage": marriage, "copy": copy_}
