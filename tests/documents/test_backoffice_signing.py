"""The leader's approval in the back office issues the e-result signed with the agency's key; when
the key cannot be used the approval stands and the page offers to sign again."""

from __future__ import annotations

import pytest

from tinhso.documents.models import ResultDocument
from tinhso.dossiers.models import Dossier, Status

from .conftest import act, at_counter, login

pytestmark = pytest.mark.django_db


def _approve(client, desk, dossier: Dossier):
    dossier.refresh_from_db()
    return client.post(f"/mot-cua/ho-so/{dossier.code}/", {
        "thao_tac": "phe_duyet", "phe_duyet-note": "", "phe_duyet-key": "k-approve",
        "phe_duyet-expected_seq": dossier.event_seq}, follow=True)


def test_approval_signs_the_result_and_the_page_links_it(client, desk, commune_key):
    dossier = act(desk, at_counter(desk), "trinh_phe_duyet", desk.specialist, assignee=desk.leader)
    login(client, desk.leader)
    html = _approve(client, desk, dossier).content.decode()
    document = ResultDocument.objects.get(dossier=dossier)
    assert f"Đã ký số kết quả điện tử {document.code}." in html
    assert "Tải kết quả (PDF đã ký)" in html and f"/xac-thuc/{document.code}/" in html
    assert document.attachment.is_result


def test_without_a_usable_key_the_approval_stands_and_signing_can_be_retried(client, desk, signing_dir):
    dossier = act(desk, at_counter(desk), "trinh_phe_duyet", desk.specialist, assignee=desk.leader)
    login(client, desk.leader)
    html = _approve(client, desk, dossier).content.decode()
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSED
    assert "Chưa ký được kết quả điện tử" in html and "Ký số kết quả điện tử" in html
    assert not ResultDocument.objects.filter(dossier=dossier).exists()

    from tinhso.documents.keys import demo_keys_create

    demo_keys_create(agencies=[desk.commune])
    html = client.post(f"/mot-cua/ho-so/{dossier.code}/ky-ket-qua/", follow=True).content.decode()
    assert ResultDocument.objects.filter(dossier=dossier).count() == 1
    assert "Đã ký số kết quả điện tử" in html


def test_only_the_leader_is_offered_to_sign(client, desk, signing_dir):
    dossier = act(desk, at_counter(desk), "trinh_phe_duyet", desk.specialist, assignee=desk.leader)
    act(desk, dossier, "phe_duyet", desk.leader)
    login(client, desk.clerk)
    html = client.get(f"/mot-cua/ho-so/{dossier.code}/").content.decode()
    assert "Ký số kết quả điện tử" not in html
    response = client.post(f"/mot-cua/ho-so/{dossier.code}/ky-ket-qua/", follow=True)
    assert not ResultDocument.objects.filter(dossier=dossier).exists()
    assert "Chưa ký được kết quả điện tử" in response.content.decode()


def test_the_dossier_page_lists_the_forms_that_exist_for_it(client, desk, signing_dir):
    dossier = at_counter(desk)
    login(client, desk.specialist)
    html = client.get(f"/mot-cua/ho-so/{dossier.code}/").content.decode()
    assert f"/ho-so/{dossier.code}/bieu-mau/tiep-nhan.pdf" in html
    assert f"/ho-so/{dossier.code}/bieu-mau/kiem-soat.pdf" in html
    assert "bieu-mau/bo-sung.pdf" not in html
    act(desk, dossier, "yeu_cau_bo_sung", desk.specialist, note="Bổ sung bản chính giấy chứng sinh.")
    html = client.get(f"/mot-cua/ho-so/{dossier.code}/").content.decode()
    assert f"/ho-so/{dossier.code}/bieu-mau/bo-sung.pdf" in html
    response = client.get(f"/ho-so/{dossier.code}/bieu-mau/bo-sung.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
