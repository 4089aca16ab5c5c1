"""Procedure versions: a draft is a copy of the latest plus changes; publishing retires the version
in force; a published version is never edited again."""

from __future__ import annotations

import pytest

from tinhso.catalog import selectors, services
from tinhso.catalog.models import Procedure, ProcedureVersion, VersionStatus
from tinhso.core.models import AuditEntry

from .conftest import procedure_published, version_data, workflow_publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def birth(admin):
    return procedure_published(actor=admin)


def test_publishing_v2_retires_v1_and_leaves_it_unchanged(admin, birth):
    v1 = birth.current_version
    snapshot = {f.name: getattr(v1, f.name) for f in ProcedureVersion._meta.fields if f.name != "status"}
    fees = [{"code": "LP", "name": "Lệ phí đăng ký khai sinh", "kind": "charge", "amount": 5000, "note": "quá hạn"}]
    v2 = services.procedure_version_create(actor=admin, procedure=birth, data={"fees": fees, "processing_amount": 2})
    assert (v2.number, v2.status) == (2, VersionStatus.DRAFT)
    # A draft is a copy of the latest plus the changes.
    assert v2.components == v1.components and v2.form_schema == v1.form_schema and v2.workflow_id == v1.workflow_id
    assert v2.fees == fees and v2.processing_amount == 2
    birth.refresh_from_db()
    assert birth.current_version_id == v1.pk  # a draft changes nothing in force

    services.procedure_version_publish(actor=admin, version_id=v2.pk)
    birth.refresh_from_db()
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert birth.current_version_id == v2.pk and v2.status == VersionStatus.PUBLISHED
    assert v1.status == VersionStatus.RETIRED
    assert {f.name: getattr(v1, f.name) for f in ProcedureVersion._meta.fields if f.name != "status"} == snapshot
    assert selectors.procedure_current_version(birth) == v2
    assert [v.number for v in selectors.procedure_versions(birth)] == [2, 1]


def test_a_published_or_retired_version_is_never_edited(admin, birth):
    v1 = birth.current_version
    with pytest.raises(services.VersionFrozen) as caught:
        services.procedure_version_update(actor=admin, version_id=v1.pk, data={"processing_amount": 3})
    assert "đã công bố, không được sửa" in caught.value.problems[0]["message"]
    v2 = services.procedure_version_create(actor=admin, procedure=birth, data={"processing_amount": 2})
    services.procedure_version_publish(actor=admin, version_id=v2.pk)
    for version_id in (v1.pk, v2.pk):
        with pytest.raises(services.VersionFrozen):
            services.procedure_version_update(actor=admin, version_id=version_id, data={"requirements": "x"})
    with pytest.raises(services.VersionFrozen):  # a retired version is not published again
        services.procedure_version_publish(actor=admin, version_id=v1.pk)
    assert ProcedureVersion.objects.get(pk=v1.pk).processing_amount == 1
    assert ProcedureVersion.objects.get(pk=v2.pk).requirements == ""


def test_a_draft_is_edited_and_validated_whole(admin, birth):
    draft = services.procedure_version_create(actor=admin, procedure=birth, data={"requirements": "Trong 60 ngày"})
    services.procedure_version_update(actor=admin, version_id=draft.pk, data={"processing_amount": 3})
    draft.refresh_from_db()
    assert (draft.requirements, draft.processing_amount) == ("Trong 60 ngày", 3)
    with pytest.raises(services.CatalogInvalid) as caught:
        services.procedure_version_update(actor=admin, version_id=draft.pk, data={
            "fees": [{"code": "LP", "name": "Lệ phí", "kind": "charge", "amount": -1}], "colour": "xanh"})
    assert {p["field"] for p in caught.value.problems} == {"fees.0.amount", "colour"}
    draft.refresh_from_db()
    assert draft.fees == birth.current_version.fees


def test_only_one_draft_at_a_time(admin, birth):
    services.procedure_version_create(actor=admin, procedure=birth, data={})
    with pytest.raises(services.CatalogInvalid) as caught:
        services.procedure_version_create(actor=admin, procedure=birth, data={})
    assert caught.value.problems[0]["message"] == "Thủ tục đang có bản nháp phiên bản 2; hãy sửa bản nháp đó."


def test_the_workflow_must_be_published(admin, birth):
    from tinhso.catalog.models import WorkflowDefinition

    published = WorkflowDefinition.objects.get(code="mot-cua-chuan")
    draft_workflow = services.workflow_definition_save(actor=admin, code="mot-cua-chuan", name="Bản nháp",
                                                       definition=published.definition)
    version = services.procedure_version_create(actor=admin, procedure=birth, data={"workflow": draft_workflow})
    with pytest.raises(services.CatalogInvalid) as caught:
        services.procedure_version_publish(actor=admin, version_id=version.pk)
    assert caught.value.problems[0]["field"] == "workflow"
    services.workflow_definition_publish(actor=admin, definition_id=draft_workflow.pk)
    assert services.procedure_version_publish(actor=admin, version_id=version.pk).status == VersionStatus.PUBLISHED


def test_a_new_procedure_needs_complete_data(admin):
    workflow_publish()
    procedure = services.procedure_upsert(actor=admin, code="1.000656", name="Thủ tục đăng ký khai tử",
                                          field_code="HT", field_name="Hộ tịch")
    with pytest.raises(services.CatalogInvalid) as caught:
        services.procedure_version_create(actor=admin, procedure=procedure, data={"processing_amount": 1})
    fields = {p["field"] for p in caught.value.problems}
    assert {"applicant_types", "agency_levels", "channels", "processing_unit", "components", "results",
            "workflow"} <= fields
    assert not procedure.versions.exists()


def test_procedure_upsert_renames_and_moves(admin, birth):
    again = services.procedure_upsert(actor=admin, code=birth.code, name="Đăng ký khai sinh", field_code="HT2",
                                      field_name="Hộ tịch (mới)")
    assert again.pk == birth.pk and again.name_folded == "dang ky khai sinh" and again.field.code == "HT2"
    with pytest.raises(services.CatalogInvalid):
        services.procedure_upsert(actor=admin, code="mã sai", name="", field_code="HT", field_name="Hộ tịch")


def test_assignments_are_set_exactly(admin, birth, commune_agencies):
    first, second = commune_agencies
    assert services.procedure_assign(actor=admin, procedure=birth, agencies=[first, second]) == {"added": 2, "removed": 0}
    assert services.procedure_assign(actor=admin, procedure=birth, agencies=[second]) == {"added": 0, "removed": 1}
    assert list(selectors.procedure_competent_agencies(birth)) == [second]
    assert services.procedure_assign(actor=admin, procedure=birth, agencies=[second]) == {"added": 0, "removed": 0}


def test_every_write_is_audited(admin, birth):
    actions = list(AuditEntry.objects.filter(actor_id=admin.pk).order_by("seq").values_list("action", flat=True))
    assert actions[-3:] == ["catalog.procedure_upserted", "catalog.procedure_version_created",
                            "catalog.procedure_version_published"]


def test_version_data_round_trips_through_the_service(admin, birth):
    version = birth.current_version
    data = services.version_as_data(version)
    assert data == {**version_data(), "processing_amount": 1}
    assert Procedure.objects.get(code=birth.code).current_version.number == 1


def test_a_dossier_keeps_pointing_at_the_version_it_was_received_under(admin, birth, commune_agencies):
    from django.utils import timezone

    from tinhso.catalog.schemas import form_data_validate
    from tinhso.dossiers.models import Dossier

    v1 = birth.current_version
    agency = commune_agencies[0]
    now = timezone.now()
    dossier = Dossier.objects.create(
        code="000.01.60.H61-251124-0001", procedure=birth, procedure_version=v1, workflow=v1.workflow,
        state="moi_nop", channel=2, source="online", receiving_agency=agency, competent_agency=agency,
        holder_agency=agency, applicant_name="Nguyễn Văn An", applicant_id_number="086085000123",
        form_data={"ho_ten_tre": "Nguyễn Văn Bình", "ngay_sinh": "2025-09-02", "gioi_tinh": "Nam"},
        submitted_at=now, state_entered_at=now)
    stricter = dict(v1.form_schema, required=[*v1.form_schema["required"], "so_con"])
    v2 = services.procedure_version_create(actor=admin, procedure=birth, data={"form_schema": stricter})
    services.procedure_version_publish(actor=admin, version_id=v2.pk)
    dossier.refresh_from_db()
    assert dossier.procedure_version_id == v1.pk
    v1.refresh_from_db()
    # The dossier's data is still judged by the form it was filed on, not by the new one.
    assert form_data_validate(dossier.procedure_version, dossier.form_data) == []
    assert [p["field"] for p in form_data_validate(v2, dossier.form_data)] == ["so_con"]
