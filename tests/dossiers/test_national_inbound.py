"""Dossiers filed on the national portal arrive at POST /api/v1/national-portal/dossiers."""

from __future__ import annotations

import pytest

from tinhso.accounts.services import api_token_issue
from tinhso.dossiers.models import Dossier, OutboxMessage, Source
from tinhso.dossiers.national import national_inbound_example

pytestmark = pytest.mark.django_db
URL = "/api/v1/national-portal/dossiers"


@pytest.fixture
def portal(desk):
    token = api_token_issue(actor=None, agency=desk.province_committee, user=desk.portal,
                            name="Cổng Dịch vụ công quốc gia").token
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def send(client, auth, message):
    return client.post(URL, message, content_type="application/json", **auth)


def test_the_same_dossier_sent_twice_is_one_dossier(client, desk, portal):
    message = national_inbound_example()
    first = send(client, portal, message)
    again = send(client, portal, message)
    assert (first.status_code, again.status_code) == (201, 200), first.content
    assert first.json()["MaHoSo"] == again.json()["MaHoSo"] == "000.91.60.H61-250715-0001"
    assert (first.json()["created"], again.json()["created"]) == (True, False)
    dossier = Dossier.objects.get()
    assert (dossier.code, dossier.source, dossier.channel, dossier.status) == (
        "000.91.60.H61-250715-0001", Source.NATIONAL_PORTAL, 2, 1)
    assert (dossier.receiving_agency, dossier.competent_agency, dossier.holder_agency) == (
        desk.commune, desk.commune, desk.commune)
    assert dossier.vneid_authenticated and dossier.has_digitised_components
    # The file with content is stored; the one sent as a link only is listed on the first event.
    assert [a.component_code for a in dossier.attachments.all()] == ["TK"]
    assert dossier.events.get(seq=1).data["linked_files"][0]["component_code"] == "GCS"
    assert OutboxMessage.objects.filter(dossier=dossier).count() == 1


def test_the_receiving_officer_then_accepts_it_and_the_appointment_is_set(client, desk, portal):
    from tinhso.dossiers import services

    send(client, portal, national_inbound_example())
    dossier = Dossier.objects.get()
    services.dossier_act(actor=desk.receiver, dossier_id=dossier.pk, action="tiep_nhan")
    dossier.refresh_from_db()
    assert dossier.accepted_at is not None and dossier.due_at > dossier.accepted_at


@pytest.mark.parametrize(("path", "value", "field"), [
    (("MaHoSo",), None, "hoSo.MaHoSo"),
    (("NgayNopHoSo",), "15/07/2025", "hoSo.NgayNopHoSo"),
    (("KenhThucHien",), "9", "hoSo.KenhThucHien"),
    (("TaiLieuNop", 0, "NoiDungBase64"), "không phải base64!", "hoSo.TaiLieuNop.0.NoiDungBase64"),
    (("MaDonViTiepNhan",), "000.00.00.H99", "hoSo.MaDonViTiepNhan"),
    (("MaTTHC",), "9.999999", "hoSo.MaTTHC"),
])
def test_a_malformed_message_is_a_400_naming_the_field(client, desk, portal, path, value, field):
    message = national_inbound_example()
    target = message["hoSo"]
    for key in path[:-1]:
        target = target[key]
    if value is None:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    response = send(client, portal, message)
    assert response.status_code == 400, response.content
    body = response.json()
    assert field in [d["field"] for d in body["details"]]
    assert field.rsplit(".", 1)[-1] in body["message"]
    assert Dossier.objects.count() == 0


def test_only_a_connected_system_may_send(client, desk):
    token = api_token_issue(actor=None, agency=desk.commune, user=desk.receiver, name="quầy").token
    response = send(client, {"HTTP_AUTHORIZATION": f"Bearer {token}"}, national_inbound_example())
    assert response.status_code == 403
    client.force_login(desk.citizen)
    assert client.post(URL, national_inbound_example(), content_type="application/json").status_code == 401
    assert Dossier.objects.count() == 0
