"""The citizen portal (/dich-vu-cong/): finding a procedure, filing it online through a draft, the
citizen data store (pre-fill, save back, documents, reuse of an earlier e-result), "Hồ sơ của tôi",
answering a supplement request, withdrawing, the portal switch — through the Django test client,
on the commune desk of the dossier tests with the demo catalogue's real birth-registration form."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.factories import citizen
from accounts.totp import activate_totp
from dossiers import conftest as dossier_fixtures
from dossiers.conftest import pdf_bytes, procedure_published, workflow_published
from tinhso.dossiers import citizen_store, services
from tinhso.dossiers.models import (
    Attachment,
    CitizenDocument,
    CitizenFact,
    Dossier,
    Draft,
    FactSource,
    OutboxMessage,
    Status,
    Supplement,
)

desk = dossier_fixtures.desk
_files_in_tmp = dossier_fixtures._files_in_tmp

pytestmark = pytest.mark.django_db

HO_TICH = Path(__file__).resolve().parents[2] / "src/tinhso/catalog/data/procedures/ho-tich.json"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _citizen_files_in_tmp(settings, tmp_path, _files_in_tmp):
    storages = dict(settings.STORAGES)
    storages["citizen_files"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": tmp_path / "citizen-files", "base_url": None},
    }
    settings.STORAGES = storages
    settings.TINHSO_PORTAL_FILING = True


def real_birth(desk):
    """The desk's birth registration with the demo catalogue's form, components and hints."""
    spec = next(p for p in json.loads(HO_TICH.read_text(encoding="utf-8"))["procedures"]
                if p["code"] == "1.001193")["version"]
    version = desk.birth
    for key in ("name", "form_schema", "form_ui", "components", "results", "fees", "legal_basis", "requirements",
                "service_level", "eligible_full", "processing_amount", "processing_unit"):
        setattr(version, key, spec[key])
    version.save()
    version.procedure.name = spec["name"]
    version.procedure.save()
    return version


def html(response) -> str:
    return response.content.decode()


def start_draft(client, desk) -> Draft:
    response = client.post("/dich-vu-cong/thu-tuc/1.001193/nop-truc-tuyen/")
    assert response.status_code == 302
    draft = Draft.objects.get(owner=desk.citizen, dossier__isnull=True)
    assert response.url == f"/dich-vu-cong/ho-so-nhap/{draft.public_id}/"
    return draft


def url(draft: Draft, tail: str = "") -> str:
    return f"/dich-vu-cong/ho-so-nhap/{draft.public_id}/{tail}"


CHILD = {"ho_ten_tre": "NGUYỄN VĂN BÌNH", "ngay_sinh": "2026-02-01", "gioi_tinh": "Nam",
         "noi_sinh": "Bệnh viện Đa khoa tỉnh Vĩnh Long", "que_quan": "", "dan_toc": "Kinh", "quoc_tich": "Việt Nam"}
MOTHER = {"ho_ten_me": "TRẦN THỊ HỒNG ĐÀO", "ngay_sinh_me": "1995-03-04", "so_dinh_danh_me": "086195000456"}


def fill_answers(client, draft, desk, *, unit: str | None = None):
    """Applicant, agency and every page of the birth form, answered correctly."""
    assert client.post(url(draft, "nguoi-nop/"), {"phone": "0912 345 678", "email": "",
                                                   "address": "Ấp Phú Hòa, xã Phú Túc"}).status_code == 302
    assert client.post(url(draft, "noi-giai-quyet/"), {"agency": desk.commune.code}).status_code == 302
    assert client.post(url(draft, "to-khai/0/"), CHILD).status_code == 302
    assert client.post(url(draft, "to-khai/1/"), MOTHER).status_code == 302
    assert client.post(url(draft, "to-khai/2/"), {}).status_code == 302
    unit = unit or first_commune_code(client, draft)
    assert client.post(url(draft, "to-khai/3/"), {"noi_cu_tru": unit}).status_code == 302
    assert client.post(url(draft, "to-khai/4/"), {"quan_he_nguoi_yeu_cau": "Mẹ"}).status_code == 302


def first_commune_code(client, draft) -> str:
    page = html(client.get(url(draft, "to-khai/3/")))
    return re.search(r'<option value="(\d{5})"', page).group(1)


def upload(client, draft, component: str, name: str, data: bytes, **extra):
    return client.post(url(draft, "giay-to/"), {"thao_tac": f"tai-len:{component}",
                                                f"tp-{component}-file": SimpleUploadedFile(name, data), **extra})


def attach_required(client, draft):
    assert upload(client, draft, "TK", "to-khai.pdf", pdf_bytes("to khai")).status_code == 302
    assert upload(client, draft, "GCS", "giay-chung-sinh.pdf", pdf_bytes("giay chung sinh")).status_code == 302
    assert client.post(url(draft, "giay-to/"), {"thao_tac": "tiep-tuc"}).status_code == 302


def married_with_e_result(desk) -> Attachment:
    """An earlier marriage registration of the citizen whose signed result (the marriage
    certificate) is an e-result in their store."""
    marriage = procedure_published(
        code="1.000894", name="Đăng ký kết hôn", workflow=workflow_published("mot-cua-chuan"),
        agencies=[desk.commune], form={"type": "object", "properties": {
            "ho_ten_vo": {"type": "string", "title": "Họ, chữ đệm và tên bên nữ"}}},
        components=[{"code": "TK", "name": "Tờ khai đăng ký kết hôn", "originals": 1, "copies": 0,
                     "required": False, "reusable_result": False, "note": ""}])
    dossier, _ = services.dossier_intake(
        actor=desk.receiver, procedure_code=marriage.procedure.code, receiving_agency=desk.commune, source="counter",
        applicant=services.Applicant(name="Nguyễn Văn An", id_number="086085000123"),
        form_data={"ho_ten_vo": "Trần Thị Hồng Đào"}, accept=True, applicant_user=desk.citizen)
    services.dossier_act(actor=desk.specialist, dossier_id=dossier.pk, action="trinh_phe_duyet")
    services.dossier_act(actor=desk.leader, dossier_id=dossier.pk, action="phe_duyet", files=[
        services.IncomingFile(name="Giay chung nhan ket hon.pdf", data=pdf_bytes("GCNKH"), component_code="GCNKH",
                              is_result=True)])
    return Attachment.objects.get(dossier=dossier, is_result=True)


# --- Finding a procedure --------------------------------------------------------------------------

def test_search_without_accents_finds_birth_registration(client, desk):
    real_birth(desk)
    page = html(client.get("/dich-vu-cong/", {"q": "dang ky khai sinh"}))
    assert "Thủ tục đăng ký khai sinh" in page
    assert 'href="/dich-vu-cong/thu-tuc/1.001193/"' in page
    assert "Tìm thấy 1 thủ tục." in page
    assert "Tìm thấy 0 thủ tục." in html(client.get("/dich-vu-cong/", {"q": "ket hon"}))


def test_browse_by_field_and_by_life_event(client, desk):
    real_birth(desk)
    by_field = html(client.get("/dich-vu-cong/", {"linh-vuc": "HT"}))
    assert "Lĩnh vực: Hộ tịch" in by_field and "Thủ tục đăng ký khai sinh" in by_field
    by_event = html(client.get("/dich-vu-cong/", {"su-kien": "khai-sinh"}))
    assert "Sự kiện: Khai sinh" in by_event and "Thủ tục đăng ký khai sinh" in by_event
    assert "Thủ tục đăng ký khai sinh" not in html(client.get("/dich-vu-cong/", {"su-kien": "dat-dai"}))
    home = html(client.get("/dich-vu-cong/"))
    for event in ("Khai sinh", "Kết hôn", "Khai tử", "Kinh doanh", "Xây nhà", "Đất đai", "Trợ giúp xã hội"):
        assert f">{event}</a>" in home


def test_procedure_page_says_what_it_needs_and_offers_online_filing(client, desk):
    real_birth(desk)
    page = html(client.get("/dich-vu-cong/thu-tuc/1.001193/"))
    assert "<h1 class=\"govuk-heading-l\">Thủ tục đăng ký khai sinh</h1>" in page
    assert "Giấy chứng sinh hoặc giấy tờ thay thế Giấy chứng sinh" in page
    assert "Có thể dùng kết quả điện tử đã có trong kho dữ liệu thay cho bản sao." in page  # GCNKH
    assert "1 ngày làm việc" in page
    assert "Lệ phí đăng ký khai sinh: 0 đồng" in page
    assert desk.commune.name in page
    assert "Luật Hộ tịch số 60/2014/QH13" in page
    assert "Dịch vụ công trực tuyến toàn trình" in page
    assert 'href="/dich-vu-cong/thu-tuc/1.001193/nop-truc-tuyen/"' in page and "Nộp trực tuyến" in page


def test_no_online_button_when_the_version_has_no_online_channel(client, desk):
    procedure_published(code="2.000815", name="Chứng thực bản sao từ bản chính", workflow=desk.birth.workflow,
                        agencies=[desk.commune], channels=(1,))
    page = html(client.get("/dich-vu-cong/thu-tuc/2.000815/"))
    assert "nop-truc-tuyen" not in page
    assert "Thủ tục này chưa nộp trực tuyến được." in page
    client.force_login(desk.citizen)
    assert client.get("/dich-vu-cong/thu-tuc/2.000815/nop-truc-tuyen/").status_code == 404


def test_filing_needs_a_signed_in_citizen(client, desk):
    response = client.get("/dich-vu-cong/thu-tuc/1.001193/nop-truc-tuyen/")
    assert response.status_code == 302 and response.url.startswith("/tai-khoan/")
    assert "next=/dich-vu-cong/thu-tuc/1.001193/nop-truc-tuyen/" in response.url
    activate_totp(desk.receiver)
    client.force_login(desk.receiver)
    response = client.get("/dich-vu-cong/thu-tuc/1.001193/nop-truc-tuyen/")
    assert response.status_code == 403 and "tài khoản cán bộ" in html(response)
    assert not Draft.objects.exists()


# --- Filing through a draft -------------------------------------------------------------------------

def test_a_birth_registration_filed_online_from_draft_to_receipt(client, desk, settings):
    real_birth(desk)
    CitizenFact.objects.create(owner=desk.citizen, key="phone", value="0912345678", source=FactSource.TYPED,
                               updated_at=desk.birth.created_at)
    client.force_login(desk.citizen)
    assert "Bắt đầu" in html(client.get("/dich-vu-cong/thu-tuc/1.001193/nop-truc-tuyen/"))
    draft = start_draft(client, desk)
    tasks = html(client.get(url(draft)))
    for title in ("Thông tin người nộp hồ sơ", "Nơi giải quyết hồ sơ", "Thông tin của trẻ", "Thông tin của mẹ",
                  "Thông tin của cha", "Nơi cư trú và người đi đăng ký", "Giấy tờ kèm theo"):
        assert title in tasks
    assert "Đã xong 0 trên 7 phần." in tasks and "Chưa thể bắt đầu" in tasks

    # The applicant: name and personal id from the account, the phone from the data store.
    page = html(client.get(url(draft, "nguoi-nop/")))
    assert "Nguyễn Văn An" in page and "086085000123" in page
    assert 'value="0912345678"' in page and 'autocomplete="tel"' in page
    response = client.post(url(draft, "nguoi-nop/"), {"phone": "09123", "address": "Ấp Phú Hòa"})
    assert response.status_code == 422
    assert "Số điện thoại chỉ gồm chữ số, ví dụ 0912345678." in html(response)
    assert 'value="Ấp Phú Hòa"' in html(response)  # what was typed stays
    assert client.post(url(draft, "nguoi-nop/"), {"phone": "0912 345 678", "address": "Ấp Phú Hòa"}).url \
        == url(draft, "noi-giai-quyet/")
    assert client.post(url(draft, "noi-giai-quyet/"), {"agency": desk.commune.code}).url == url(draft)

    # A page of the form with wrong answers: Vietnamese messages in the summary and on the fields,
    # what was typed kept, nothing saved.
    wrong = {**CHILD, "ho_ten_tre": "", "ngay_sinh": "31/02/2026"}
    response = client.post(url(draft, "to-khai/0/"), wrong)
    assert response.status_code == 422
    page = html(response)
    assert 'class="govuk-error-summary"' in page
    assert '<a href="#id_ho_ten_tre">Nhập “Họ, chữ đệm và tên của trẻ”.</a>' in page
    assert "“Ngày, tháng, năm sinh” phải là ngày hợp lệ, ví dụ 01/07/2025." in page
    assert 'value="Bệnh viện Đa khoa tỉnh Vĩnh Long"' in page or "Bệnh viện Đa khoa tỉnh Vĩnh Long</textarea>" in page
    assert 'value="31/02/2026"' in page
    draft.refresh_from_db()
    assert "ho_ten_tre" not in draft.answers
    assert client.post(url(draft, "to-khai/0/"), CHILD).url == url(draft)
    # The schema's own rule (pattern, with its description as the message) on the page it belongs to.
    response = client.post(url(draft, "to-khai/1/"), {**MOTHER, "so_dinh_danh_me": "0861950004"})
    assert response.status_code == 422
    assert "“Số định danh cá nhân của người mẹ” không đúng định dạng: gồm đúng 12 chữ số." in html(response)
    assert client.post(url(draft, "to-khai/1/"), MOTHER).status_code == 302
    assert client.post(url(draft, "to-khai/2/"), {}).status_code == 302
    # One question per page: the residence is the page heading, a choice of communes.
    page = html(client.get(url(draft, "to-khai/3/")))
    assert '<h1 class="govuk-label-wrapper"><label class="govuk-label govuk-label--l" for="id_noi_cu_tru">' in page
    unit = first_commune_code(client, draft)
    assert client.post(url(draft, "to-khai/3/"), {"noi_cu_tru": unit}).url == url(draft, "to-khai/4/")
    assert client.post(url(draft, "to-khai/4/"), {"quan_he_nguoi_yeu_cau": "Mẹ"}).url == url(draft)

    # Files: a refused upload says why, and nothing typed or attached before is lost.
    assert upload(client, draft, "TK", "to-khai.pdf", pdf_bytes("to khai")).status_code == 302
    settings.TINHSO_ATTACHMENT_MAX_BYTES = 2000
    response = upload(client, draft, "GCS", "giay-chung-sinh.pdf", pdf_bytes("x" * 3000))
    assert response.status_code == 422
    assert "vượt quá dung lượng tối đa 2 KB cho mỗi tệp" in html(response)
    response = upload(client, draft, "GCS", "giay-chung-sinh.exe", b"MZ\x90\x00" + b"\x00" * 100)
    assert response.status_code == 422
    assert "không thuộc loại được chấp nhận. Chỉ nhận tệp PDF, JPEG, PNG." in html(response)
    draft.refresh_from_db()
    assert draft.answers["ho_ten_tre"] == "NGUYỄN VĂN BÌNH" and draft.answers["ho_ten_me"] == "TRẦN THỊ HỒNG ĐÀO"
    assert list(draft.files.values_list("component_code", flat=True)) == ["TK"]
    response = client.post(url(draft, "giay-to/"), {"thao_tac": "tiep-tuc"})
    assert response.status_code == 422
    assert "Cần đính kèm: Giấy chứng sinh hoặc giấy tờ thay thế Giấy chứng sinh." in html(response)
    assert upload(client, draft, "GCS", "giay-chung-sinh.png", PNG).status_code == 302
    assert client.post(url(draft, "giay-to/"), {"thao_tac": "tiep-tuc"}).url == url(draft)

    # Check answers: every answer with its "Thay đổi" link back to its page.
    assert "Đã xong 7 trên 7 phần." in html(client.get(url(draft)))
    page = html(client.get(url(draft, "kiem-tra/")))
    assert "NGUYỄN VĂN BÌNH" in page and "01/02/2026" in page and "TRẦN THỊ HỒNG ĐÀO" in page
    assert f'href="{url(draft, "to-khai/0/")}?ve=kiem-tra#id_ho_ten_tre"' in page
    assert 'Thay đổi<span class="govuk-visually-hidden"> họ, chữ đệm và tên của trẻ</span>' in page
    assert "to-khai.pdf" in page and "giay-chung-sinh.png" in page
    # "Thay đổi" comes back to the check page.
    response = client.post(url(draft, "to-khai/0/") + "?ve=kiem-tra", {**CHILD, "noi_sinh": "Trạm y tế xã"})
    assert response.url == url(draft, "kiem-tra/")

    response = client.post(url(draft, "kiem-tra/"), {"save_facts": "on"})
    dossier = Dossier.objects.get()
    assert response.status_code == 302 and response.url == f"/dich-vu-cong/ho-so/{dossier.code}/da-nop/"
    assert (dossier.source, dossier.channel, dossier.status) == ("online", 2, Status.SUBMITTED)
    assert dossier.applicant == desk.citizen and dossier.applicant_id_number == "086085000123"
    assert dossier.applicant_phone == "0912345678"
    assert (dossier.receiving_agency, dossier.competent_agency) == (desk.commune, desk.commune)
    assert dossier.form_data == {**{k: v for k, v in CHILD.items() if v}, "noi_sinh": "Trạm y tế xã", **MOTHER,
                                 "noi_cu_tru": unit, "quan_he_nguoi_yeu_cau": "Mẹ"}
    assert sorted(dossier.attachments.values_list("component_code", "content_type")) == [
        ("GCS", "image/png"), ("TK", "application/pdf")]
    assert not dossier.attachments.filter(reused=True).exists()
    receipt = html(client.get(response.url))
    assert dossier.code in receipt and "Đã gửi hồ sơ" in receipt
    assert f'href="/ho-so/{dossier.code}/bieu-mau/tiep-nhan.pdf"' in receipt
    assert "Việc gì xảy ra tiếp theo" in receipt
    # The draft is done: its pages now lead to the receipt.
    assert client.get(url(draft, "to-khai/0/")).url == response.url


def test_a_double_submit_makes_one_dossier(client, desk):
    real_birth(desk)
    client.force_login(desk.citizen)
    draft = start_draft(client, desk)
    fill_answers(client, draft, desk)
    attach_required(client, draft)
    first = client.post(url(draft, "kiem-tra/"), {"save_facts": "on"})
    second = client.post(url(draft, "kiem-tra/"), {"save_facts": "on"})
    assert first.url == second.url
    assert Dossier.objects.count() == 1
    assert OutboxMessage.objects.filter(dossier__isnull=False).count() == 1
    # The service itself, called again for the same draft, gives back the same dossier.
    again, created = citizen_store.draft_submit(draft=Draft.objects.get(pk=draft.pk), actor=desk.citizen)
    assert (again, created) == (Dossier.objects.get(), False)


def test_a_submission_refused_by_the_service_comes_back_to_the_right_page(client, desk):
    real_birth(desk)
    client.force_login(desk.citizen)
    draft = start_draft(client, desk)
    fill_answers(client, draft, desk)
    attach_required(client, draft)
    # The answers changed behind the page's back (an older draft): the service's check still holds.
    Draft.objects.filter(pk=draft.pk).update(answers={**Draft.objects.get(pk=draft.pk).answers, "ho_ten_tre": "x" * 101})
    response = client.post(url(draft, "kiem-tra/"), {"save_facts": "on"})
    assert response.status_code == 422
    assert "“Họ, chữ đệm và tên của trẻ” không được dài quá 100 ký tự." in html(response)
    assert f'href="{url(draft, "to-khai/0/")}?ve=kiem-tra#id_ho_ten_tre"' in html(response)
    assert not Dossier.objects.exists()


# --- The citizen data store -----------------------------------------------------------------------

def test_facts_pre_fill_the_form_and_are_saved_back_after_submission(client, desk):
    real_birth(desk)
    client.force_login(desk.citizen)
    draft = start_draft(client, desk)
    fill_answers(client, draft, desk)
    unit = Draft.objects.get(pk=draft.pk).answers["noi_cu_tru"]
    attach_required(client, draft)
    client.post(url(draft, "kiem-tra/"), {"save_facts": "on"})
    dossier = Dossier.objects.get()
    facts = {f.key: f for f in CitizenFact.objects.filter(owner=desk.citizen)}
    assert facts["phone"].value == "0912345678" and facts["address"].value == "Ấp Phú Hòa, xã Phú Túc"
    assert facts["residence_unit"].value == unit  # the form's `x-fact` answer
    assert facts["phone"].source == FactSource.DOSSIER and facts["phone"].source_dossier == dossier
    assert "ho_ten_tre" not in {f.key for f in facts.values()}  # the child's name is not the citizen's

    # The next dossier: typed once, pre-filled everywhere.
    draft = start_draft(client, desk)
    assert Draft.objects.get(pk=draft.pk).applicant["phone"] == "0912345678"
    page = html(client.get(url(draft, "to-khai/3/")))
    assert f'<option value="{unit}" selected>' in page
    assert "đã được điền sẵn từ kho dữ liệu của bạn" in page
    store = html(client.get("/dich-vu-cong/kho-du-lieu/"))
    assert "0912345678" in store and f"Từ hồ sơ đã nộp {dossier.code}" in store


def test_facts_are_not_saved_when_the_citizen_says_no(client, desk):
    real_birth(desk)
    client.force_login(desk.citizen)
    draft = start_draft(client, desk)
    fill_answers(client, draft, desk)
    attach_required(client, draft)
    assert 'name="save_facts" type="checkbox" value="on" checked' in html(client.get(url(draft, "kiem-tra/")))
    client.post(url(draft, "kiem-tra/"), {})
    assert Dossier.objects.count() == 1
    assert not CitizenFact.objects.filter(owner=desk.citizen).exists()


def test_an_earlier_e_result_replaces_a_copy_flagged_reused_with_its_code(client, desk):
    real_birth(desk)
    certificate = married_with_e_result(desk)
    client.force_login(desk.citizen)
    draft = start_draft(client, desk)
    fill_answers(client, draft, desk)
    page = html(client.get(url(draft, "giay-to/")))
    assert "Dùng kết quả điện tử đã có" in page and "Giay chung nhan ket hon.pdf" in page
    # Only a component whose `reusable_result` allows it takes an e-result.
    response = client.post(url(draft, "giay-to/"), {"thao_tac": "dung-ket-qua:TK", "ket_qua": certificate.pk})
    assert response.status_code == 422 and "phải nộp tệp giấy tờ" in html(response)
    response = client.post(url(draft, "giay-to/"), {"thao_tac": "dung-ket-qua:GCNKH", "ket_qua": certificate.pk})
    assert response.status_code == 302
    attach_required(client, draft)
    client.post(url(draft, "kiem-tra/"), {"save_facts": "on"})
    dossier = Dossier.objects.get(source="online")
    reused = dossier.attachments.get(component_code="GCNKH")
    assert (reused.reused, reused.from_citizen_store, reused.replaced_result_code) == (
        True, True, certificate.dossier.code)
    assert reused.sha256 == certificate.sha256 and reused.storage_path == certificate.storage_path
    assert dossier.has_digitised_components
    uploaded = dossier.attachments.get(component_code="TK")
    assert (uploaded.reused, uploaded.from_citizen_store, uploaded.replaced_result_code) == (False, False, "")
    # What the national sync reads (766 formula doc §4): DuocTaiSuDung 2 with MaKetQuaThayThe.
    files = OutboxMessage.objects.get(dossier=dossier).payload["hoSo"]["TaiLieuNop"]
    sent = next(f for f in files if f["MaThanhPhanHoSo"] == "GCNKH")
    assert (sent["DuocTaiSuDung"], sent["DuocLayTuKhoDMQG"], sent["MaKetQuaThayThe"]) == (
        "2", "1", certificate.dossier.code)


def test_another_citizens_e_result_cannot_be_reused(client, desk):
    real_birth(desk)
    certificate = married_with_e_result(desk)
    neighbour = citizen("086090000777")
    client.force_login(neighbour)
    response = client.post("/dich-vu-cong/thu-tuc/1.001193/nop-truc-tuyen/")
    draft = Draft.objects.get(owner=neighbour)
    assert "Giay chung nhan ket hon.pdf" not in html(client.get(url(draft, "giay-to/")))
    response = client.post(url(draft, "giay-to/"), {"thao_tac": "dung-ket-qua:GCNKH", "ket_qua": certificate.pk})
    assert response.status_code == 422 and "Không tìm thấy kết quả điện tử." in html(response)
    assert not draft.files.exists()


def test_a_document_kept_in_the_store_is_attached_from_the_store(client, desk):
    real_birth(desk)
    client.force_login(desk.citizen)
    response = client.post("/dich-vu-cong/kho-du-lieu/giay-to/", {
        "title": "Giấy chứng sinh của bé Bình", "file": SimpleUploadedFile("gcs.pdf", pdf_bytes("gcs"))})
    assert response.status_code == 302
    document = CitizenDocument.objects.get(owner=desk.citizen)
    refused = client.post("/dich-vu-cong/kho-du-lieu/giay-to/", {
        "title": "Tệp lạ", "file": SimpleUploadedFile("virus.pdf", b"MZ" + b"\x00" * 50)})
    assert refused.status_code == 422 and "không thuộc loại được chấp nhận" in html(refused)
    assert 'value="Tệp lạ"' in html(refused)
    draft = start_draft(client, desk)
    fill_answers(client, draft, desk)
    assert upload(client, draft, "TK", "to-khai.pdf", pdf_bytes("tk")).status_code == 302
    assert client.post(url(draft, "giay-to/"), {"thao_tac": "dung-giay-to:GCS", "giay_to": document.pk}).status_code == 302
    client.post(url(draft, "giay-to/"), {"thao_tac": "tiep-tuc"})
    client.post(url(draft, "kiem-tra/"), {"save_facts": "on"})
    attachment = Dossier.objects.get().attachments.get(component_code="GCS")
    assert (attachment.reused, attachment.from_citizen_store, attachment.replaced_result_code) == (True, True, "")
    assert attachment.sha256 == document.sha256
    # Removing it from the store leaves the dossier's copy.
    assert client.post(f"/dich-vu-cong/kho-du-lieu/giay-to/{document.pk}/xoa/").status_code == 302
    assert not CitizenDocument.objects.exists()
    assert client.get(f"/dich-vu-cong/ho-so/{attachment.dossier.code}/tep/{attachment.pk}/").status_code == 200


def test_the_citizen_edits_their_facts(client, desk):
    client.force_login(desk.citizen)
    response = client.post("/dich-vu-cong/kho-du-lieu/thong-tin/", {"full_name": "Nguyễn Văn An", "phone": "abc",
                                                                   "birth_date": "1985-05-06"})
    assert response.status_code == 422 and "Số điện thoại chỉ gồm chữ số" in html(response)
    assert 'value="1985-05-06"' in html(response)
    response = client.post("/dich-vu-cong/kho-du-lieu/thong-tin/", {"full_name": "Nguyễn Văn An", "phone": "0987654321",
                                                                   "birth_date": "1985-05-06", "sex": "Nam"})
    assert response.status_code == 302
    facts = {f.key: (f.value, f.source) for f in CitizenFact.objects.filter(owner=desk.citizen)}
    assert facts["phone"] == ("0987654321", FactSource.TYPED) and facts["birth_date"] == ("1985-05-06", "typed")
    # The account's name, unchanged, is not copied as a typed fact.
    assert "full_name" not in facts


# --- Hồ sơ của tôi, supplement, withdrawal --------------------------------------------------------

def birth_answers(desk) -> dict:
    desk.birth.refresh_from_db()
    if "quan_he_nguoi_yeu_cau" in desk.birth.form_schema["properties"]:  # the demo catalogue's form
        return {**{k: v for k, v in CHILD.items() if v}, **MOTHER, "quan_he_nguoi_yeu_cau": "Mẹ"}
    return {"ho_ten_tre": "Nguyễn Văn Bình", "ngay_sinh": "2026-02-01", "gioi_tinh": "Nam"}


def filed_online(desk, *, files=True) -> Dossier:
    dossier, _ = services.dossier_intake(
        actor=desk.citizen, procedure_code="1.001193", receiving_agency=desk.commune, source="online",
        applicant=services.Applicant(name="Nguyễn Văn An", id_number="086085000123"),
        form_data=birth_answers(desk),
        files=[services.IncomingFile(name="to-khai.pdf", data=pdf_bytes("tk"), component_code="TK"),
               services.IncomingFile(name="gcs.pdf", data=pdf_bytes("gcs"), component_code="GCS")] if files else ())
    return dossier


def test_my_dossiers_lists_status_and_appointment_and_filters(client, desk):
    waiting = filed_online(desk)
    accepted = filed_online(desk)
    services.dossier_act(actor=desk.receiver, dossier_id=accepted.pk, action="tiep_nhan")
    accepted.refresh_from_db()
    supplement = filed_online(desk)
    services.dossier_act(actor=desk.receiver, dossier_id=supplement.pk, action="tiep_nhan")
    services.dossier_act(actor=desk.specialist, dossier_id=supplement.pk, action="yeu_cau_bo_sung",
                         note="Bổ sung bản chính Giấy chứng sinh.")
    client.force_login(desk.citizen)
    page = html(client.get("/dich-vu-cong/ho-so/"))
    for dossier in (waiting, accepted, supplement):
        assert f'href="/dich-vu-cong/ho-so/{dossier.code}/"' in page
    assert "Mới đăng ký" in page and "Đang xử lý" in page and "Yêu cầu bổ sung giấy tờ" in page
    assert accepted.due_at.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Ho_Chi_Minh")).strftime("%d/%m/%Y") \
        in page
    only = html(client.get("/dich-vu-cong/ho-so/", {"trang-thai": "can-bo-sung"}))
    assert supplement.code in only and waiting.code not in only and accepted.code not in only


def test_the_citizen_answers_a_supplement_request(client, desk):
    dossier = filed_online(desk)
    services.dossier_act(actor=desk.receiver, dossier_id=dossier.pk, action="tiep_nhan")
    services.dossier_act(actor=desk.specialist, dossier_id=dossier.pk, action="yeu_cau_bo_sung",
                         note="Bổ sung bản chính Giấy chứng sinh do bệnh viện cấp.")
    client.force_login(desk.citizen)
    page = html(client.get(f"/dich-vu-cong/ho-so/{dossier.code}/"))
    assert "Cần bổ sung hồ sơ" in page and "Bổ sung bản chính Giấy chứng sinh do bệnh viện cấp." in page
    form = html(client.get(f"/dich-vu-cong/ho-so/{dossier.code}/bo-sung/"))
    key = re.search(r'name="key" value="([^"]+)"', form).group(1)
    empty = client.post(f"/dich-vu-cong/ho-so/{dossier.code}/bo-sung/", {"key": key, "note": ""})
    assert empty.status_code == 422 and "Nhập nội dung bổ sung hoặc chọn tệp giấy tờ bổ sung." in html(empty)
    wrong = client.post(f"/dich-vu-cong/ho-so/{dossier.code}/bo-sung/", {
        "key": key, "note": "Gửi bản chính.", "component": "GCS",
        "files": [SimpleUploadedFile("gcs.docx", pdf_bytes("gcs"))]})
    assert wrong.status_code == 422 and "không khớp với nội dung tệp" in html(wrong)
    assert "Gửi bản chính.</textarea>" in html(wrong)
    response = client.post(f"/dich-vu-cong/ho-so/{dossier.code}/bo-sung/", {
        "key": key, "note": "Gửi bản chính.", "component": "GCS",
        "files": [SimpleUploadedFile("giay-chung-sinh-ban-chinh.pdf", pdf_bytes("ban chinh"))]})
    assert response.status_code == 302 and response.url == f"/dich-vu-cong/ho-so/{dossier.code}/"
    dossier.refresh_from_db()
    assert dossier.state == "dang_xu_ly" and dossier.supplement_requested_at is None
    answer = Supplement.objects.get(dossier=dossier)
    assert answer.received_by == desk.citizen and answer.answer == "Gửi bản chính."
    assert answer.attachments.get().component_code == "GCS"
    # The same form sent again (a double click) acts once.
    client.post(f"/dich-vu-cong/ho-so/{dossier.code}/bo-sung/", {
        "key": key, "note": "Gửi bản chính.", "files": [SimpleUploadedFile("a.pdf", pdf_bytes("a"))]})
    assert dossier.events.filter(effect="supplement_received").count() == 1


def test_withdrawal_needs_a_reason(client, desk):
    dossier = filed_online(desk)
    client.force_login(desk.citizen)
    page = html(client.get(f"/dich-vu-cong/ho-so/{dossier.code}/"))
    assert f'href="/dich-vu-cong/ho-so/{dossier.code}/rut-ho-so/"' in page
    key = re.search(r'name="key" value="([^"]+)"', html(client.get(f"/dich-vu-cong/ho-so/{dossier.code}/rut-ho-so/"))).group(1)
    response = client.post(f"/dich-vu-cong/ho-so/{dossier.code}/rut-ho-so/", {"key": key, "note": "  "})
    assert response.status_code == 422 and "Nhập lý do rút hồ sơ." in html(response)
    response = client.post(f"/dich-vu-cong/ho-so/{dossier.code}/rut-ho-so/", {"key": key,
                                                                            "note": "Đã đăng ký ở nơi khác."})
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == Status.WITHDRAWN and dossier.finished_at is not None
    page = html(client.get(f"/dich-vu-cong/ho-so/{dossier.code}/"))
    assert "Công dân yêu cầu rút hồ sơ" in page and "Đã đăng ký ở nơi khác." in page
    assert "rut-ho-so/" not in page  # no longer possible


def test_results_download_and_the_citizen_facing_history(client, desk):
    certificate = married_with_e_result(desk)
    dossier = certificate.dossier
    client.force_login(desk.citizen)
    page = html(client.get(f"/dich-vu-cong/ho-so/{dossier.code}/"))
    assert "Kết quả giải quyết" in page and f"/tep/{certificate.pk}/" in page
    assert "Phê duyệt, ký kết quả" in page and "Tiếp nhận hồ sơ" in page
    assert "Trình lãnh đạo phê duyệt" not in page  # an internal hand-over between officials
    response = client.get(f"/dich-vu-cong/ho-so/{dossier.code}/tep/{certificate.pk}/")
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert "Giay chung nhan ket hon.pdf" in html(client.get("/dich-vu-cong/kho-du-lieu/"))


def test_another_citizens_dossier_file_result_or_draft_is_not_found(client, desk):
    real_birth(desk)
    certificate = married_with_e_result(desk)
    mine = filed_online(desk)
    attachment = mine.attachments.first()
    client.force_login(desk.citizen)
    draft = start_draft(client, desk)
    client.logout()
    client.force_login(citizen("086090000777"))
    for path in (f"/dich-vu-cong/ho-so/{mine.code}/", f"/dich-vu-cong/ho-so/{mine.code}/da-nop/",
                 f"/dich-vu-cong/ho-so/{mine.code}/tep/{attachment.pk}/",
                 f"/dich-vu-cong/ho-so/{certificate.dossier.code}/tep/{certificate.pk}/",
                 f"/dich-vu-cong/ho-so/{mine.code}/bo-sung/", f"/dich-vu-cong/ho-so/{mine.code}/rut-ho-so/",
                 url(draft), url(draft, "nguoi-nop/"), url(draft, "kiem-tra/"), url(draft, "to-khai/0/")):
        assert client.get(path).status_code == 404, path
    assert client.post(f"/dich-vu-cong/ho-so/{mine.code}/rut-ho-so/", {"note": "x", "key": "k"}).status_code == 404
    assert client.post(url(draft, "kiem-tra/"), {}).status_code == 404
    # A file of one's own dossier asked for under another dossier's code is not found either.
    client.force_login(desk.citizen)
    assert client.get(f"/dich-vu-cong/ho-so/{mine.code}/tep/{certificate.pk}/").status_code == 404
    mine.refresh_from_db()
    assert mine.status == Status.SUBMITTED and Dossier.objects.filter(source="online").count() == 1


# --- The portal switch ------------------------------------------------------------------------------

def test_filing_switched_off_points_to_the_national_portal_while_the_rest_stays(client, desk, settings):
    real_birth(desk)
    dossier = filed_online(desk)
    client.force_login(desk.citizen)
    draft = start_draft(client, desk)
    settings.TINHSO_PORTAL_FILING = False
    page = html(client.get("/dich-vu-cong/thu-tuc/1.001193/"))
    assert "nop-truc-tuyen" not in page and 'href="https://dichvucong.gov.vn"' in page
    for path in ("/dich-vu-cong/thu-tuc/1.001193/nop-truc-tuyen/", url(draft), url(draft, "kiem-tra/")):
        response = client.get(path)
        assert response.status_code == 200 and "Nộp hồ sơ trên Cổng Dịch vụ công quốc gia" in html(response), path
    client.post("/dich-vu-cong/thu-tuc/1.001193/nop-truc-tuyen/")
    assert Draft.objects.count() == 1
    assert "Thủ tục đăng ký khai sinh" in html(client.get("/dich-vu-cong/", {"q": "khai sinh"}))
    assert dossier.code in html(client.get("/dich-vu-cong/ho-so/"))
    assert client.get(f"/dich-vu-cong/ho-so/{dossier.code}/").status_code == 200
    attachment = dossier.attachments.first()
    assert client.get(f"/dich-vu-cong/ho-so/{dossier.code}/tep/{attachment.pk}/").status_code == 200


# --- Pages load nothing from another host --------------------------------------------------------

class _Resources(HTMLParser):
    """URLs a browser fetches on load: stylesheets, icons, scripts, images (not plain links)."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and attrs.get("href"):
            self.urls.append(attrs["href"])
        elif tag in ("script", "img", "iframe", "source", "video", "audio") and attrs.get("src"):
            self.urls.append(attrs["src"])


def test_citizen_pages_load_nothing_from_another_host(client, desk):
    real_birth(desk)
    dossier = filed_online(desk)
    client.force_login(desk.citizen)
    draft = start_draft(client, desk)
    fill_answers(client, draft, desk)
    for path in ("/dich-vu-cong/", "/dich-vu-cong/?q=khai+sinh", "/dich-vu-cong/thu-tuc/1.001193/", url(draft),
                 url(draft, "nguoi-nop/"), url(draft, "to-khai/0/"), url(draft, "giay-to/"), "/dich-vu-cong/ho-so/",
                 f"/dich-vu-cong/ho-so/{dossier.code}/", "/dich-vu-cong/kho-du-lieu/"):
        response = client.get(path)
        assert response.status_code == 200, path
        parser = _Resources()
        parser.feed(html(response))
        assert parser.urls, path
        for found in parser.urls:
            assert found.startswith("/") and not found.startswith("//"), (path, found)


def test_a_draft_begun_before_a_new_version_moves_to_it_keeping_the_answers(client, desk):
    from django.utils import timezone

    from tinhso.catalog.models import ProcedureVersion, VersionStatus

    real_birth(desk)
    client.force_login(desk.citizen)
    draft = start_draft(client, desk)
    fill_answers(client, draft, desk)
    attach_required(client, draft)
    old = desk.birth
    new = ProcedureVersion.objects.get(pk=old.pk)
    new.pk, new.number, new.published_at = None, 2, timezone.now()
    new.components = [c for c in old.components if c["code"] != "GCS"]  # the birth certificate is now fetched
    new.save()
    ProcedureVersion.objects.filter(pk=old.pk).update(status=VersionStatus.RETIRED)
    old.procedure.current_version = new
    old.procedure.save()
    page = html(client.get(url(draft)))
    assert "Thủ tục vừa được cập nhật theo quy định mới." in page
    draft.refresh_from_db()
    assert draft.procedure_version == new and draft.answers["ho_ten_tre"] == "NGUYỄN VĂN BÌNH"
    assert list(draft.files.values_list("component_code", flat=True)) == ["TK"]
    assert "Chưa thể bắt đầu" in page  # every section is looked at again
    for number in range(5):
        assert client.post(url(draft, f"to-khai/{number}/"), {**CHILD, **MOTHER, "noi_cu_tru": draft.answers["noi_cu_tru"],
                                                             "quan_he_nguoi_yeu_cau": "Mẹ"}).status_code == 302
    client.post(url(draft, "giay-to/"), {"thao_tac": "tiep-tuc"})
    client.post(url(draft, "kiem-tra/"), {"save_facts": "on"})
    assert Dossier.objects.get().procedure_version == new


@pytest.mark.django_db(transaction=True)
def test_two_submits_of_one_draft_at_the_same_moment_make_one_dossier(desk):
    """Two requests for the same draft racing (two tabs, a double tap on a slow phone): the draft's
    row lock and the intake's idempotency key leave one dossier."""
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises every writer (BEGIN IMMEDIATE): no race to observe")
    real_birth(desk)
    draft = citizen_store.draft_create(owner=desk.citizen, version=desk.birth, agency=desk.commune)
    citizen_store.draft_update(draft=draft, applicant={"name": "Nguyễn Văn An", "id_number": "086085000123",
                                                       "phone": "0912345678", "address": "Ấp Phú Hòa"},
                               answers=birth_answers(desk))
    citizen_store.draft_file_upload(draft=draft, component_code="TK", name="tk.pdf", data=pdf_bytes("tk"))
    citizen_store.draft_file_upload(draft=draft, component_code="GCS", name="gcs.pdf", data=pdf_bytes("gcs"))
    start, results, errors = threading.Barrier(2), [], []

    def submit():
        try:
            start.wait(timeout=10)
            results.append(citizen_store.draft_submit(draft=Draft.objects.get(pk=draft.pk), actor=desk.citizen))
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert Dossier.objects.count() == 1
    assert sorted(created for _dossier, created in results) == [False, True]
    assert {dossier.pk for dossier, _created in results} == {Dossier.objects.get().pk}
