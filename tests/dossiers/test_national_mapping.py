"""The national-portal sync message: parsing what the portal sends, building what we send."""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from tinhso.accounts.models import User
from tinhso.catalog.models import Field, Procedure, ProcedureVersion, VersionStatus, WorkflowDefinition
from tinhso.core.models import AdministrativeUnit, Agency, AgencyKind
from tinhso.dossiers.models import Attachment, Dossier, DossierEvent, Source, Status, Supplement
from tinhso.dossiers.national import (
    SYNC_SELECT_RELATED,
    NationalMessageInvalid,
    national_inbound_example,
    national_inbound_parse,
    national_sync_payload,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")
UTC = dt.UTC
WORKFLOWS = Path(__file__).resolve().parents[2] / "src/tinhso/catalog/data/workflows"
REQUIRED = ["MaHoSo", "MaTTHC", "ChuHoSo", "SoGiayToChuHoSo", "NgayNopHoSo", "MaDonViTiepNhan"]


def errors_of(payload) -> dict[str, str]:
    with pytest.raises(NationalMessageInvalid) as caught:
        national_inbound_parse(payload)
    assert caught.value.status == 400
    return {e["field"]: e["message"] for e in caught.value.errors}


def with_fields(**changes) -> dict:
    payload = national_inbound_example()
    payload["hoSo"].update(changes)
    return payload


# --- Inbound ----------------------------------------------------------------------------------

def test_example_parses():
    dossier = national_inbound_parse(national_inbound_example())
    assert dossier.code == "000.91.60.H61-250715-0001"
    assert dossier.procedure_code == "1.001193"
    assert dossier.channel == 2
    assert dossier.applicant_name == "Nguyễn Văn An"
    assert (dossier.applicant_id_number, dossier.applicant_id_kind) == ("086085000123", "personal_id")
    assert (dossier.applicant_type, dossier.applicant_kind) == (1, "citizen")
    assert dossier.applicant_phone == "0912345678"
    assert dossier.submitted_at == dt.datetime(2025, 7, 15, 8, 30, tzinfo=VN)
    assert dossier.submitted_at.utcoffset() == dt.timedelta(hours=7)
    assert dossier.receiving_agency_code == dossier.competent_agency_code == "000.91.60.H61"
    assert dossier.form_data["ho_ten_tre"] == "Nguyễn Văn Bình"
    assert dossier.vneid_authenticated is True and dossier.paid_online == 0
    assert dossier.has_digitised_components is True
    first, second = dossier.files
    assert first.data.startswith(b"%PDF-") and first.inspected.content_type == "application/pdf"
    assert first.inspected.safe_name == "Tờ khai đăng ký khai sinh.pdf"
    assert (first.component_code, first.digitised, first.reused) == ("TK", True, False)
    assert second.data is None and second.url.startswith("https://")
    assert (second.reuse, second.reused, second.from_citizen_store) == (1, True, True)


def test_example_is_a_fresh_copy():
    national_inbound_example()["hoSo"]["MaHoSo"] = "changed"
    assert national_inbound_example()["hoSo"]["MaHoSo"] != "changed"


@pytest.mark.parametrize("name", REQUIRED)
def test_each_required_field_missing_is_named(name):
    payload = national_inbound_example()
    del payload["hoSo"][name]
    errors = errors_of(payload)
    assert list(errors) == [f"hoSo.{name}"]
    assert errors[f"hoSo.{name}"] == "Thiếu trường bắt buộc."


@pytest.mark.parametrize("name", REQUIRED)
def test_each_required_field_empty_is_named(name):
    errors = errors_of(with_fields(**{name: "  "}))
    assert list(errors) == [f"hoSo.{name}"]


def test_all_problems_are_reported_at_once():
    errors = errors_of(with_fields(MaTTHC=None, KenhThucHien="9", NgayNopHoSo="hôm qua"))
    assert set(errors) == {"hoSo.MaTTHC", "hoSo.KenhThucHien", "hoSo.NgayNopHoSo"}


@pytest.mark.parametrize("payload", [None, [], "hoSo", {}, {"hoSo": None}, {"hoSo": []}])
def test_not_a_message(payload):
    assert list(errors_of(payload)) == ["hoSo"]


@pytest.mark.parametrize("value", ["15/07/2025 08:30", "2025-13-01T08:00:00", "20251301083000",
                                   "2025071508300", "abc", 20250715, True])
def test_bad_date_is_named(value):
    errors = errors_of(with_fields(NgayNopHoSo=value))
    assert list(errors) == ["hoSo.NgayNopHoSo"]
    assert "yyyyMMddHHmmss" in errors["hoSo.NgayNopHoSo"]


@pytest.mark.parametrize("value", ["20250715083000", 20250715083000, "2025-07-15T08:30:00",
                                   "2025-07-15 08:30:00", "2025-07-15T01:30:00Z",
                                   "2025-07-15T08:30:00+07:00"])
def test_dates_naive_are_vietnam_time(value):
    moment = national_inbound_parse(with_fields(NgayNopHoSo=value)).submitted_at
    assert moment.tzinfo is not None
    assert moment.astimezone(UTC) == dt.datetime(2025, 7, 15, 1, 30, tzinfo=UTC)


@pytest.mark.parametrize("value", [0, 4, "x", "2a", 2.5, [2]])
def test_bad_channel_is_named(value):
    errors = errors_of(with_fields(KenhThucHien=value))
    assert list(errors) == ["hoSo.KenhThucHien"]
    assert "1, 2, 3" in errors["hoSo.KenhThucHien"]


@pytest.mark.parametrize(("value", "expected"), [(1, 1), ("3", 3), (" 2 ", 2), (None, 2)])
def test_channel_values(value, expected):
    assert national_inbound_parse(with_fields(KenhThucHien=value)).channel == expected


@pytest.mark.parametrize("value", ["không phải base64!", "QUJD=", "@@@@", 12345])
def test_bad_base64_is_named(value):
    payload = national_inbound_example()
    payload["hoSo"]["TaiLieuNop"][0]["NoiDungBase64"] = value
    assert list(errors_of(payload)) == ["hoSo.TaiLieuNop.0.NoiDungBase64"]


def test_base64_with_line_breaks_and_data_url_is_accepted():
    payload = national_inbound_example()
    encoded = payload["hoSo"]["TaiLieuNop"][0]["NoiDungBase64"]
    payload["hoSo"]["TaiLieuNop"][0]["NoiDungBase64"] = "\n".join(encoded[i:i + 76]
                                                                  for i in range(0, len(encoded), 76))
    assert national_inbound_parse(payload).files[0].data.startswith(b"%PDF-")
    payload["hoSo"]["TaiLieuNop"][0]["NoiDungBase64"] = "data:application/pdf;base64," + encoded
    assert national_inbound_parse(payload).files[0].data.startswith(b"%PDF-")


def test_refused_file_content_is_named_with_its_code():
    payload = national_inbound_example()
    exe = b"MZ\x90\x00" + b"\x00" * 60
    payload["hoSo"]["TaiLieuNop"][0]["NoiDungBase64"] = base64.b64encode(exe).decode()
    with pytest.raises(NationalMessageInvalid) as caught:
        national_inbound_parse(payload)
    [error] = caught.value.errors
    assert error["field"] == "hoSo.TaiLieuNop.0.NoiDungBase64"
    assert error["code"] == "forbidden_type"
    assert "Tờ khai đăng ký khai sinh.pdf" in error["message"]


def test_file_over_the_limit_is_named_before_decoding(settings):
    settings.TINHSO_ATTACHMENT_MAX_BYTES = 100
    errors = errors_of(national_inbound_example())
    assert list(errors) == ["hoSo.TaiLieuNop.0.NoiDungBase64"]
    assert "100 byte" in errors["hoSo.TaiLieuNop.0.NoiDungBase64"]


def test_file_without_content_or_link():
    payload = national_inbound_example()
    payload["hoSo"]["TaiLieuNop"][1]["DuongDanTaiTepTin"] = ""
    assert list(errors_of(payload)) == ["hoSo.TaiLieuNop.1"]


@pytest.mark.parametrize(("name", "value"), [
    ("DuocSoHoa", 3), ("DuocTaiSuDung", "5"), ("DuocLayTuKhoDMQG", "có"), ("TenTepDinhKem", ""),
    ("DuongDanTaiTepTin", "file:///etc/passwd"), ("MaThanhPhanHoSo", "x" * 41),
])
def test_bad_file_fields_are_named(name, value):
    payload = national_inbound_example()
    payload["hoSo"]["TaiLieuNop"][1][name] = value
    assert list(errors_of(payload)) == [f"hoSo.TaiLieuNop.1.{name}"]


@pytest.mark.parametrize(("name", "value"), [
    ("SoGiayToChuHoSo", "08608500012"), ("SoGiayToChuHoSo", "08608500012345"), ("MaDonViTiepNhan", "H61"),
    ("DonViXuLy", "000.91.60"), ("Email", "khong-phai-email"), ("SoDienThoai", "gọi tôi"),
    ("LoaiDoiTuong", 7), ("TaiKhoanDuocXacThucVoiVNeID", 2), ("DuocThanhToanTrucTuyen", 3),
    ("DuLieuBieuMau", "[1, 2]"), ("DuLieuBieuMau", "{không phải json"), ("TaiLieuNop", "tệp"),
    ("MaHoSo", "../../etc"), ("ChuHoSo", "A" * 201), ("DanhSachLePhi", [{"Gia": "50.000,5"}]),
])
def test_bad_fields_are_named(name, value):
    errors = errors_of(with_fields(**{name: value}))
    assert len(errors) == 1
    [field] = errors
    assert field == f"hoSo.{name}" or field.startswith(f"hoSo.{name}.")


@pytest.mark.parametrize(("number", "loai", "kind", "id_kind"), [
    ("086085000123", 1, "citizen", "personal_id"),
    ("c1234567", 1, "foreigner", "passport"),
    ("0312345678", 2, "business", "tax_code"),
    ("0312345678-001", 4, "business", "tax_code"),
    ("086 085 000 123", "3", "business", "personal_id"),
])
def test_applicant_kinds(number, loai, kind, id_kind):
    dossier = national_inbound_parse(with_fields(SoGiayToChuHoSo=number, LoaiDoiTuong=loai))
    assert (dossier.applicant_kind, dossier.applicant_id_kind) == (kind, id_kind)
    number = dossier.applicant_id_number
    assert " " not in number and number.upper() == number


def test_lenient_where_the_portal_varies():
    dossier = national_inbound_parse(with_fields(
        DuLieuBieuMau='{"ho_ten_tre": "Bình"}', TrichYeuHoSo="Rất dài " * 100, DonViXuLy="", Email=None,
        DanhSachLePhi=[{"TenPhiLePhi": "Lệ phí", "Gia": "8000"}, {"Gia": 0}], TruongMoiCuaCong="bỏ qua",
        ChuHoSo="Nguye\u0302\u0303n  Va\u0306n   An", TaiLieuNop=None))
    assert dossier.form_data == {"ho_ten_tre": "Bình"}
    assert len(dossier.summary) == 500 and dossier.summary.endswith("…")
    assert dossier.competent_agency_code is None and dossier.applicant_email == ""
    assert [f.amount for f in dossier.fees] == [8000, 0]
    assert dossier.applicant_name == "Nguyễn Văn An"
    assert dossier.files == ()


def test_error_messages_are_vietnamese():
    with translation.override("vi"):
        errors = errors_of(with_fields(KenhThucHien=7))
    assert "Giá trị phải là một trong" in errors["hoSo.KenhThucHien"]


# --- Outbound ---------------------------------------------------------------------------------

def _workflow() -> WorkflowDefinition:
    data = json.loads((WORKFLOWS / "mot-cua-chuan.json").read_text(encoding="utf-8"))
    return WorkflowDefinition.objects.create(code="dong-bo-thu", version=1, name=data["name"],
                                             definition=data["definition"], status=VersionStatus.PUBLISHED)


def _at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2025, 7, day, hour, minute, tzinfo=VN)


@pytest.fixture
def world(db):
    unit = AdministrativeUnit.objects.filter(level="commune").first()
    commune = Agency.objects.create(code="000.91.60.H61", name="Ủy ban nhân dân xã Phú Túc Thử",
                                    kind=AgencyKind.COMMUNE_PEOPLES_COMMITTEE, unit=unit)
    department = Agency.objects.create(code="000.00.95.H61", name="Sở Tư pháp Thử",
                                       kind=AgencyKind.DEPARTMENT, unit=unit)
    workflow = _workflow()
    field, _ = Field.objects.get_or_create(code="HT", defaults={"name": "Hộ tịch"})
    if field.name != "Hộ tịch":
        field.name = "Hộ tịch"
        field.save()
    procedure = Procedure.objects.create(code="1.001193", name="Đăng ký khai sinh", field=field)
    version = ProcedureVersion.objects.create(
        procedure=procedure, number=1, status=VersionStatus.PUBLISHED, name="Đăng ký khai sinh",
        processing_amount=3, processing_unit="working_day", workflow=workflow,
        fees=[{"code": "LP01", "name": "Lệ phí đăng ký khai sinh quá hạn", "kind": "charge", "amount": 8000,
               "note": ""}],
        results=[{"code": "TLKS", "name": "Trích lục khai sinh", "paper": True, "electronic": True}])
    officer = User.objects.create(username="tiepnhan", full_name="Trần Thị Tiếp Nhận", kind="official")
    return {"commune": commune, "department": department, "workflow": workflow, "procedure": procedure,
            "version": version, "officer": officer}


def _dossier(world, *, code="000.91.60.H61-250715-0001", status=Status.IN_PROGRESS, **fields) -> Dossier:
    values = {
        "code": code, "procedure": world["procedure"], "procedure_version": world["version"],
        "workflow": world["workflow"], "state": "xu_ly", "status": status, "channel": 2,
        "source": Source.ONLINE, "receiving_agency": world["commune"],
        "competent_agency": world["department"], "holder_agency": world["department"],
        "applicant_name": "Nguyễn Văn An", "applicant_id_number": "086085000123",
        "applicant_phone": "0912345678", "applicant_email": "an@example.vn",
        "summary": "Đăng ký khai sinh cho con", "submitted_at": _at(15, 8, 30), "accepted_at": _at(15, 9),
        "due_at": _at(18, 17), "state_entered_at": _at(16, 10), "paid_online": 1,
        "vneid_authenticated": True, "has_digitised_components": False,
    }
    values.update(fields)
    return Dossier.objects.create(**values)


def _event(dossier, seq, *, at, status, action, name, effect="none", role="", actor="", to=None, note="",
           entered=None, due=None) -> DossierEvent:
    return DossierEvent.objects.create(
        dossier=dossier, seq=seq, at=at, action=action, action_name=name, effect=effect, to_state="x",
        status=status, actor_name=actor, actor_role=role, to_agency=to or dossier.holder_agency, note=note,
        state_entered_at=entered, state_due_at=due)


def _attachment(dossier, name, **fields) -> Attachment:
    values = {"dossier": dossier, "name": name, "storage_path": "ab/cd/" + "ab" * 32, "size": 10,
                  "content_type": "application/pdf", "sha256": "ab" * 32, "uploaded_at": _at(15, 8, 30)}
    values.update(fields)
    return Attachment.objects.create(**values)


@pytest.fixture
def full(world):
    dossier = _dossier(world)
    _event(dossier, 1, at=_at(15, 8, 30), status=1, action="nop_ho_so", name="Nộp hồ sơ", effect="submit",
           role="applicant", actor="Nguyễn Văn An", to=world["commune"])
    _event(dossier, 2, at=_at(15, 9), status=2, action="tiep_nhan", name="Tiếp nhận hồ sơ", effect="accept",
           role="receiving_officer", actor="Trần Thị Tiếp Nhận", to=world["department"],
           entered=_at(15, 8, 30), due=_at(15, 16, 30))
    _event(dossier, 3, at=_at(16, 10), status=5, action="yeu_cau_bo_sung", name="Yêu cầu bổ sung hồ sơ",
           effect="supplement_request", role="specialist", actor="Lê Văn Hộ Tịch",
           note="Thiếu bản sao giấy chứng sinh", entered=_at(15, 9), due=_at(16, 17))
    supplement = Supplement.objects.create(
        dossier=dossier, requested_at=_at(16, 10), requested_by=world["officer"],
        content="Thiếu giấy chứng sinh",
        due_at_before=_at(18, 17), received_at=_at(17, 14, 5), received_by=world["officer"],
        answer="Đã nộp bản sao", due_at_after=_at(21, 17))
    _attachment(dossier, "Tờ khai.pdf", component_code="TK", digitised=True)
    _attachment(dossier, "CCCD.pdf", component_code="CCCD", reused=True, from_citizen_store=True)
    _attachment(dossier, "Trích lục cũ.pdf", component_code="TLKS_CU", reused=True,
                replaced_result_code="KQ123")
    _attachment(dossier, "Giấy chứng sinh.pdf", component_code="GCS", supplement=supplement,
                uploaded_at=_at(17, 14, 5))
    _attachment(dossier, "Trích lục khai sinh.pdf", is_result=True, uploaded_at=_at(18, 9))
    return dossier


def leaves(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from leaves(item)
    else:
        yield value


def test_outbound_dossier(full, world):
    payload = national_sync_payload(Dossier.objects.get(pk=full.pk))
    json.dumps(payload, ensure_ascii=False)
    assert all(isinstance(leaf, str) for leaf in leaves(payload))
    ho_so = payload["hoSo"]
    assert ho_so["MaHoSo"] == "000.91.60.H61-250715-0001"
    assert (ho_so["MaTTHC"], ho_so["TenTTHC"], ho_so["MaLinhVuc"]) == ("1.001193", "Đăng ký khai sinh", "HT")
    assert (ho_so["KenhThucHien"], ho_so["TrangThaiHoSo"]) == ("2", "4")
    assert (ho_so["MaDonViTiepNhan"], ho_so["DonViXuLy"]) == ("000.91.60.H61", "000.00.95.H61")
    assert (ho_so["ChuHoSo"], ho_so["SoGiayToChuHoSo"], ho_so["LoaiDoiTuong"]) == (
        "Nguyễn Văn An", "086085000123", "1")
    assert ho_so["DinhDanhCHS"] == [{"LoaiDinhDanh": "1", "SoDinhDanh": "086085000123"}]
    # Dates are local (UTC+7) wall-clock times.
    assert ho_so["NgayNopHoSo"] == "20250715083000"
    assert ho_so["NgayTiepNhan"] == "20250715090000"
    assert ho_so["NgayHenTra"] == "20250718170000"
    assert ho_so["NgayKetThucXuLy"] == ho_so["NgayTra"] == ho_so["NgayTuChoi"] == ""
    assert (ho_so["TaiKhoanDuocXacThucVoiVNeID"], ho_so["DuocThanhToanTrucTuyen"]) == ("1", "1")
    assert ho_so["HoSoCoThanhPhanSoHoa"] == "1"
    assert ho_so["DanhSachLePhi"] == [{"TenPhiLePhi": "Lệ phí đăng ký khai sinh quá hạn",
                                       "MaPhiLePhi": "LP01", "HinhThucThu": "", "Gia": "8000",
                                       "LoaiPhiLePhi": "2"}]

    files = {f["TenTepDinhKem"]: f for f in ho_so["TaiLieuNop"]}
    assert set(files) == {"Tờ khai.pdf", "CCCD.pdf", "Trích lục cũ.pdf", "Giấy chứng sinh.pdf"}
    flags = {name: (f["DuocSoHoa"], f["DuocTaiSuDung"], f["DuocLayTuKhoDMQG"], f["MaKetQuaThayThe"])
             for name, f in files.items()}
    assert flags == {"Tờ khai.pdf": ("1", "0", "0", ""), "CCCD.pdf": ("0", "1", "1", ""),
                     "Trích lục cũ.pdf": ("0", "2", "0", "KQ123"), "Giấy chứng sinh.pdf": ("0", "0", "0", "")}
    assert files["Tờ khai.pdf"]["MaThanhPhanHoSo"] == "TK"

    [supplement] = ho_so["DanhSachHoSoBoSung"]
    assert supplement["NgayBoSung"] == "20250716100000"
    assert supplement["NgayTiepNhanBoSung"] == "20250717140500"
    assert supplement["NgayHenTraTruoc"] == "20250718170000"
    assert supplement["NgayHenTraMoi"] == "20250721170000"
    assert supplement["NguoiYeuCauBoSung"] == supplement["NguoiTiepNhanBoSung"] == "Trần Thị Tiếp Nhận"
    assert (supplement["NoiDungBoSung"], supplement["TrangThaiBoSung"]) == ("Thiếu giấy chứng sinh", "1")
    assert [f["TenTepDinhKem"] for f in supplement["DanhSachGiayToBoSung"]] == ["Giấy chứng sinh.pdf"]

    [result] = ho_so["DanhSachGiayToKetQua"]
    assert (result["TenGiayTo"], result["MaGiayToKetQua"]) == ("Trích lục khai sinh.pdf", "TLKS")

    steps = payload["tienTrinhDongBo"]
    assert [s["TrangThai"] for s in steps] == ["1", "2", "5"]
    assert all(s["MaHoSo"] == full.code for s in steps)
    accept = steps[1]
    assert accept["NguoiXuLy"] == "Trần Thị Tiếp Nhận"
    assert accept["ChucDanh"] == "Cán bộ tiếp nhận (một cửa)"
    assert accept["ThoiDiemXuLy"] == "20250715090000"
    assert accept["PhongBanXuLy"] == "Sở Tư pháp Thử"
    assert (accept["NgayBatDau"], accept["NgayKetThucTheoQuyDinh"]) == ("20250715083000", "20250715163000")
    assert steps[2]["NoiDungXuLy"] == "Yêu cầu bổ sung hồ sơ: Thiếu bản sao giấy chứng sinh"
    assert steps[0]["ChucDanh"] == "Người nộp hồ sơ" and steps[0]["NgayBatDau"] == ""


def test_labels_stay_vietnamese_whatever_the_request_language(full):
    with translation.override("en"):
        payload = national_sync_payload(full)
    assert payload["tienTrinhDongBo"][1]["ChucDanh"] == "Cán bộ tiếp nhận (một cửa)"


def test_events_limit_the_process_steps(full):
    last = full.events.get(seq=3)
    payload = national_sync_payload(full, events=[last])
    assert [s["TrangThai"] for s in payload["tienTrinhDongBo"]] == ["5"]
    assert payload["tienTrinhDongBo"][0]["PhongBanXuLy"] == "Sở Tư pháp Thử"
    assert national_sync_payload(full, events=[])["tienTrinhDongBo"] == []


def test_refused_dossier_carries_the_refusal_time(world):
    dossier = _dossier(world, code="000.91.60.H61-250715-0002", status=Status.REFUSED, accepted_at=None,
                       due_at=None, finished_at=_at(15, 10, 15))
    _event(dossier, 1, at=_at(15, 8, 30), status=1, action="nop_ho_so", name="Nộp hồ sơ", effect="submit")
    refusal = _event(dossier, 2, at=_at(15, 10, 15), status=3, action="tu_choi", name="Từ chối tiếp nhận",
                     effect="refuse", role="receiving_officer", note="Không thuộc thẩm quyền")
    for events in (None, [refusal]):
        ho_so = national_sync_payload(dossier, events=events)["hoSo"]
        assert ho_so["NgayTuChoi"] == "20250715101500"
        assert ho_so["NgayKetThucXuLy"] == "20250715101500"
        assert ho_so["TrangThaiHoSo"] == "3" and ho_so["NgayTiepNhan"] == ""
    # Only the latest step given: the refusal is read from the rows.
    dossier.refresh_from_db()
    assert national_sync_payload(dossier, events=[])["hoSo"]["NgayTuChoi"] == "20250715101500"


def test_queries_do_not_grow_with_rows(world):
    def count(dossier) -> int:
        dossier = Dossier.objects.select_related(*SYNC_SELECT_RELATED).get(pk=dossier.pk)
        with CaptureQueriesContext(connection) as queries:
            national_sync_payload(dossier)
        return len(queries)

    small, large = (_dossier(world, code=f"000.91.60.H61-250715-00{i}") for i in (10, 11))
    for dossier, rows in ((small, 1), (large, 12)):
        for i in range(rows):
            _event(dossier, i + 1, at=_at(15, 9), status=4, action="x", name="Xử lý", role="specialist",
                   to=world["department"] if i % 2 else world["commune"])
            request = Supplement.objects.create(dossier=dossier, requested_at=_at(16, 9), content="Bổ sung",
                                                requested_by=world["officer"])
            _attachment(dossier, f"tep{i}.pdf", supplement=request)
    assert count(small) == count(large) <= 5, (count(small), count(large))


def test_payload_is_what_the_outbox_can_store(full):
    payload = national_sync_payload(full, events=[full.events.get(seq=1)])
    assert json.loads(json.dumps(payload)) == payload
