"""The official one-stop forms as real PDFs: what each prints, read back from the file with pypdf."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from fontTools.ttLib import TTFont

from documents.conftest import PARENT, act, at_counter, online, pdf_reader, pdf_text
from tinhso.documents.kinds import FormKind, form_spec, form_specs
from tinhso.documents.pdf import FontMissing, _local_only_fetcher, font_dir
from tinhso.documents.selectors import FormUnavailable
from tinhso.documents.services import form_render
from tinhso.dossiers.models import Dossier

pytestmark = pytest.mark.django_db

A5 = (419.5, 595.3)          # points
A4_LANDSCAPE = (841.9, 595.3)


def page_size(data: bytes) -> tuple[float, float]:
    box = pdf_reader(data).pages[0].mediabox
    return round(float(box.width), 1), round(float(box.height), 1)


def local_date(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y")


def embedded_families(data: bytes) -> set[str]:
    """The family names inside the font programs embedded in the PDF (their `name` table)."""
    families = set()
    for page in pdf_reader(data).pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            for descendant in font.get_object().get("/DescendantFonts") or []:
                program = descendant.get_object()["/FontDescriptor"].get_object()["/FontFile2"].get_object()
                families.add(TTFont(io.BytesIO(program.get_data()))["name"].getDebugName(1))
    return families


# --- 01 Receipt and appointment --------------------------------------------------------------------

def test_the_receipt_carries_the_header_the_code_the_appointment_and_a_qr_to_tracking(desk, settings):
    settings.TINHSO_BASE_URL = "https://dichvucong.tinh.example.vn"
    dossier = at_counter(desk)
    data = form_render(kind=FormKind.RECEIPT, dossier_id=dossier.pk)
    text = pdf_text(data)

    assert data.startswith(b"%PDF-") and page_size(data) == A5
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Độc lập - Tự do - Hạnh phúc" in text
    assert "ỦY BAN NHÂN DÂN XÃ PHÚ TÚC THỬ NGHIỆM" in text           # the agency, in the header
    assert "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ" in text
    received = timezone.localtime(dossier.accepted_at)
    assert f"Phú Túc Thử Nghiệm, ngày {received:%d} tháng {received:%m} năm {received:%Y}" in text
    assert "Số: 0001/BPMC" in text
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text
    assert dossier.code in text
    assert PARENT.name in text and "Đăng ký khai sinh" in text
    assert f"ngày {local_date(dossier.due_at)}" in text                # the appointment, dd/mm/yyyy
    assert "3 ngày làm việc" in text and "Tờ khai đăng ký khai sinh" in text and "Giấy chứng sinh" in text
    assert "Mẫu số 01 — Thông tư số 03/2025/TT-VPCP" in text
    # The QR to the public tracking page is an image on the page; its address is printed too.
    assert len(pdf_reader(data).pages[0].images) == 1
    assert "https://dichvucong.tinh.example.vn/tra-cuu/" in text
    # The Noto fonts carry the Vietnamese letters, embedded (subset by the PDF writer).
    assert {"Noto Serif", "Noto Sans"} <= embedded_families(data)


def test_the_receipt_shows_each_fee_and_the_total_in_words(desk, fee_procedure):
    dossier = at_counter(desk, procedure_code="1.000894")
    text = pdf_text(form_render(kind=FormKind.RECEIPT, dossier_id=dossier.pk))
    assert "Lệ phí cấp bản sao: 1.250.000 đồng (bằng chữ: Một triệu hai trăm năm mươi nghìn đồng)" in text
    assert "Phí thẩm định: 105 đồng (bằng chữ: Một trăm linh năm đồng)" in text
    assert "Tổng cộng: 1.250.105 đồng (bằng chữ: Một triệu hai trăm năm mươi nghìn một trăm linh năm đồng)" in text


def test_an_online_dossier_not_yet_accepted_gets_a_record_without_an_appointment(desk):
    dossier = online(desk)
    text = pdf_text(form_render(kind=FormKind.RECEIPT, dossier_id=dossier.pk))
    assert "PHIẾU GHI NHẬN HỒ SƠ NỘP TRỰC TUYẾN" in text
    assert "đang chờ tiếp nhận" in text
    assert "Trực tuyến, trên Cổng dịch vụ công" in text


# --- 02 Supplement, 03 refusal, 04 apology, 05 stop -------------------------------------------------

def test_the_supplement_request_lists_what_to_add(desk):
    dossier = at_counter(desk)
    with pytest.raises(FormUnavailable):
        form_render(kind=FormKind.SUPPLEMENT, dossier_id=dossier.pk)
    act(desk, dossier, "yeu_cau_bo_sung", desk.specialist,
        note="Bổ sung Giấy chứng sinh bản chính\nGhi rõ nơi sinh theo giấy chứng sinh")
    data = form_render(kind=FormKind.SUPPLEMENT, dossier_id=dossier.pk)
    text = pdf_text(data)
    assert page_size(data) == A5
    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in text and dossier.code in text
    assert "1. Bổ sung Giấy chứng sinh bản chính" in text and "2. Ghi rõ nơi sinh theo giấy chứng sinh" in text
    assert "Lê Văn Hộ Tịch" in text                                    # who to ask
    assert "Mẫu số 02 — Thông tư số 03/2025/TT-VPCP" in text


def test_the_refusal_gives_the_reason_and_the_legal_basis(desk):
    dossier = online(desk)
    act(desk, dossier, "tu_choi_tiep_nhan", desk.receiver, note="Thủ tục không thuộc thẩm quyền của xã")
    text = pdf_text(form_render(kind=FormKind.REFUSAL, dossier_id=dossier.pk))
    assert "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" in text
    assert "Thủ tục không thuộc thẩm quyền của xã" in text
    assert "Luật Hộ tịch 2014, Điều 16" in text
    assert "Trần Thị Tiếp Nhận" in text


def _extended(desk) -> tuple[Dossier, dt.datetime]:
    dossier = at_counter(desk)
    new_due = timezone.localtime(dossier.due_at) + dt.timedelta(days=7)
    dossier = act(desk, dossier, "xin_loi_gia_han", desk.specialist, note="Cần xác minh nơi cư trú của người mẹ",
                  data={"new_due_at": new_due.isoformat()})
    return dossier, new_due


def test_the_2025_apology_asks_for_an_extension_to_the_new_date(desk):
    dossier, new_due = _extended(desk)
    data = form_render(kind=FormKind.APOLOGY, dossier_id=dossier.pk, forms_set="2025")
    text = pdf_text(data)
    assert page_size(data) == A5
    assert "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT" in text
    assert "đề nghị gia hạn thời gian giải quyết hồ sơ đến" in text
    assert f"ngày {new_due:%d/%m/%Y}" in text
    assert "Cần xác minh nơi cư trú của người mẹ" in text
    assert "Mẫu số 04 — Thông tư số 03/2025/TT-VPCP" in text


def test_the_2018_apology_gives_a_new_return_date(desk, settings):
    settings.TINHSO_FORMS_SET = "2018"
    dossier, new_due = _extended(desk)
    text = pdf_text(form_render(kind=FormKind.APOLOGY, dossier_id=dossier.pk))
    assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in text
    assert "sẽ trả kết quả giải quyết hồ sơ cho Ông/Bà vào" in text and f"ngày {new_due:%d/%m/%Y}" in text
    assert "đề nghị gia hạn" not in text
    assert "Mẫu số 04 — Thông tư số 01/2018/TT-VPCP" in text


def test_the_stop_notice_exists_only_in_the_2025_set(desk):
    dossier = at_counter(desk)
    act(desk, dossier, "dung_xu_ly", desk.leader, note="Người yêu cầu đề nghị dừng để bổ sung giấy tờ ở nước ngoài")
    text = pdf_text(form_render(kind=FormKind.STOP, dossier_id=dossier.pk, forms_set="2025"))
    assert "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ" in text
    assert "Người yêu cầu đề nghị dừng để bổ sung giấy tờ ở nước ngoài" in text
    assert "Mẫu số 05 — Thông tư số 03/2025/TT-VPCP" in text
    with pytest.raises(FormUnavailable):
        form_render(kind=FormKind.STOP, dossier_id=dossier.pk, forms_set="2018")


# --- 06 Control slip, 07 register ------------------------------------------------------------------

def test_the_control_slip_lists_each_hand_over_early_on_time_or_late(desk):
    dossier = at_counter(desk)
    # The specialist kept the dossier past the step's deadline: that hand-over is late.
    Dossier.objects.filter(pk=dossier.pk).update(state_due_at=timezone.now() - dt.timedelta(hours=2))
    dossier = act(desk, dossier, "trinh_phe_duyet", desk.specialist, assignee=desk.leader)
    dossier = act(desk, dossier, "phe_duyet", desk.leader)
    data = form_render(kind=FormKind.CONTROL_SLIP, dossier_id=dossier.pk)
    text = pdf_text(data)
    assert page_size(data) == A5
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in text and dossier.code in text
    assert f"Giao: Người nộp hồ sơ — {PARENT.name}" in text           # the submission
    assert "Nhận: Ủy ban nhân dân xã Phú Túc Thử Nghiệm — Lê Văn Hộ Tịch" in text
    assert "Trình lãnh đạo phê duyệt" in text and "Phê duyệt, ký kết quả" in text
    assert "Quá hạn" in text
    assert "Trước hạn" in text or "Đúng hạn" in text                 # the leader's quick approval
    assert "Mẫu số 06 — Thông tư số 03/2025/TT-VPCP" in text


def test_the_2018_set_numbers_the_control_slip_05(desk):
    dossier = at_counter(desk)
    text = pdf_text(form_render(kind=FormKind.CONTROL_SLIP, dossier_id=dossier.pk, forms_set="2018"))
    assert "Mẫu số 05 — Thông tư số 01/2018/TT-VPCP" in text


def test_the_register_is_a4_landscape_with_one_row_per_dossier(desk):
    first, second = at_counter(desk), online(desk)
    today = timezone.localdate()
    data = form_render(kind=FormKind.REGISTER, agency=desk.commune, start=today, end=today)
    text = pdf_text(data)
    assert page_size(data) == A4_LANDSCAPE
    assert "SỔ THEO DÕI HỒ SƠ" in text and "Mẫu số 07 — Thông tư số 03/2025/TT-VPCP" in text
    assert f"từ ngày {today:%d/%m/%Y} đến ngày {today:%d/%m/%Y}" in text
    assert first.code in text and second.code in text
    assert "Chuyển hồ sơ đến cơ quan giải quyết" in text


def test_the_sets_have_seven_and_six_forms():
    assert [s.number for s in form_specs("2025")] == ["01", "02", "03", "04", "05", "06", "07"]
    assert [s.kind for s in form_specs("2018")] == [
        FormKind.RECEIPT, FormKind.SUPPLEMENT, FormKind.REFUSAL, FormKind.APOLOGY, FormKind.CONTROL_SLIP,
        FormKind.REGISTER]
    assert form_spec(FormKind.STOP, "2018") is None
    assert form_spec(FormKind.REGISTER, "2018").number == "06"


# --- The renderer's own safety ------------------------------------------------------------------

def test_a_missing_font_is_named_with_what_to_install(desk, settings, tmp_path):
    settings.TINHSO_PDF_FONT_DIR = str(tmp_path / "no-fonts")
    dossier = at_counter(desk)
    with pytest.raises(FontMissing) as refused:
        form_render(kind=FormKind.RECEIPT, dossier_id=dossier.pk)
    assert "NotoSerif-Regular.ttf" in str(refused.value) and "fonts-noto-core" in str(refused.value)


def test_the_renderer_fetches_only_data_uris_and_the_font_files():
    fetcher = _local_only_fetcher(font_dir())
    assert fetcher.fetch("data:text/plain;base64,eGlu")  # a QR code is a data: URI
    assert fetcher.fetch((font_dir() / "NotoSerif-Regular.ttf").as_uri())
    for url in ("file:///etc/passwd", "http://127.0.0.1:8000/", "https://example.com/x.png"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)


def test_markup_typed_by_an_applicant_is_printed_as_text(desk):
    applicant = PARENT.__class__(name="Trần <b>Đào</b>", id_number="086085000123",
                                 address='<img src="file:///etc/passwd">')
    dossier = at_counter(desk, applicant=applicant)
    data = form_render(kind=FormKind.RECEIPT, dossier_id=dossier.pk)
    text = pdf_text(data)
    assert "Trần <b>Đào</b>" in text and '<img src="file:///etc/passwd">' in text
    assert len(pdf_reader(data).pages[0].images) == 1                 # the QR only
