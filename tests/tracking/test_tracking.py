"""Public tracking by dossier code: /tra-cuu/<code>/ and GET /api/v1/tracking/{code}.

Anyone with the code (it is on the receipt and in its QR) sees status, procedure, agency, dates and
steps — and nothing personal; an unknown code and a malformed one look the same; look-ups are
limited per IP; the applicant signed in sees the whole dossier.
"""

from __future__ import annotations

import json
import re

import pytest
from django.utils import timezone

from tinhso.core.models import AuditEntry
from tinhso.dossiers.tracking import code_normalise, mask_name, tracking_lookup

from .conftest import APPLICANT, PERSONAL, SUPPLEMENT_NOTE, login, online, with_supplement

pytestmark = pytest.mark.django_db


def page(response) -> str:
    return response.content.decode()


def local(moment) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M")


def test_names_are_masked_word_by_word():
    assert mask_name("Nguyễn Văn An") == "Ng*** V** A*"
    assert mask_name("Trần Thị Hồng Đào") == "Tr** T** H*** Đ**"
    # A long word does not give its length away; a one-letter word still hides something.
    assert mask_name("Công ty TNHH Thương mại Phú Túc") == "Cô** t* T*** T*** m** P** T**"
    assert mask_name("Lý A") == "L* A*"


def test_codes_are_normalised_and_junk_is_no_code():
    assert code_normalise("  000.91.60.h61-261123-0001 ") == "000.91.60.H61-261123-0001"
    for junk in ("", "abc", "~provisional-code", "000.91.60.H61/../x", "' OR 1=1 --", "x" * 41):
        assert code_normalise(junk) is None


def test_the_masked_page_shows_the_progress_and_nothing_personal(client, desk):
    dossier = with_supplement(desk)
    html = page(client.get(f"/tra-cuu/{dossier.code}/"))
    # What is shown: status, step, procedure, agency, dates (dd/mm/yyyy HH:MM), each step.
    assert dossier.code in html
    assert "Đang xử lý" in html and "Chuyên viên thẩm định" in html
    assert "Đăng ký khai sinh" in html and desk.commune.name in html
    assert local(dossier.submitted_at) in html and local(dossier.accepted_at) in html and local(dossier.due_at) in html
    for step in ("Nộp hồ sơ", "Tiếp nhận hồ sơ", "Yêu cầu bổ sung", "Nhận hồ sơ bổ sung"):
        assert step in html, step
    assert "Tr** T** H*** Đ**" in html
    # What is not: the applicant's facts, the form's answers, notes, files, officials' names.
    for value in [*PERSONAL, SUPPLEMENT_NOTE, "Đã nhận bản chính", "to-khai.pdf", "giay-chung-sinh.pdf",
                  desk.receiver.full_name, desk.specialist.full_name]:
        assert value not in html, value


def test_the_masked_page_may_be_kept_briefly_by_the_browser_only(client, desk):
    dossier = online(desk)
    response = client.get(f"/tra-cuu/{dossier.code}/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, max-age=30"
    assert "Cookie" in response["Vary"]


def test_reading_the_masked_view_writes_no_audit_entry_and_costs_two_queries(client, desk,
                                                                           django_assert_max_num_queries):
    dossier = with_supplement(desk)
    tracking_lookup(dossier.code)  # the workflow's step names are read once per process
    before = AuditEntry.objects.count()
    with django_assert_max_num_queries(2):
        found = tracking_lookup(dossier.code)
    assert [s.name for s in found.steps][:2] == ["Nộp hồ sơ", "Tiếp nhận hồ sơ"]
    with django_assert_max_num_queries(2):
        assert client.get(f"/api/v1/tracking/{dossier.code}").status_code == 200
    assert client.get(f"/tra-cuu/{dossier.code}/").status_code == 200
    assert AuditEntry.objects.count() == before


def _without_echo(html: str, typed: str) -> str:
    """The page with what differs by nature removed: the typed code, the CSRF tokens, the CSP
    nonce and the language switch's return address."""
    html = html.replace(typed, "«typed»")
    html = re.sub(r'name="next" value="[^"]+"', "", html)
    html = re.sub(r'nonce="[^"]+"', "", html)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def test_unknown_and_malformed_codes_get_the_same_not_found_page(client, desk):
    online(desk)
    unknown = client.get("/tra-cuu/000.91.60.H61-991231-9999/")
    malformed = client.get("/tra-cuu/khong-phai-ma%27%3B/")
    from_form = client.get("/tra-cuu/", {"ma": "khong phai ma"})
    for response in (unknown, malformed, from_form):
        assert response.status_code == 404
        assert "Không tìm thấy hồ sơ có mã này" in page(response)
        assert 'class="govuk-error-summary"' in page(response)
    assert _without_echo(page(unknown), "000.91.60.H61-991231-9999") == _without_echo(page(malformed),
                                                                                      "khong-phai-ma&#x27;;")


def test_the_form_sends_a_well_formed_code_to_its_page(client, desk):
    dossier = online(desk)
    response = client.get("/tra-cuu/", {"ma": f" {dossier.code.lower()} "})
    assert response.status_code == 302 and response.url == f"/tra-cuu/{dossier.code}/"
    empty = client.get("/tra-cuu/", {"ma": ""})
    assert empty.status_code == 422 and "Nhập mã hồ sơ." in page(empty)
    assert client.get("/tra-cuu/").status_code == 200


def test_look_ups_are_limited_per_ip_found_or_not(client, desk, settings):
    settings.TINHSO_TRACKING_RATE = "3/m"
    dossier = online(desk)
    assert client.get(f"/tra-cuu/{dossier.code}/").status_code == 200
    assert client.get("/tra-cuu/000.91.60.H61-991231-9999/").status_code == 404
    assert client.get(f"/api/v1/tracking/{dossier.code}").status_code == 200
    limited = client.get(f"/tra-cuu/{dossier.code}/")
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) > 0
    assert "Bạn đã tra cứu quá nhiều lần" in page(limited) and APPLICANT.name not in page(limited)
    api = client.get(f"/api/v1/tracking/{dossier.code}")
    assert api.status_code == 429 and api.json()["code"] == "rate_limited" and int(api["Retry-After"]) > 0
    # Another address has its own budget.
    assert client.get(f"/tra-cuu/{dossier.code}/", REMOTE_ADDR="10.0.0.2").status_code == 200


def test_the_api_gives_the_same_masked_view(client, desk):
    dossier = with_supplement(desk)
    response = client.get(f"/api/v1/tracking/{dossier.code}")
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=30"
    body = response.json()
    assert body["code"] == dossier.code and body["status"] == 4 and body["status_name"] == "Đang xử lý"
    assert body["procedure"] == {"code": "1.001193", "name": "Đăng ký khai sinh"}
    assert body["receiving_agency"]["name"] == desk.commune.name
    assert body["applicant"] == "Tr** T** H*** Đ**"
    assert [s["name"] for s in body["steps"]] == ["Nộp hồ sơ", "Tiếp nhận hồ sơ", "Yêu cầu bổ sung hồ sơ",
                                                  "Nhận hồ sơ bổ sung"]
    assert {s["agency"] for s in body["steps"]} == {desk.commune.name}
    text = response.content.decode()
    for value in [*PERSONAL, SUPPLEMENT_NOTE, desk.receiver.full_name, desk.specialist.full_name]:
        assert value not in text, value
    assert set(body) == {"code", "status", "status_name", "step_name", "procedure", "receiving_agency", "applicant",
                         "submitted_at", "accepted_at", "due_at", "finished_at", "returned_at", "steps"}


def test_the_api_answers_unknown_and_malformed_codes_alike(client, desk):
    unknown = client.get("/api/v1/tracking/000.91.60.H61-991231-9999")
    malformed = client.get("/api/v1/tracking/%3Cscript%3E")
    assert unknown.status_code == malformed.status_code == 404
    assert unknown.json() == malformed.json() == {"code": "not_found", "message": "Không tìm thấy hồ sơ.",
                                                  "details": None}


def test_the_applicant_signed_in_sees_everything_on_the_same_page(client, desk):
    dossier = with_supplement(desk)
    login(client, desk.citizen)
    response = client.get(f"/tra-cuu/{dossier.code}/")
    html = page(response)
    assert "Hồ sơ của bạn" in html
    for value in [*PERSONAL, SUPPLEMENT_NOTE, "to-khai.pdf", desk.specialist.full_name]:
        assert value in html, value
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_another_citizen_and_an_official_see_the_masked_view(client, desk, other_citizen):
    dossier = with_supplement(desk)
    login(client, other_citizen)
    html = page(client.get(f"/tra-cuu/{dossier.code}/"))
    assert APPLICANT.name not in html and "Tr** T** H*** Đ**" in html
    login(client, desk.other_receiver)
    html = page(client.get(f"/tra-cuu/{dossier.code}/"))
    assert APPLICANT.name not in html and APPLICANT.id_number not in html
    assert f'href="/mot-cua/ho-so/{dossier.code}/"' in html


def test_the_openapi_document_lists_the_tracking_endpoint(client):
    spec = json.loads(client.get("/api/v1/openapi.json").content)
    operation = spec["paths"]["/api/v1/tracking/{code}"]["get"]
    assert set(operation["responses"]) >= {"200", "404", "429"}
    assert not operation.get("security")
