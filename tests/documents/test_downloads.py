"""Downloading a dossier's forms and result: the applicant and the officials who can see the
dossier; 404 for everyone else; officials' downloads audited."""

from __future__ import annotations

import pytest
from django.utils import timezone

from accounts.factories import citizen
from documents.conftest import approved, at_counter, login, online, pdf_reader, pdf_text
from tinhso.core.models import AuditEntry
from tinhso.documents.services import result_issue
from tinhso.dossiers.attachments import attachment_open

pytestmark = pytest.mark.django_db


def form_url(code: str, kind: str) -> str:
    return f"/ho-so/{code}/bieu-mau/{kind}.pdf"


def test_the_applicant_downloads_the_receipt_of_an_online_dossier(client, desk):
    dossier = online(desk)
    response = login(client, desk.citizen).get(form_url(dossier.code, "tiep-nhan"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert dossier.code in pdf_text(body)
    # A citizen's own read of their dossier is not audited (only officials' reads of personal data).
    assert not AuditEntry.objects.filter(action="dossier.form_downloaded").exists()


def test_another_citizen_gets_404_for_forms_and_result(client, desk, commune_key):
    dossier = approved(desk)
    dossier.applicant = desk.citizen
    dossier.save(update_fields=["applicant"])
    result_issue(dossier_id=dossier.pk, actor=desk.leader)
    login(client, citizen("086085000999"))
    for url in (form_url(dossier.code, "tiep-nhan"), form_url(dossier.code, "kiem-soat"),
                f"/ho-so/{dossier.code}/ket-qua.pdf"):
        assert client.get(url).status_code == 404, url
    assert login(client, desk.citizen).get(f"/ho-so/{dossier.code}/ket-qua.pdf").status_code == 200


def test_an_official_of_the_commune_downloads_and_is_audited_one_elsewhere_gets_404(client, desk):
    dossier = at_counter(desk)
    response = login(client, desk.specialist).get(form_url(dossier.code, "kiem-soat"))
    assert response.status_code == 200 and "PHIẾU KIỂM SOÁT" in pdf_text(response.content)
    entry = AuditEntry.objects.get(action="dossier.form_downloaded")
    assert entry.object_id == dossier.code and entry.data == {"form": "kiem-soat"}
    assert entry.actor_id == desk.specialist.pk
    client.logout()
    assert login(client, desk.other_receiver).get(form_url(dossier.code, "tiep-nhan")).status_code == 404


def test_the_result_download_is_the_signed_file_itself(client, desk, commune_key):
    dossier = approved(desk)
    result = result_issue(dossier_id=dossier.pk, actor=desk.leader)
    response = login(client, desk.clerk).get(f"/ho-so/{dossier.code}/ket-qua.pdf")
    assert response.status_code == 200
    with attachment_open(result.attachment.storage_path) as handle:
        assert response.content == handle.read()
    assert AuditEntry.objects.filter(action="dossier.result_downloaded", object_id=dossier.code).exists()


def test_nothing_to_print_unknown_forms_and_anonymous_visitors(client, desk, settings):
    dossier = at_counter(desk)
    login(client, desk.receiver)
    assert client.get(form_url(dossier.code, "bo-sung")).status_code == 404      # no supplement request
    assert client.get(form_url(dossier.code, "mau-99")).status_code == 404
    assert client.get(form_url(dossier.code, "so-theo-doi")).status_code == 404  # not a per-dossier form
    assert client.get(f"/ho-so/{dossier.code}/ket-qua.pdf").status_code == 404   # no result yet
    settings.TINHSO_FORMS_SET = "2018"
    assert client.get(form_url(dossier.code, "dung")).status_code == 404         # no stop notice in 2018
    client.logout()
    response = client.get(form_url(dossier.code, "tiep-nhan"))
    assert response.status_code == 302 and "/tai-khoan/" in response.url


def test_the_register_for_officials_of_the_agency_only(client, desk):
    dossier = at_counter(desk)
    today = timezone.localdate().isoformat()
    url = f"/bieu-mau/so-theo-doi.pdf?co-quan={desk.commune.code}&tu={today}&den={today}"
    response = login(client, desk.receiver).get(url)
    assert response.status_code == 200
    assert dossier.code in pdf_text(response.content)
    assert float(pdf_reader(response.content).pages[0].mediabox.width) > 800              # A4 landscape
    assert AuditEntry.objects.filter(action="register.downloaded", object_id=desk.commune.code).exists()
    client.logout()
    assert login(client, desk.other_receiver).get(url).status_code == 404
    client.logout()
    assert login(client, desk.citizen).get(url).status_code == 404
