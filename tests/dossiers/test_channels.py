"""Reception channels other than the counter, and a liên thông procedure across two agencies."""

from __future__ import annotations

import base64

import pytest

from tinhso.catalog.models import Channel
from tinhso.dossiers import selectors, services
from tinhso.dossiers.models import Dossier, Source, Status

from .conftest import pdf_bytes, procedure_published, workflow_published

pytestmark = pytest.mark.django_db

PARENT = services.Applicant(name="Huỳnh Thị Mai", id_number="086301000456")
BIRTH = {"ho_ten_tre": "Huỳnh Gia Bảo", "ngay_sinh": "2026-01-20", "gioi_tinh": "Nam"}
PERMIT_FILES = [services.IncomingFile(name="don.pdf", data=pdf_bytes("don"), component_code="TK", digitised=True),
                services.IncomingFile(name="ban-ve.pdf", data=pdf_bytes("bv"), component_code="GCS", digitised=True)]


def test_by_post_the_channel_is_postal(desk):
    dossier, _ = services.dossier_intake(actor=desk.receiver, procedure_code="1.001193", source=Source.POST,
                                         receiving_agency=desk.commune, applicant=PARENT, form_data=BIRTH)
    assert (dossier.channel, dossier.source, dossier.status) == (Channel.POSTAL, Source.POST, Status.SUBMITTED)


def test_online_the_citizen_files_and_finds_it_among_their_dossiers(client, desk):
    client.force_login(desk.citizen)
    body = {"procedure": "1.001193", "receiving_agency": desk.commune.code, "source": "online",
            "applicant": {"name": "Nguyễn Văn An", "id_number": "086085000123"}, "form_data": BIRTH,
            "files": [{"name": "to-khai.pdf", "content_base64": base64.b64encode(pdf_bytes()).decode(),
                       "component_code": "TK"}]}
    response = client.post("/api/v1/dossiers", body, content_type="application/json")
    assert response.status_code == 201, response.content
    dossier = Dossier.objects.get(code=response.json()["code"])
    assert (dossier.channel, dossier.applicant, dossier.state) == (Channel.ONLINE, desk.citizen, "moi_nop")
    assert list(selectors.dossiers_visible_to(desk.citizen)) == [dossier]
    # The citizen cannot accept their own dossier, but may withdraw it.
    refused = client.post(f"/api/v1/dossiers/{dossier.code}/actions", {"action": "tiep_nhan"},
                          content_type="application/json")
    assert refused.status_code == 403
    withdrawn = client.post(f"/api/v1/dossiers/{dossier.code}/actions", {"action": "rut_ho_so"},
                            content_type="application/json")
    assert withdrawn.status_code == 201
    # A citizen may not accept "at the counter" on their own behalf.
    counter = client.post("/api/v1/dossiers", {**body, "source": "counter"}, content_type="application/json")
    assert counter.status_code == 403


def test_a_channel_the_procedure_does_not_offer_is_refused(desk):
    desk.birth.channels = [1]
    desk.birth.save()
    with pytest.raises(services.InvalidInput) as refused:
        services.dossier_intake(actor=desk.receiver, procedure_code="1.001193", source=Source.POST,
                                receiving_agency=desk.commune, applicant=PARENT, form_data=BIRTH)
    assert refused.value.details[0]["field"] == "channel"


def test_financial_obligation_waits_in_its_own_inbox_filter(desk):
    dossier, _ = services.dossier_intake(actor=desk.receiver, procedure_code="1.001193", source=Source.COUNTER,
                                         receiving_agency=desk.commune, applicant=PARENT, form_data=BIRTH,
                                         files=PERMIT_FILES, accept=True)
    services.dossier_act(actor=desk.specialist, dossier_id=dossier.pk, action="yeu_cau_nghia_vu_tai_chinh")
    dossier.refresh_from_db()
    assert (dossier.status, dossier.holder_agency) == (Status.FINANCIAL_REQUESTED, desk.commune)
    waiting = selectors.inbox(desk.receiver, selectors.InboxQuery(agency=desk.commune, filter="payment"))
    assert list(waiting) == [dossier]
    services.dossier_act(actor=desk.receiver, dossier_id=dossier.pk, action="xac_nhan_nghia_vu_tai_chinh")
    assert Dossier.objects.get(pk=dossier.pk).status == Status.IN_PROGRESS


def test_lien_thong_commune_receives_the_department_decides_the_commune_returns(desk):
    permit = procedure_published(code="1.009973", name="Cấp giấy phép xây dựng nhà ở riêng lẻ",
                                 workflow=workflow_published("lien-thong-xa-so"), agencies=[desk.department],
                                 amount="15", unit="working_day", form={})
    dossier, _ = services.dossier_intake(
        actor=desk.receiver, procedure_code=permit.procedure.code, receiving_agency=desk.commune,
        applicant=PARENT, source=Source.COUNTER, files=PERMIT_FILES, accept=True, assignee=desk.specialist)
    assert (dossier.receiving_agency, dossier.competent_agency, dossier.holder_agency) == (
        desk.commune, desk.department, desk.commune)
    services.dossier_act(actor=desk.specialist, dossier_id=dossier.pk, action="chuyen_so",
                         assignee=desk.dept_specialist)
    in_department = selectors.inbox(desk.dept_specialist, selectors.InboxQuery(agency=desk.department))
    assert list(in_department) == [Dossier.objects.get(pk=dossier.pk)]
    # The commune specialist no longer holds it, but still sees it (it passed through the commune).
    assert selectors.dossier_get_for(desk.specialist, code=dossier.code) is not None
    services.dossier_act(actor=desk.dept_specialist, dossier_id=dossier.pk, action="trinh_phe_duyet")
    services.dossier_act(actor=desk.dept_leader, dossier_id=dossier.pk, action="phe_duyet")
    services.dossier_act(actor=desk.clerk, dossier_id=dossier.pk, action="tra_ket_qua")
    slip = list(selectors.dossier_events(dossier))
    hand_overs = [(e.from_agency, e.to_agency) for e in slip[1:] if e.from_agency != e.to_agency]
    assert hand_overs == [(desk.commune, desk.department), (desk.department, desk.commune)]
    assert Dossier.objects.get(pk=dossier.pk).status == Status.RETURNED
    # The department keeps read access after the dossier came back to the commune.
    assert selectors.dossier_get_for(desk.dept_leader, code=dossier.code) is not None
    assert selectors.dossier_get_for(desk.other_receiver, code=dossier.code) is None
