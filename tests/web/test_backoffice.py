"""The officer back office (/mot-cua/): inbox, dossier page and its actions, counter intake, bulk
acceptance, the register — through the Django test client, on the commune desk of the dossier tests."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook

from accounts.factories import UserFactory, citizen
from accounts.totp import activate_totp
from dossiers import conftest as dossier_fixtures
from dossiers.conftest import pdf_bytes
from tinhso.accounts.models import AgencyRole, Role
from tinhso.dossiers import services
from tinhso.dossiers.models import Dossier, DossierEvent

# The commune desk of the dossier tests, and its temporary file storage (autouse).
desk = dossier_fixtures.desk
_files_in_tmp = dossier_fixtures._files_in_tmp

pytestmark = pytest.mark.django_db

BIRTH = {"ho_ten_tre": "Nguyễn Văn Bình", "ngay_sinh": "2026-02-01", "gioi_tinh": "Nam"}
PARENT = services.Applicant(name="Trần Thị Hồng Đào", id_number="086085000123", phone="0912345678",
                            address="Ấp Phú Hòa, xã Phú Túc")


def login(client, user):
    """Officials must have a second factor (OfficialMfaRequiredMiddleware)."""
    if user.is_official:
        activate_totp(user)
    client.force_login(user)
    return client


def at_counter(desk, *, applicant=PARENT, assignee=None, files=None) -> Dossier:
    if files is None:
        files = [services.IncomingFile(name="to-khai.pdf", data=pdf_bytes("tk"), component_code="TK", digitised=True),
                 services.IncomingFile(name="gcs.pdf", data=pdf_bytes("gcs"), component_code="GCS", digitised=True)]
    dossier, _created = services.dossier_intake(
        actor=desk.receiver, procedure_code="1.001193", receiving_agency=desk.commune, applicant=applicant,
        source="counter", form_data=BIRTH, files=files, accept=True, assignee=assignee)
    return dossier


def online(desk) -> Dossier:
    dossier, _created = services.dossier_intake(
        actor=desk.citizen, procedure_code="1.001193", receiving_agency=desk.commune, source="online",
        applicant=services.Applicant(name="Nguyễn Văn An", id_number="086085000123"), form_data=BIRTH)
    return dossier


def page(response) -> str:
    return response.content.decode()


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', html) or \
        re.search(rf'value="([^"]*)" name="{re.escape(name)}"', html)
    assert match, name
    return match.group(1)


def action_post(html: str, action: str, **fields) -> dict:
    """The POST of one action form as drawn on the page (its hidden fields), plus `fields`."""
    data = {"thao_tac": action, f"{action}-expected_seq": hidden(html, f"{action}-expected_seq"),
            f"{action}-key": hidden(html, f"{action}-key"), f"{action}-note": ""}
    data.update({f"{action}-{k}": v for k, v in fields.items()})
    return data


# --- Who gets in --------------------------------------------------------------------------------

def test_a_citizen_gets_a_polite_403_and_no_menu_link(client, desk):
    login(client, desk.citizen)
    response = client.get("/mot-cua/")
    assert response.status_code == 403
    assert "Trang dành cho cán bộ một cửa" in page(response)
    assert 'href="/mot-cua/"' not in page(client.get("/"))


def test_anonymous_visitors_are_sent_to_sign_in(client, desk):
    response = client.get("/mot-cua/")
    assert response.status_code == 302 and response.url.startswith("/tai-khoan/")


def test_an_official_without_a_second_factor_must_set_one_up(client, desk):
    client.force_login(desk.specialist)
    response = client.get("/mot-cua/")
    assert response.status_code == 302 and "totp" in response.url


def test_officials_get_the_menu_link(client, desk):
    login(client, desk.specialist)
    assert 'href="/mot-cua/"' in page(client.get("/"))
    assert 'aria-current="page">Một cửa<' in page(client.get("/mot-cua/"))


# --- Inbox --------------------------------------------------------------------------------------

def test_inbox_by_role_hides_a_dossier_assigned_to_someone_else(client, desk):
    colleague = UserFactory(full_name="Đỗ Thị Đồng Nghiệp")
    AgencyRole.objects.create(user=colleague, agency=desk.commune, role=Role.SPECIALIST)
    shared = at_counter(desk)
    theirs = at_counter(desk, assignee=colleague)
    mine = at_counter(desk, assignee=desk.specialist)
    login(client, desk.specialist)
    html = page(client.get("/mot-cua/"))
    assert shared.code in html and mine.code in html
    assert theirs.code not in html
    assert "Chuyên viên thẩm định" in html  # the step's name
    assert "<caption" in html and "Tất cả (2)" in html
    assigned = page(client.get("/mot-cua/", {"hop_thu": "duoc-giao"}))
    assert mine.code in assigned and shared.code not in assigned


def test_inbox_filters_late_and_waiting_for_a_supplement(client, desk):
    late = at_counter(desk)
    Dossier.objects.filter(pk=late.pk).update(state_due_at=timezone.now() - dt.timedelta(hours=2))
    waiting = at_counter(desk)
    services.dossier_act(actor=desk.specialist, dossier_id=waiting.pk, action="yeu_cau_bo_sung",
                         note="Bổ sung Giấy chứng sinh bản chính.")
    login(client, desk.specialist)
    html = page(client.get("/mot-cua/", {"loc": "qua-han"}))
    assert late.code in html and waiting.code not in html
    assert "Quá hạn (1)" in html and 'govuk-tag--red">Quá hạn<' in html
    # The supplement request hands the dossier back to the one-stop desk: the receiver's inbox.
    client.logout()
    login(client, desk.receiver)
    html = page(client.get("/mot-cua/", {"loc": "cho-bo-sung"}))
    assert waiting.code in html and late.code not in html
    assert "Chờ bổ sung (1)" in html


def test_inbox_marks_a_step_due_soon(client, desk):
    soon = at_counter(desk)
    Dossier.objects.filter(pk=soon.pk).update(state_due_at=timezone.now() + dt.timedelta(minutes=30))
    login(client, desk.specialist)
    html = page(client.get("/mot-cua/", {"loc": "sap-den-han"}))
    assert soon.code in html and "Sắp đến hạn</strong>" in html


def test_inbox_pages_and_its_queries_do_not_grow_with_the_rows(client, desk, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tinhso.web.backoffice import views

    monkeypatch.setattr(views, "PER_PAGE", 2)
    codes = [at_counter(desk).code for _ in range(3)]
    login(client, desk.specialist)
    with CaptureQueriesContext(connection) as few:
        first = page(client.get("/mot-cua/"))
    assert "Trang 1 trên 2" in first and "Trang sau" in first and "trang=2" in first
    assert sum(code in first for code in codes) == 2
    second = page(client.get("/mot-cua/", {"trang": "2"}))
    assert sum(code in second for code in codes) == 1 and "Trang trước" in second
    monkeypatch.setattr(views, "PER_PAGE", 50)
    for _ in range(4):
        at_counter(desk)
    with CaptureQueriesContext(connection) as many:
        client.get("/mot-cua/")
    assert len(many) == len(few)


def test_inbox_search_by_code_name_without_accents_and_id_number(client, desk):
    dao = at_counter(desk)
    other = at_counter(desk, applicant=services.Applicant(name="Lê Văn Tâm", id_number="086085000777"))
    login(client, desk.specialist)
    for q in (dao.code, "tran thi hong dao", "TRẦN ĐÀO", "086085000123"):
        html = page(client.get("/mot-cua/", {"q": q}))
        assert dao.code in html and other.code not in html, q
    assert "Không tìm thấy hồ sơ nào" in page(client.get("/mot-cua/", {"q": "khong co ai"}))


def test_inbox_agency_picker_for_an_official_of_two_agencies(client, desk):
    AgencyRole.objects.create(user=desk.specialist, agency=desk.department, role=Role.SPECIALIST)
    dossier = at_counter(desk)
    login(client, desk.specialist)
    html = page(client.get("/mot-cua/"))
    assert '<select class="govuk-select" id="co_quan" name="co_quan">' in html
    # The first agency (by code) is the department: nothing there yet.
    assert dossier.code not in html and "Không có hồ sơ nào ở đây." in html
    assert dossier.code in page(client.get("/mot-cua/", {"co_quan": desk.commune.code}))


# --- The dossier page and its actions -----------------------------------------------------------

def test_dossier_page_shows_the_dossier_and_only_the_actions_allowed_now(client, desk):
    dossier = at_counter(desk)
    login(client, desk.specialist)
    response = client.get(f"/mot-cua/ho-so/{dossier.code}/")
    assert response.status_code == 200
    html = page(response)
    for text in (dossier.code, "Đăng ký khai sinh", "Trần Thị Hồng Đào", "086085000123", "0912345678",
                 "Ủy ban nhân dân xã Phú Túc Thử Nghiệm", "Chuyên viên thẩm định",
                 # the form data under the titles of the procedure's form, dates as dd/mm/yyyy
                 "Họ, chữ đệm, tên của trẻ", "Nguyễn Văn Bình", "01/02/2026",
                 # attachments and the control slip
                 "Tờ khai đăng ký khai sinh", "Đã số hóa", "Phiếu kiểm soát quá trình giải quyết hồ sơ",
                 "Nộp hồ sơ", "Tiếp nhận hồ sơ", "Đánh giá đúng hạn"):
        assert text in html, text
    assert f"/mot-cua/ho-so/{dossier.code}/tep/" in html
    actions = set(re.findall(r'name="thao_tac" value="([a-z_]+)"', html))
    assert actions == {"trinh_phe_duyet", "yeu_cau_bo_sung", "yeu_cau_nghia_vu_tai_chinh", "xin_loi_gia_han"}
    assert 'name="csrfmiddlewaretoken"' in html
    assert hidden(html, "trinh_phe_duyet-expected_seq") == str(dossier.event_seq)
    # Assignable to the leader, who acts in the next step.
    assert desk.leader.full_name in html
    # The clerk of the same agency sees the dossier but has nothing to do with it now.
    client.logout()
    login(client, desk.clerk)
    html = page(client.get(f"/mot-cua/ho-so/{dossier.code}/"))
    assert "Bạn không có thao tác nào" in html and 'name="thao_tac"' not in html


def test_reading_the_dossier_page_is_audited(client, desk):
    from tinhso.core.models import AuditEntry

    dossier = at_counter(desk)
    login(client, desk.specialist)
    client.get(f"/mot-cua/ho-so/{dossier.code}/")
    assert AuditEntry.objects.filter(action="dossier.viewed", object_id=dossier.code, actor_id=desk.specialist.pk).exists()


def test_an_action_moves_the_dossier_and_the_slip_shows_it(client, desk):
    dossier = at_counter(desk)
    login(client, desk.specialist)
    html = page(client.get(f"/mot-cua/ho-so/{dossier.code}/"))
    response = client.post(f"/mot-cua/ho-so/{dossier.code}/", action_post(
        html, "trinh_phe_duyet", note="Hồ sơ đầy đủ, đề nghị phê duyệt.", assignee=str(desk.leader.pk)))
    assert response.status_code == 302 and response.url == f"/mot-cua/ho-so/{dossier.code}/"
    dossier.refresh_from_db()
    assert (dossier.state, dossier.assignee) == ("cho_phe_duyet", desk.leader)
    html = page(client.get(response.url))
    assert "govuk-notification-banner--success" in html and "Đã thực hiện “Trình lãnh đạo phê duyệt”" in html
    assert "3. Trình lãnh đạo phê duyệt" in html and "Hồ sơ đầy đủ, đề nghị phê duyệt." in html
    assert "Trước hạn" in html  # handed on well before the step's deadline
    assert 'name="thao_tac"' not in html  # the specialist has nothing more to do


def test_a_refusal_without_a_reason_is_refused_inline_and_changes_nothing(client, desk):
    dossier = online(desk)
    login(client, desk.receiver)
    html = page(client.get(f"/mot-cua/ho-so/{dossier.code}/"))
    response = client.post(f"/mot-cua/ho-so/{dossier.code}/", action_post(html, "tu_choi_tiep_nhan", note="   "))
    assert response.status_code == 422
    html = page(response)
    assert "govuk-error-summary" in html and "Nhập lý do từ chối." in html
    assert 'href="#id_tu_choi_tiep_nhan-note"' in html
    assert 'id="id_tu_choi_tiep_nhan-note_error"' in html and "govuk-textarea--error" in html
    assert "<title>Lỗi:" in html
    dossier.refresh_from_db()
    assert (dossier.state, dossier.event_seq) == ("moi_nop", 1)


def test_a_refusal_by_the_service_keeps_what_was_typed(client, desk):
    """The form is fine, the service says no (the new appointment is not after the current one):
    the message sits on the field, the reason typed stays in its box, nothing changes."""
    dossier = at_counter(desk)
    login(client, desk.specialist)
    html = page(client.get(f"/mot-cua/ho-so/{dossier.code}/"))
    earlier = timezone.localtime(dossier.due_at - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(f"/mot-cua/ho-so/{dossier.code}/", action_post(
        html, "xin_loi_gia_han", note="Chờ xác minh nơi sinh với bệnh viện.", new_due_at=earlier))
    assert response.status_code == 422
    html = page(response)
    assert "Ngày hẹn mới phải sau ngày hẹn hiện tại." in html
    assert 'href="#id_xin_loi_gia_han-new_due_at"' in html
    assert "Chờ xác minh nơi sinh với bệnh viện.</textarea>" in html
    assert f'value="{earlier}"' in html
    assert DossierEvent.objects.filter(dossier=dossier).count() == dossier.event_seq == 2


def test_acting_on_a_stale_page_says_someone_else_acted_first(client, desk):
    dossier = at_counter(desk)
    login(client, desk.specialist)
    html = page(client.get(f"/mot-cua/ho-so/{dossier.code}/"))
    # Meanwhile the leader extends the appointment (the dossier stays with the specialist).
    services.dossier_act(actor=desk.leader, dossier_id=dossier.pk, action="xin_loi_gia_han", note="Chờ xác minh.",
                         data={"new_due_at": dossier.due_at + dt.timedelta(days=2)})
    response = client.post(f"/mot-cua/ho-so/{dossier.code}/", action_post(
        html, "trinh_phe_duyet", note="Đề nghị phê duyệt."))
    assert response.status_code == 409
    html = page(response)
    assert "Hồ sơ vừa được người khác xử lý" in html and "Chuyên viên thẩm định" in html
    assert "\nĐề nghị phê duyệt.</textarea>" in html  # nothing lost
    assert hidden(html, "trinh_phe_duyet-expected_seq") == "3"  # the form now carries the new step
    assert "Xin lỗi và gia hạn" in html  # the slip shows what happened
    dossier.refresh_from_db()
    assert dossier.state == "dang_xu_ly" and dossier.event_seq == 3


def test_a_stale_action_no_longer_possible_shows_the_typed_text(client, desk):
    dossier = at_counter(desk)
    login(client, desk.specialist)
    html = page(client.get(f"/mot-cua/ho-so/{dossier.code}/"))
    services.dossier_act(actor=desk.specialist, dossier_id=dossier.pk, action="trinh_phe_duyet")
    response = client.post(f"/mot-cua/ho-so/{dossier.code}/", action_post(
        html, "yeu_cau_bo_sung", note="Bổ sung bản sao giấy đăng ký kết hôn."))
    assert response.status_code == 409
    html = page(response)
    assert "Hồ sơ vừa được người khác xử lý" in html and "Lãnh đạo phê duyệt" in html
    assert "Bổ sung bản sao giấy đăng ký kết hôn." in html
    assert not dossier.supplements.exists()


def test_a_double_submit_with_the_same_key_acts_once(client, desk):
    dossier = at_counter(desk)
    login(client, desk.specialist)
    html = page(client.get(f"/mot-cua/ho-so/{dossier.code}/"))
    body = action_post(html, "yeu_cau_bo_sung", note="Bổ sung Giấy chứng sinh bản chính.")
    first = client.post(f"/mot-cua/ho-so/{dossier.code}/", body)
    again = client.post(f"/mot-cua/ho-so/{dossier.code}/", body)
    assert first.status_code == again.status_code == 302
    assert DossierEvent.objects.filter(dossier=dossier, action="yeu_cau_bo_sung").count() == 1
    assert dossier.supplements.count() == 1


def test_a_supplement_received_at_the_counter_with_files(client, desk):
    dossier = at_counter(desk)
    services.dossier_act(actor=desk.specialist, dossier_id=dossier.pk, action="yeu_cau_bo_sung",
                         note="Bổ sung Giấy chứng sinh bản chính.")
    login(client, desk.receiver)
    html = page(client.get(f"/mot-cua/ho-so/{dossier.code}/"))
    assert 'enctype="multipart/form-data"' in html and 'type="file"' in html and " multiple" in html
    body = action_post(html, "nhan_bo_sung", note="Đã nhận bản chính.", component="GCS")
    body["nhan_bo_sung-files"] = [SimpleUploadedFile("giay chung sinh.pdf", pdf_bytes("gcs2"), "application/pdf")]
    response = client.post(f"/mot-cua/ho-so/{dossier.code}/", body)
    assert response.status_code == 302, page(response)
    dossier.refresh_from_db()
    assert dossier.state == "dang_xu_ly"
    added = dossier.attachments.order_by("-pk").first()
    assert (added.component_code, added.digitised, added.supplement is not None) == ("GCS", True, True)


def test_an_official_of_another_agency_gets_404(client, desk):
    dossier = at_counter(desk)
    login(client, desk.other_receiver)
    assert client.get(f"/mot-cua/ho-so/{dossier.code}/").status_code == 404
    attachment = dossier.attachments.first()
    assert client.get(f"/mot-cua/ho-so/{dossier.code}/tep/{attachment.pk}/").status_code == 404
    assert client.post(f"/mot-cua/ho-so/{dossier.code}/", {"thao_tac": "trinh_phe_duyet"}).status_code == 404


def test_the_wrong_role_is_told_why(client, desk):
    dossier = at_counter(desk)
    login(client, desk.clerk)
    html = page(client.get(f"/mot-cua/ho-so/{dossier.code}/"))
    assert 'name="thao_tac"' not in html
    response = client.post(f"/mot-cua/ho-so/{dossier.code}/", {
        "thao_tac": "trinh_phe_duyet", "trinh_phe_duyet-expected_seq": str(dossier.event_seq),
        "trinh_phe_duyet-key": "k1", "trinh_phe_duyet-note": ""})
    assert response.status_code == 403
    assert "Không thực hiện được" in page(response) and "Vai trò của bạn không được thực hiện" in page(response)


def test_attachments_download_with_the_same_checks_as_the_api(client, desk):
    from tinhso.core.models import AuditEntry

    dossier = at_counter(desk)
    attachment = dossier.attachments.get(component_code="TK")
    login(client, desk.specialist)
    response = client.get(f"/mot-cua/ho-so/{dossier.code}/tep/{attachment.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == pdf_bytes("tk")
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert AuditEntry.objects.filter(action="dossier.attachment_downloaded", object_id=dossier.code).exists()


# --- Bulk acceptance ----------------------------------------------------------------------------

def test_bulk_accept_of_two_online_dossiers(client, desk):
    first, second = online(desk), online(desk)
    login(client, desk.receiver)
    html = page(client.get("/mot-cua/"))
    assert f'name="ma_ho_so" type="checkbox" value="{first.code}"' in html
    assert "Tiếp nhận các hồ sơ đã chọn" in html
    response = client.post("/mot-cua/tiep-nhan-nhieu-ho-so/", {
        "ma_ho_so": [first.code, second.code, "KHONG-CO-MA"], "co_quan": desk.commune.code,
        "hop_thu": "vai-tro", "loc": "tat-ca"})
    assert response.status_code == 302 and response.url.startswith("/mot-cua/?")
    html = page(client.get(response.url))
    assert "Kết quả tiếp nhận" in html
    assert html.count("Đã tiếp nhận, hẹn trả kết quả") == 2 and "Không tìm thấy hồ sơ." in html
    assert set(Dossier.objects.values_list("state", flat=True)) == {"dang_xu_ly"}
    assert all(d.due_at for d in Dossier.objects.all())
    # Shown once (POST/redirect/GET).
    assert "Kết quả tiếp nhận" not in page(client.get(response.url))


def test_bulk_accept_with_nothing_ticked(client, desk):
    online(desk)
    login(client, desk.receiver)
    response = client.post("/mot-cua/tiep-nhan-nhieu-ho-so/", {"co_quan": desk.commune.code}, follow=True)
    assert "Chưa chọn hồ sơ nào để tiếp nhận." in page(response)


# --- Counter intake -----------------------------------------------------------------------------

def intake_body(**changes) -> dict:
    body = {
        "co_quan": "000.91.60.H61", "key": "k-intake-1", "tiep_nhan": "ngay",
        "applicant_kind": "citizen", "applicant_name": "Trần Thị Hồng Đào", "applicant_id_number": "086085000123",
        "applicant_phone": "0912 345 678", "applicant_address": "Ấp Phú Hòa, xã Phú Túc",
        "tk-ho_ten_tre": "Nguyễn Văn Bình", "tk-ngay_sinh": "2026-02-01", "tk-gioi_tinh": "Nam",
        "tep-TK": [SimpleUploadedFile("to khai.pdf", pdf_bytes("tk"), "application/pdf")],
        "tep-GCS": [SimpleUploadedFile("giay chung sinh.pdf", pdf_bytes("gcs"), "application/pdf")],
    }
    body.update(changes)
    return body


def test_counter_intake_from_choosing_the_procedure_to_the_receipt(client, desk):
    login(client, desk.receiver)
    start = page(client.get("/mot-cua/tiep-nhan/"))
    assert "/mot-cua/tiep-nhan/thu-tuc/1.001193/" in start and "Đăng ký khai sinh" in start
    assert "/mot-cua/tiep-nhan/thu-tuc/1.001193/" in page(client.get("/mot-cua/tiep-nhan/", {"q": "dang ky khai"}))
    form = page(client.get("/mot-cua/tiep-nhan/thu-tuc/1.001193/"))
    for text in ("Họ, chữ đệm, tên của trẻ", 'type="date"', 'type="radio" value="Nữ"', "Giấy chứng sinh",
                 'name="tep-GCS"', "Tiếp nhận ngay", 'name="assignee"', desk.specialist.full_name):
        assert text in form, text
    response = client.post("/mot-cua/tiep-nhan/thu-tuc/1.001193/", intake_body(assignee=str(desk.specialist.pk)))
    assert response.status_code == 302, page(response)
    dossier = Dossier.objects.get()
    assert response.url == f"/mot-cua/tiep-nhan/giay-tiep-nhan/{dossier.code}/"
    assert (dossier.state, dossier.assignee, dossier.applicant_phone) == ("dang_xu_ly", desk.specialist, "0912345678")
    assert dossier.form_data == BIRTH
    assert sorted(dossier.attachments.values_list("component_code", "digitised")) == [("GCS", True), ("TK", True)]
    receipt = page(client.get(response.url))
    assert "Giấy tiếp nhận hồ sơ và hẹn trả kết quả" in receipt
    assert dossier.code in receipt and "Trần Thị Hồng Đào" in receipt
    assert timezone.localtime(dossier.due_at).strftime("%d/%m/%Y %H:%M") in receipt
    assert "backoffice.css" in receipt  # its print rules leave only the receipt on paper
    # The same form sent again (double click): one dossier.
    again = client.post("/mot-cua/tiep-nhan/thu-tuc/1.001193/", intake_body())
    assert again.status_code == 302 and Dossier.objects.count() == 1


def test_counter_intake_recorded_without_acceptance(client, desk):
    login(client, desk.receiver)
    response = client.post("/mot-cua/tiep-nhan/thu-tuc/1.001193/", intake_body(tiep_nhan="cho"))
    assert response.status_code == 302
    dossier = Dossier.objects.get()
    assert dossier.state == "moi_nop" and dossier.due_at is None
    assert "Phiếu ghi nhận hồ sơ (chưa tiếp nhận)" in page(client.get(response.url))


def test_counter_intake_with_invalid_answers_keeps_every_value(client, desk):
    login(client, desk.receiver)
    response = client.post("/mot-cua/tiep-nhan/thu-tuc/1.001193/", intake_body(
        **{"applicant_id_number": "08608500012", "tk-ho_ten_tre": "", "tk-ngay_sinh": "hôm qua"}))
    assert response.status_code == 422
    html = page(response)
    assert "govuk-error-summary" in html
    for message in ("Số định danh cá nhân phải gồm đúng 12 chữ số.", "Nhập “Họ, chữ đệm, tên của trẻ”.",
                    "“Ngày, tháng, năm sinh” phải là ngày hợp lệ, ví dụ 01/07/2025."):
        assert message in html, message
    assert 'href="#id_applicant_id_number"' in html and 'href="#id_tk-ho_ten_tre"' in html
    assert 'value="Trần Thị Hồng Đào"' in html and 'value="08608500012"' in html and 'value="hôm qua"' in html
    assert 'value="Nam" checked' in html
    assert "hãy chọn lại các tệp trước khi gửi" in html
    assert Dossier.objects.count() == 0


def test_counter_intake_refused_by_the_form_schema_puts_the_message_on_the_question(client, desk):
    """Django's checks pass; the procedure's JSON Schema (minLength 2) does not."""
    login(client, desk.receiver)
    response = client.post("/mot-cua/tiep-nhan/thu-tuc/1.001193/", intake_body(**{"tk-ho_ten_tre": "B"}))
    assert response.status_code == 422
    html = page(response)
    assert "“Họ, chữ đệm, tên của trẻ” phải có ít nhất 2 ký tự." in html
    assert 'href="#id_tk-ho_ten_tre"' in html and 'id="id_tk-ho_ten_tre_error"' in html
    assert Dossier.objects.count() == 0


def test_counter_intake_refuses_a_file_that_is_not_what_it_says(client, desk):
    login(client, desk.receiver)
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
    response = client.post("/mot-cua/tiep-nhan/thu-tuc/1.001193/", intake_body(
        **{"tep-GCS": [SimpleUploadedFile("anh.pdf", png, "application/pdf")]}))
    assert response.status_code == 422
    html = page(response)
    assert 'href="#id_tep-GCS"' in html and "không khớp với nội dung tệp" in html
    assert Dossier.objects.count() == 0


def test_only_receiving_officers_take_dossiers_at_the_counter(client, desk):
    login(client, desk.specialist)
    assert client.get("/mot-cua/tiep-nhan/").status_code == 403
    assert client.get("/mot-cua/tiep-nhan/thu-tuc/1.001193/").status_code == 403


# --- Register -----------------------------------------------------------------------------------

def test_register_page_and_its_xlsx(client, desk):
    dossier = at_counter(desk)
    login(client, desk.receiver)
    html = page(client.get("/mot-cua/so-theo-doi/"))  # this month by default
    assert dossier.code in html and "Trần Thị Hồng Đào" in html
    day = timezone.localtime(dossier.submitted_at).date().isoformat()
    params = {"co_quan": desk.commune.code, "tu_ngay": day, "den_ngay": day}
    assert "/mot-cua/so-theo-doi.xlsx?" in page(client.get("/mot-cua/so-theo-doi/", params))
    xlsx = client.get("/mot-cua/so-theo-doi.xlsx", params)
    assert xlsx.status_code == 200
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert dossier.code in [c.value for c in sheet["B"]]


def test_register_checks_the_period_and_the_agency(client, desk):
    login(client, desk.receiver)
    html = page(client.get("/mot-cua/so-theo-doi/", {"co_quan": desk.commune.code, "tu_ngay": "2026-03-01",
                                                      "den_ngay": "2026-02-01"}))
    assert "Ngày cuối phải bằng hoặc sau ngày đầu." in html and 'href="#id_den_ngay"' in html
    # Not one of the official's agencies: the choice is refused, never shown.
    response = client.get("/mot-cua/so-theo-doi.xlsx", {"co_quan": "000.92.60.H61", "tu_ngay": "2026-02-01",
                                                       "den_ngay": "2026-02-28"})
    assert response.status_code == 302 and "/mot-cua/so-theo-doi/?" in response.url


def test_a_citizen_cannot_reach_any_back_office_page(client, desk):
    dossier = at_counter(desk)
    login(client, citizen("086301000999"))
    for url in ("/mot-cua/", f"/mot-cua/ho-so/{dossier.code}/", "/mot-cua/tiep-nhan/", "/mot-cua/so-theo-doi/",
                "/mot-cua/so-theo-doi.xlsx", f"/mot-cua/tiep-nhan/giay-tiep-nhan/{dossier.code}/"):
        assert client.get(url).status_code == 403, url


def test_counter_intake_for_another_agency_asks_which_agency_decides(client, desk):
    """Reception regardless of boundary (Decree 118/2025): the department's desk takes a commune
    procedure; two communes decide it, so the officer chooses one and may hand it to its official."""
    receiver = UserFactory(full_name="Cán bộ một cửa Sở")
    AgencyRole.objects.create(user=receiver, agency=desk.department, role=Role.RECEIVING_OFFICER)
    login(client, receiver)
    form = page(client.get("/mot-cua/tiep-nhan/thu-tuc/1.001193/"))
    assert 'name="competent_agency"' in form and "Ủy ban nhân dân xã Giao Long Thử Nghiệm" in form
    assert '<optgroup label="Ủy ban nhân dân xã Phú Túc Thử Nghiệm">' in form
    missing = client.post("/mot-cua/tiep-nhan/thu-tuc/1.001193/", intake_body(co_quan=desk.department.code))
    assert missing.status_code == 422 and "Chọn cơ quan có thẩm quyền giải quyết." in page(missing)
    response = client.post("/mot-cua/tiep-nhan/thu-tuc/1.001193/", intake_body(
        co_quan=desk.department.code, key="k-intake-2", competent_agency=desk.commune.code,
        assignee=str(desk.specialist.pk)))
    assert response.status_code == 302, page(response)
    dossier = Dossier.objects.get()
    assert (dossier.receiving_agency, dossier.competent_agency, dossier.holder_agency, dossier.assignee) == (
        desk.department, desk.commune, desk.commune, desk.specialist)
