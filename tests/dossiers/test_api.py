"""The one-stop API: intake, actions, inbox, register, downloads, national-portal inbound."""

from __future__ import annotations

import base64
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from tinhso.accounts.services import api_token_issue
from tinhso.dossiers.models import Dossier, DossierEvent, OutboxMessage

from .conftest import pdf_bytes

pytestmark = pytest.mark.django_db

BIRTH = {"ho_ten_tre": "Lê Minh Khang", "ngay_sinh": "2026-02-01", "gioi_tinh": "Nam"}


def bearer(user, agency) -> dict:
    token = api_token_issue(actor=None, agency=agency, user=user, name=f"kiểm thử {user.username}").token
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def intake_body(desk, **kw):
    body = {
        "procedure": "1.001193", "receiving_agency": desk.commune.code, "source": "counter", "accept": True,
        "applicant": {"name": "Lê Văn Tâm", "id_number": "086085000777", "phone": "0909000111"},
        "form_data": BIRTH,
        "files": [{"name": "to-khai.pdf", "content_base64": b64(pdf_bytes("tk")), "component_code": "TK",
                   "digitised": True},
                  {"name": "giay-chung-sinh.pdf", "content_base64": b64(pdf_bytes("gcs")),
                   "component_code": "GCS", "digitised": True}],
    }
    body.update(kw)
    return body


@pytest.fixture
def receiver_auth(desk):
    return bearer(desk.receiver, desk.commune)


def post(client, url, body, auth, **headers):
    return client.post(url, body, content_type="application/json", **auth, **headers)


def test_counter_intake_then_actions_through_the_api(client, desk, receiver_auth):
    response = post(client, "/api/v1/dossiers", intake_body(desk), receiver_auth, HTTP_IDEMPOTENCY_KEY="a1")
    assert response.status_code == 201, response.content
    code = response.json()["code"]
    assert response.json()["due_at"]
    specialist = bearer(desk.specialist, desk.commune)
    detail = client.get(f"/api/v1/dossiers/{code}", **specialist).json()
    assert {a["code"] for a in detail["allowed_actions"]} >= {"trinh_phe_duyet", "yeu_cau_bo_sung"}
    assert [a["component_code"] for a in detail["attachments"]] == ["TK", "GCS"]
    moved = post(client, f"/api/v1/dossiers/{code}/actions",
                 {"action": "trinh_phe_duyet", "expected_seq": detail["event_seq"],
                  "assignee": desk.leader.username}, specialist)
    assert moved.status_code == 201, moved.content
    assert moved.json()["to_user"] == desk.leader.username
    events = client.get(f"/api/v1/dossiers/{code}/events", **specialist).json()
    assert [e["action"] for e in events] == ["nop_ho_so", "tiep_nhan", "trinh_phe_duyet"]
    assert "/api/v1/dossiers/{code}/actions" in client.get("/api/v1/openapi.json").json()["paths"]


def test_repeating_an_intake_with_its_key_gives_one_dossier(client, desk, receiver_auth):
    first = post(client, "/api/v1/dossiers", intake_body(desk), receiver_auth, HTTP_IDEMPOTENCY_KEY="same")
    again = post(client, "/api/v1/dossiers", intake_body(desk), receiver_auth, HTTP_IDEMPOTENCY_KEY="same")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["code"] == again.json()["code"]
    assert Dossier.objects.count() == 1


def test_repeating_an_action_with_its_key_gives_one_transition(client, desk, receiver_auth):
    code = post(client, "/api/v1/dossiers", intake_body(desk), receiver_auth).json()["code"]
    specialist = bearer(desk.specialist, desk.commune)
    for _ in range(2):
        response = post(client, f"/api/v1/dossiers/{code}/actions", {"action": "trinh_phe_duyet"}, specialist,
                        HTTP_IDEMPOTENCY_KEY="click-1")
        assert response.status_code == 201
    assert DossierEvent.objects.filter(dossier__code=code, action="trinh_phe_duyet").count() == 1


def test_invalid_form_data_names_each_field_in_vietnamese(client, desk, receiver_auth):
    body = intake_body(desk, form_data={"ho_ten_tre": "", "ngay_sinh": "hôm qua"})
    response = post(client, "/api/v1/dossiers", body, receiver_auth)
    assert response.status_code == 422
    payload = response.json()
    assert payload["code"] == "invalid_input"
    fields = {d["field"] for d in payload["details"]}
    assert {"form_data.ngay_sinh", "form_data.gioi_tinh"} <= fields
    assert Dossier.objects.count() == 0


@pytest.mark.parametrize(("name", "data", "code"), [
    ("anh.pdf", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "extension_mismatch"),
    ("chuong-trinh.pdf", b"MZ\x90\x00" + b"\0" * 200, "forbidden_type"),
])
def test_a_lying_or_forbidden_file_is_refused_and_nothing_stored(client, desk, receiver_auth, name, data, code,
                                                                 _files_in_tmp):
    body = intake_body(desk, files=[{"name": name, "content_base64": b64(data), "component_code": "TK"}])
    response = post(client, "/api/v1/dossiers", body, receiver_auth)
    assert response.status_code == 422
    assert response.json()["details"][0]["code"] == code
    assert Dossier.objects.count() == 0
    stored = [p for p in _files_in_tmp.rglob("*") if p.is_file()] if _files_in_tmp.exists() else []
    assert stored == []


def test_a_file_too_large_is_refused(client, desk, receiver_auth, settings):
    settings.TINHSO_ATTACHMENT_MAX_BYTES = 1024
    body = intake_body(desk, files=[{"name": "lon.pdf", "content_base64": b64(pdf_bytes("x" * 2000)),
                                     "component_code": "TK"}])
    response = post(client, "/api/v1/dossiers", body, receiver_auth)
    assert response.status_code == 422
    assert response.json()["details"][0]["code"] == "too_large"


def test_officials_outside_the_agency_get_404_or_403(client, desk, receiver_auth):
    code = post(client, "/api/v1/dossiers", intake_body(desk), receiver_auth).json()["code"]
    outsider = bearer(desk.other_receiver, desk.other_receiver.agency_roles.get().agency)
    assert client.get(f"/api/v1/dossiers/{code}", **outsider).status_code == 404
    acted = post(client, f"/api/v1/dossiers/{code}/actions", {"action": "trinh_phe_duyet"}, outsider)
    assert (acted.status_code, acted.json()["code"]) == (403, "forbidden")
    # At the right agency with the wrong role: forbidden, and it says why.
    clerk = bearer(desk.clerk, desk.commune)
    refused = post(client, f"/api/v1/dossiers/{code}/actions", {"action": "trinh_phe_duyet"}, clerk)
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"
    # Another receiving officer cannot file at an agency they do not work for.
    body = intake_body(desk)
    assert post(client, "/api/v1/dossiers", body, outsider).status_code == 403


def test_an_action_not_allowed_now_is_409_with_the_allowed_actions(client, desk, receiver_auth):
    code = post(client, "/api/v1/dossiers", intake_body(desk), receiver_auth).json()["code"]
    response = post(client, f"/api/v1/dossiers/{code}/actions", {"action": "tra_ket_qua"},
                    bearer(desk.specialist, desk.commune))
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "action_not_allowed"
    assert "trinh_phe_duyet" in {a["code"] for a in body["details"]["allowed_actions"]}


def test_attachments_are_served_to_the_applicant_and_the_agency_only(client, desk, receiver_auth):
    body = intake_body(desk, source="counter")
    code = post(client, "/api/v1/dossiers", body, receiver_auth).json()["code"]
    Dossier.objects.filter(code=code).update(applicant=desk.citizen)
    attachment = Dossier.objects.get(code=code).attachments.first()
    url = f"/api/v1/dossiers/{code}/attachments/{attachment.pk}"
    got = client.get(url, **bearer(desk.specialist, desk.commune))
    assert got.status_code == 200
    assert b"".join(got.streaming_content) == pdf_bytes("tk")
    assert got["Content-Type"] == "application/pdf"
    client.force_login(desk.citizen)
    assert client.get(url).status_code == 200
    from accounts.factories import citizen

    client.force_login(citizen("086301000999"))
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 401


def test_inbox_by_role_and_by_assignee(client, desk, receiver_auth):
    mine = post(client, "/api/v1/dossiers", intake_body(desk, assignee=desk.specialist.username),
                receiver_auth).json()["code"]
    shared = post(client, "/api/v1/dossiers", intake_body(desk), receiver_auth).json()["code"]
    specialist = bearer(desk.specialist, desk.commune)
    by_role = client.get(f"/api/v1/inbox?agency={desk.commune.code}", **specialist).json()
    assert {i["code"] for i in by_role["items"]} == {mine, shared}
    assigned = client.get(f"/api/v1/inbox?agency={desk.commune.code}&mode=assigned", **specialist).json()
    assert [i["code"] for i in assigned["items"]] == [mine]
    # The leader has nothing to act on yet; the receiver neither (both are past reception).
    leader = client.get(f"/api/v1/inbox?agency={desk.commune.code}", **bearer(desk.leader, desk.commune)).json()
    assert leader["count"] == 0
    by_name = client.get(f"/api/v1/inbox?agency={desk.commune.code}&q=le van tam", **specialist).json()
    assert by_name["count"] == 2


def test_bulk_accept_of_dossiers_waiting_for_reception(client, desk, receiver_auth):
    codes = [post(client, "/api/v1/dossiers", intake_body(desk, accept=False), receiver_auth).json()["code"]
             for _ in range(2)]
    results = post(client, "/api/v1/inbox/accept", {"codes": [*codes, "KHONG-CO"]}, receiver_auth).json()
    assert [(r["code"], r["ok"]) for r in results] == [(codes[0], True), (codes[1], True), ("KHONG-CO", False)]
    assert set(Dossier.objects.values_list("state", flat=True)) == {"dang_xu_ly"}


def test_register_as_json_and_xlsx(client, desk, receiver_auth):
    code = post(client, "/api/v1/dossiers", intake_body(desk), receiver_auth).json()["code"]
    # The register counts days on the province's clock, not UTC.
    day = timezone.localdate(Dossier.objects.get(code=code).submitted_at).isoformat()
    rows = client.get(f"/api/v1/register?agency={desk.commune.code}&from={day}&to={day}", **receiver_auth).json()
    assert [r["code"] for r in rows] == [code]
    xlsx = client.get(f"/api/v1/register.xlsx?agency={desk.commune.code}&from={day}&to={day}", **receiver_auth)
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert code in [c.value for c in sheet["B"]]
    outsider = bearer(desk.other_receiver, desk.other_receiver.agency_roles.get().agency)
    assert client.get(f"/api/v1/register?agency={desk.commune.code}&from={day}&to={day}",
                      **outsider).status_code == 403


def test_every_status_change_is_in_the_outbox_in_the_same_transaction(client, desk, receiver_auth):
    code = post(client, "/api/v1/dossiers", intake_body(desk), receiver_auth).json()["code"]
    messages = OutboxMessage.objects.filter(dossier__code=code).order_by("id")
    assert [int(m.payload["hoSo"]["TrangThaiHoSo"]) for m in messages] == [1, 2]
    assert [m.event.seq for m in messages] == [1, 2]


def test_the_dossier_code_generator_is_a_setting(client, desk, receiver_auth, settings):
    settings.TINHSO_DOSSIER_CODE = "tinhso.dossiers.codes.long_code"
    code = post(client, "/api/v1/dossiers", intake_body(desk), receiver_auth).json()["code"]
    agency, day, number = code.rsplit("-", 2)
    assert (agency, len(day), number) == (desk.commune.code, 8, "0000001")


def test_bearer_token_posts_need_no_csrf_token_but_sessions_do(desk):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    token = bearer(desk.receiver, desk.commune)
    created = strict.post("/api/v1/dossiers", intake_body(desk), content_type="application/json", **token)
    assert created.status_code == 201, created.content
    strict.force_login(desk.citizen)
    refused = strict.post("/api/v1/dossiers", {**intake_body(desk), "source": "online"},
                          content_type="application/json")
    assert refused.status_code == 403
    assert Dossier.objects.count() == 1
