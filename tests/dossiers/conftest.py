"""A commune one-stop desk with its officials, a citizen, and a published birth-registration
procedure on the standard workflow — built directly, independent of the demo data."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.utils import timezone

from accounts.factories import UserFactory, citizen, commune_unit, province_unit
from tinhso.accounts.models import AgencyRole, Role, User
from tinhso.catalog.models import (
    Field,
    Procedure,
    ProcedureAssignment,
    ProcedureVersion,
    VersionStatus,
    WorkflowDefinition,
)
from tinhso.core.models import Agency, AgencyKind
from tinhso.dossiers.national import example_pdf

WORKFLOWS = Path(__file__).resolve().parents[2] / "src/tinhso/catalog/data/workflows"

BIRTH_FORM = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["ho_ten_tre", "ngay_sinh", "gioi_tinh"],
    "properties": {
        "ho_ten_tre": {"type": "string", "title": "Họ, chữ đệm, tên của trẻ", "minLength": 2, "maxLength": 100},
        "ngay_sinh": {"type": "string", "format": "date", "title": "Ngày, tháng, năm sinh"},
        "gioi_tinh": {"type": "string", "enum": ["Nam", "Nữ"], "title": "Giới tính"},
        "noi_sinh": {"type": "string", "title": "Nơi sinh"},
    },
}

BIRTH_COMPONENTS = [
    {"code": "TK", "name": "Tờ khai đăng ký khai sinh", "originals": 1, "copies": 0, "required": True,
     "reusable_result": False, "note": ""},
    {"code": "GCS", "name": "Giấy chứng sinh", "originals": 1, "copies": 0, "required": True,
     "reusable_result": False, "note": ""},
]


def workflow_published(code: str) -> WorkflowDefinition:
    data = json.loads((WORKFLOWS / f"{code}.json").read_text(encoding="utf-8"))
    workflow, _ = WorkflowDefinition.objects.get_or_create(
        code=data["code"], version=data["version"],
        defaults={"name": data["name"], "definition": data["definition"], "status": VersionStatus.PUBLISHED,
                  "published_at": timezone.now()})
    return workflow


def procedure_published(*, code: str, name: str, workflow: WorkflowDefinition, agencies: list[Agency],
                        amount: str = "3", unit: str = "working_day", fees=None, channels=(1, 2, 3),
                        components=None, form=None) -> ProcedureVersion:
    field, _ = Field.objects.get_or_create(code="HT", defaults={"name": "Hộ tịch"})
    procedure = Procedure.objects.create(code=code, name=name, field=field)
    version = ProcedureVersion.objects.create(
        procedure=procedure, number=1, status=VersionStatus.PUBLISHED, name=name,
        applicant_types=["citizen"], agency_levels=["commune"], channels=list(channels),
        processing_amount=amount, processing_unit=unit, fees=fees or [],
        components=components if components is not None else BIRTH_COMPONENTS,
        results=[{"code": "TLKS", "name": "Trích lục khai sinh", "paper": True, "electronic": True}],
        legal_basis=["Luật Hộ tịch 2014, Điều 16"], form_schema=form if form is not None else BIRTH_FORM,
        workflow=workflow, published_at=timezone.now())
    procedure.current_version = version
    procedure.save()
    for agency in agencies:
        ProcedureAssignment.objects.create(procedure=procedure, agency=agency)
    return version


@pytest.fixture(autouse=True)
def _files_in_tmp(settings, tmp_path):
    """Attachments of the tests go to a temporary directory, never to var/."""
    storages = dict(settings.STORAGES)
    storages["dossier_files"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": tmp_path / "files", "base_url": None, "file_permissions_mode": 0o600,
                    "directory_permissions_mode": 0o700},
    }
    settings.STORAGES = storages
    return tmp_path / "files"


@dataclass
class Desk:
    commune: Agency
    department: Agency
    province_committee: Agency
    receiver: User
    specialist: User
    leader: User
    clerk: User
    dept_specialist: User
    dept_leader: User
    other_receiver: User
    portal: User
    citizen: User
    birth: ProcedureVersion


def _official(agency: Agency, role: str, name: str) -> User:
    user = UserFactory(full_name=name)
    AgencyRole.objects.create(user=user, agency=agency, role=role)
    return user


@pytest.fixture
def desk(db) -> Desk:
    province = province_unit()
    unit = commune_unit(province, "Xã Phú Túc Thử Nghiệm")
    commune = Agency.objects.create(code="000.91.60.H61", name="Ủy ban nhân dân xã Phú Túc Thử Nghiệm",
                                    kind=AgencyKind.COMMUNE_PEOPLES_COMMITTEE, unit=unit)
    other_unit = commune_unit(province, "Xã Giao Long Thử Nghiệm")
    other = Agency.objects.create(code="000.92.60.H61", name="Ủy ban nhân dân xã Giao Long Thử Nghiệm",
                                  kind=AgencyKind.COMMUNE_PEOPLES_COMMITTEE, unit=other_unit)
    department = Agency.objects.create(code="000.00.95.H61", name="Sở Xây dựng Thử Nghiệm",
                                       kind=AgencyKind.DEPARTMENT, unit=province)
    committee = Agency.objects.create(code="000.00.99.H61", name="Ủy ban nhân dân tỉnh Thử Nghiệm",
                                      kind=AgencyKind.PROVINCE_PEOPLES_COMMITTEE, unit=province)
    workflow = workflow_published("mot-cua-chuan")
    birth = procedure_published(code="1.001193", name="Đăng ký khai sinh", workflow=workflow,
                                agencies=[commune, other], amount="3", unit="working_day")
    return Desk(
        commune=commune, department=department, province_committee=committee,
        receiver=_official(commune, Role.RECEIVING_OFFICER, "Trần Thị Tiếp Nhận"),
        specialist=_official(commune, Role.SPECIALIST, "Lê Văn Hộ Tịch"),
        leader=_official(commune, Role.LEADER, "Phạm Chủ Tịch"),
        clerk=_official(commune, Role.RESULT_CLERK, "Võ Thị Trả"),
        dept_specialist=_official(department, Role.SPECIALIST, "Chuyên viên Sở"),
        dept_leader=_official(department, Role.LEADER, "Giám đốc Sở"),
        other_receiver=_official(other, Role.RECEIVING_OFFICER, "Cán bộ xã khác"),
        portal=_official(committee, Role.INTEGRATION, "Cổng DVCQG"),
        citizen=citizen("086085000123"),
        birth=birth,
    )


def pdf_bytes(text: str = "tinhso") -> bytes:
    """A small, well-formed one-page PDF."""
    return example_pdf(text)
