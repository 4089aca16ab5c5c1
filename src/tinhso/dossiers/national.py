"""The dossier sync message of the national public-service portal (Cổng DVCQG), both ways.

- **Inbound** (`national_inbound_parse`): the ``{"hoSo": {...}}`` message the portal sends when a
  citizen files there, validated with pydantic and turned into a plain `InboundDossier` for the
  intake service. A malformed message raises `NationalMessageInvalid`, whose `errors` name each
  field (``hoSo.NgayNopHoSo``, ``hoSo.TaiLieuNop.0.NoiDungBase64``) with a Vietnamese message.
- **Outbound** (`national_sync_payload`): the ``{"hoSo": HoSoDongBoDVC, "tienTrinhDongBo":
  [QuaTrinhXuLyDongBoDVC, ...]}`` message built from a Dossier and its rows, as the outbox stores it.

Field names follow regulations.md §7, taken from a working provincial implementation; the official
VPCP specification was not found (docs/modules/dossiers-national.md lists what is unverified). As
in that implementation, every outbound value is a string: codes and flags as "1"/"0", dates as
``yyyyMMddHHmmss`` in Vietnam time (Asia/Ho_Chi_Minh), a missing date as "".
"""

from __future__ import annotations

import functools

import base64
import binascii
import copy
import datetime as dt
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from pydantic_core import PydanticCustomError

from tinhso.dossiers.attachments import AttachmentRejected, InspectedFile, attachment_inspect, size_label
from tinhso.dossiers.errors import DossierError

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
WIRE_FORMAT = "%Y%m%d%H%M%S"

#: What `national_sync_payload` reads through the dossier's foreign keys: select these.
SYNC_SELECT_RELATED = ("procedure__field", "procedure_version", "receiving_agency", "competent_agency")

#: LoaiDoiTuong (as the provincial implementation sends it): 1 công dân, 2 doanh nghiệp,
#: 3 cơ quan nhà nước, 4 tổ chức, khác.
APPLICANT_TYPES = (1, 2, 3, 4)
#: Dossier.applicant_kind → LoaiDoiTuong.
KIND_TO_TYPE = {"citizen": "1", "foreigner": "1", "business": "2", "household": "2"}
#: ProcedureVersion.fees[].kind → LoaiPhiLePhi ("1" phí, "2" lệ phí; unverified, see the docs).
FEE_KIND = {"fee": "1", "phi": "1", "charge": "2", "le_phi": "2", "lephi": "2"}


class NationalMessageInvalid(DossierError):
    """The portal's message is malformed: `errors` (also `details`) = [{"field", "message"}], one
    per problem, `field` the dotted path in the message (``hoSo.TaiLieuNop.0.DuocSoHoa``)."""

    status = 400
    code = "national_message_invalid"

    def __init__(self, errors: list[dict[str, str]]):
        super().__init__(_("Thông điệp hồ sơ từ Cổng Dịch vụ công quốc gia không hợp lệ."), details=errors)
        self.errors = errors


# --- Inbound: the plain result ----------------------------------------------------------------

@dataclass(frozen=True)
class InboundFile:
    """One TaiLieuNop of the message. Field names match services.IncomingFile where they overlap."""

    name: str                       # TenTepDinhKem as sent (made safe when stored)
    data: bytes | None              # NoiDungBase64 decoded; None when only a link was sent
    component_code: str             # MaThanhPhanHoSo
    url: str                        # DuongDanTaiTepTin (never fetched here)
    digitised: bool                 # DuocSoHoa == 1
    reuse: int                      # DuocTaiSuDung: 0, 1 reused, 2 reused replacing a result
    reused: bool                    # reuse != 0 or a MaKetQuaThayThe was given
    from_citizen_store: bool        # DuocLayTuKhoDMQG == 1
    replaced_result_code: str       # MaKetQuaThayThe
    inspected: InspectedFile | None  # attachment_inspect() of `data`, already passed


@dataclass(frozen=True)
class InboundFee:
    """One DanhSachLePhi line."""

    name: str             # TenPhiLePhi
    code: str             # MaPhiLePhi
    amount: int           # Gia, đồng
    kind: str             # LoaiPhiLePhi as sent
    collection_form: str  # HinhThucThu as sent


@dataclass(frozen=True)
class InboundDossier:
    """A dossier filed on the national portal, checked and typed, ready for intake.

    code                    MaHoSo — the dossier code the portal assigned (kept as Dossier.code)
    procedure_code          MaTTHC
    procedure_name          TenTTHC ("" if not sent)
    field_code              MaLinhVuc ("" if not sent)
    channel                 KenhThucHien 1 trực tiếp, 2 trực tuyến, 3 bưu chính (default 2)
    applicant_name          ChuHoSo (NFC, single spaces)
    applicant_id_number     SoGiayToChuHoSo, spaces removed, upper case
    applicant_id_kind       "personal_id" (12 digits), "tax_code" (10/13 digits) or "passport"
    applicant_type          LoaiDoiTuong 1–4 as sent (default 1)
    applicant_kind          Dossier.applicant_kind: "citizen" (1 with a personal id), "foreigner"
                            (1 with a passport), "business" (2, 3, 4, or a tax code)
    applicant_email         Email ("" if not sent)
    applicant_phone         SoDienThoai, separators removed ("" if not sent)
    applicant_address       DiaChi ("" if not sent)
    other_info              ThongTinKhac ("" if not sent); not used as the address
    summary                 TrichYeuHoSo, cut to 500 characters
    submitted_at            NgayNopHoSo, aware (naive times are Vietnam time)
    receiving_agency_code   MaDonViTiepNhan (QCVN 102 code)
    competent_agency_code   DonViXuLy (QCVN 102 code) or None
    files                   TaiLieuNop as a tuple of InboundFile
    fees                    DanhSachLePhi as a tuple of InboundFee
    form_data               DuLieuBieuMau (a JSON object; a JSON string holding one is accepted)
    vneid_authenticated     TaiKhoanDuocXacThucVoiVNeID == 1
    paid_online             DuocThanhToanTrucTuyen 0, 1 (on the portal), 2 (provincial gateway)
    has_digitised_components  HoSoCoThanhPhanSoHoa == 1 or any file with DuocSoHoa == 1
    """

    code: str
    procedure_code: str
    procedure_name: str
    field_code: str
    channel: int
    applicant_name: str
    applicant_id_number: str
    applicant_id_kind: str
    applicant_type: int
    applicant_kind: str
    applicant_email: str
    applicant_phone: str
    applicant_address: str
    other_info: str
    summary: str
    submitted_at: dt.datetime
    receiving_agency_code: str
    competent_agency_code: str | None
    files: tuple[InboundFile, ...] = ()
    fees: tuple[InboundFee, ...] = ()
    form_data: dict[str, Any] = field(default_factory=dict)
    vneid_authenticated: bool = False
    paid_online: int = 0
    has_digitised_components: bool = False


# --- Inbound: validators ----------------------------------------------------------------------

def _fail(message: str) -> PydanticCustomError:
    return PydanticCustomError("tinhso", "{message}", {"message": message})


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise _fail(_("Phải là chuỗi ký tự."))
    text = unicodedata.normalize("NFC", str(value))
    text = "".join(c for c in text if c in "\n\t" or not unicodedata.category(c).startswith("C"))
    return text.strip()


def _line(value: Any) -> str:
    return re.sub(r"\s+", " ", _text(value))


def _required_line(value: Any) -> str:
    text = _line(value)
    if not text:
        raise _fail(_("Không được để trống."))
    return text


def _identifier(value: Any) -> str:
    text = _required_line(value)
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._\-]*", text):
        raise _fail(_("Chỉ gồm chữ cái không dấu, chữ số, dấu chấm, gạch ngang và gạch dưới."))
    return text


ID_PATTERNS = (
    ("personal_id", re.compile(r"\d{12}")),
    ("tax_code", re.compile(r"\d{10}|\d{13}|\d{10}-\d{3}")),
    ("passport", re.compile(r"[A-Z0-9]{6,9}")),
)


def id_kind(number: str) -> str | None:
    """"personal_id", "tax_code", "passport", or None if `number` is none of them."""
    return next((kind for kind, pattern in ID_PATTERNS if pattern.fullmatch(number)), None)


def _id_number(value: Any) -> str:
    text = re.sub(r"\s+", "", _required_line(value)).upper()
    if id_kind(text) is None:
        raise _fail(_("Phải là số định danh cá nhân (12 chữ số), mã số thuế (10 hoặc 13 chữ số) "
                      "hoặc số hộ chiếu (6–9 chữ cái, chữ số)."))
    return text


_QCVN_102 = re.compile(r"[A-Z0-9]{3}\.[A-Z0-9]{2}\.[A-Z0-9]{2}\.[A-Z][0-9]{2}")


def _agency_code(value: Any) -> str:
    text = _required_line(value).upper()
    if not _QCVN_102.fullmatch(text):
        raise _fail(_("Mã cơ quan phải theo QCVN 102:2016/BTTTT, dạng 000.00.00.H61."))
    return text


def _optional_agency_code(value: Any) -> str | None:
    return _agency_code(value) if _line(value) else None


def _email(value: Any) -> str:
    text = _line(value)
    if text:
        try:
            validate_email(text)
        except DjangoValidationError:
            raise _fail(_("Địa chỉ thư điện tử không hợp lệ.")) from None
    return text


def _phone(value: Any) -> str:
    text = re.sub(r"[\s.\-()]", "", _line(value))
    if text and not re.fullmatch(r"\+?[0-9]{8,15}", text):
        raise _fail(_("Số điện thoại chỉ gồm 8–15 chữ số, có thể bắt đầu bằng +."))
    return text


def _url(value: Any) -> str:
    text = _line(value)
    if text:
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise _fail(_("Đường dẫn tệp phải là một địa chỉ http hoặc https."))
    return text


def _summary(value: Any) -> str:
    text = _line(value)
    return text if len(text) <= 500 else text[:499].rstrip() + "…"


def _code(allowed: tuple[int, ...], default: int | None = None) -> BeforeValidator:
    def check(value: Any) -> int:
        if value is None or value == "":
            if default is not None:
                return default
            raise _fail(_("Không được để trống."))
        if (isinstance(value, str) and re.fullmatch(r"\s*\d{1,3}\s*", value)) or (
                isinstance(value, float) and value.is_integer()) or isinstance(value, bool):
            value = int(value)
        if not isinstance(value, int) or value not in allowed:
            values = ", ".join(map(str, allowed))
            raise _fail(_("Giá trị phải là một trong: %(values)s.") % {"values": values})
        return value

    return BeforeValidator(check)


def parse_moment(value: Any) -> dt.datetime:
    """A moment of the national message: ``yyyyMMddHHmmss`` or ISO 8601; naive means Vietnam time.
    Raises ValueError (or TypeError for a value that is neither text nor a number)."""
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, (str, int)) and not isinstance(value, bool):
        text = str(value).strip()
        if re.fullmatch(r"\d{14}", text):
            moment = dt.datetime.strptime(text, WIRE_FORMAT)
        elif re.fullmatch(r"\d{4}-\d{2}-\d{2}([T ].+)?", text):
            moment = dt.datetime.fromisoformat(text)
        else:
            raise ValueError(text)
    else:
        raise TypeError(repr(value))
    if moment.tzinfo is None or moment.utcoffset() is None:
        moment = moment.replace(tzinfo=VIETNAM)
    return moment


def _moment(value: Any) -> dt.datetime:
    if value is None or value == "":
        raise _fail(_("Không được để trống."))
    try:
        return parse_moment(value)
    except (ValueError, TypeError):
        raise _fail(_("Ngày giờ không hợp lệ: dùng dạng yyyyMMddHHmmss (ví dụ 20250715083000) "
                      "hoặc ISO 8601 (2025-07-15T08:30:00+07:00).")) from None


def _base64(value: Any) -> bytes | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _fail(_("Nội dung tệp phải là chuỗi base64."))
    text = re.sub(r"\s+", "", value)
    if text.startswith("data:") and ";base64," in text[:100]:
        text = text.split(",", 1)[1]
    limit = int(settings.TINHSO_ATTACHMENT_MAX_BYTES)
    if len(text) // 4 * 3 > limit + 2:
        raise _fail(_("Tệp vượt quá dung lượng tối đa %(limit)s cho mỗi tệp.") % {"limit": size_label(limit)})
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise _fail(_("Nội dung tệp không phải chuỗi base64 hợp lệ.")) from None
    if not data:
        raise _fail(_("Nội dung tệp rỗng."))
    return data


def _amount(value: Any) -> int:
    if value is None or value == "":
        return 0
    try:
        amount = Decimal("NaN") if isinstance(value, bool) else Decimal(str(value).strip())
    except InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite() or amount < 0 or amount != amount.to_integral_value():
        raise _fail(_("Số tiền phải là số nguyên không âm, tính bằng đồng (ví dụ 50000)."))
    return int(amount)


def _form(value: Any) -> dict[str, Any]:
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise _fail(_("Dữ liệu biểu mẫu phải là một đối tượng JSON.")) from None
    if not isinstance(value, dict):
        raise _fail(_("Dữ liệu biểu mẫu phải là một đối tượng JSON."))
    return value


def _list(value: Any) -> Any:
    return [] if value is None else value


Line = Annotated[str, BeforeValidator(_line)]


class _Model(BaseModel):
    # Unknown fields are ignored: the portal may send more than we read.
    model_config = ConfigDict(extra="ignore", frozen=True)


class TaiLieuNopIn(_Model):
    TenTepDinhKem: Annotated[str, BeforeValidator(_required_line), Field(max_length=255)]
    MaThanhPhanHoSo: Annotated[str, BeforeValidator(_line), Field(max_length=40)] = ""
    DuongDanTaiTepTin: Annotated[str, BeforeValidator(_url), Field(max_length=2000)] = ""
    DuocSoHoa: Annotated[int, _code((0, 1), default=0)] = 0
    DuocTaiSuDung: Annotated[int, _code((0, 1, 2), default=0)] = 0
    DuocLayTuKhoDMQG: Annotated[int, _code((0, 1), default=0)] = 0
    MaKetQuaThayThe: Annotated[str, BeforeValidator(_line), Field(max_length=60)] = ""
    NoiDungBase64: Annotated[bytes | None, BeforeValidator(_base64)] = None


class LePhiIn(_Model):
    TenPhiLePhi: Annotated[str, BeforeValidator(_line), Field(max_length=500)] = ""
    MaPhiLePhi: Annotated[str, BeforeValidator(_line), Field(max_length=60)] = ""
    HinhThucThu: Annotated[str, BeforeValidator(_line), Field(max_length=20)] = ""
    Gia: Annotated[int, BeforeValidator(_amount)] = 0
    LoaiPhiLePhi: Annotated[str, BeforeValidator(_line), Field(max_length=20)] = ""


class HoSoIn(_Model):
    MaHoSo: Annotated[str, BeforeValidator(_identifier), Field(max_length=40)]
    MaTTHC: Annotated[str, BeforeValidator(_identifier), Field(max_length=30)]
    TenTTHC: Annotated[str, BeforeValidator(_line), Field(max_length=500)] = ""
    MaLinhVuc: Annotated[str, BeforeValidator(_line), Field(max_length=20)] = ""
    KenhThucHien: Annotated[int, _code((1, 2, 3), default=2)] = 2
    ChuHoSo: Annotated[str, BeforeValidator(_required_line), Field(max_length=200)]
    SoGiayToChuHoSo: Annotated[str, BeforeValidator(_id_number), Field(max_length=20)]
    LoaiDoiTuong: Annotated[int, _code(APPLICANT_TYPES, default=1)] = 1
    Email: Annotated[str, BeforeValidator(_email), Field(max_length=254)] = ""
    SoDienThoai: Annotated[str, BeforeValidator(_phone), Field(max_length=20)] = ""
    DiaChi: Annotated[str, BeforeValidator(_line), Field(max_length=300)] = ""
    ThongTinKhac: Annotated[str, BeforeValidator(_text), Field(max_length=2000)] = ""
    TrichYeuHoSo: Annotated[str, BeforeValidator(_summary)] = ""
    NgayNopHoSo: Annotated[dt.datetime, BeforeValidator(_moment)]
    MaDonViTiepNhan: Annotated[str, BeforeValidator(_agency_code)]
    DonViXuLy: Annotated[str | None, BeforeValidator(_optional_agency_code)] = None
    TaiLieuNop: Annotated[list[TaiLieuNopIn], BeforeValidator(_list), Field(max_length=100)] = []
    DanhSachLePhi: Annotated[list[LePhiIn], BeforeValidator(_list), Field(max_length=50)] = []
    DuLieuBieuMau: Annotated[dict[str, Any], BeforeValidator(_form)] = {}
    HoSoCoThanhPhanSoHoa: Annotated[int, _code((0, 1), default=0)] = 0
    TaiKhoanDuocXacThucVoiVNeID: Annotated[int, _code((0, 1), default=0)] = 0
    DuocThanhToanTrucTuyen: Annotated[int, _code((0, 1, 2), default=0)] = 0


class MessageIn(_Model):
    hoSo: HoSoIn


def _error_message(error: dict[str, Any]) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "tinhso":
        return str(ctx["message"])
    if kind == "missing":
        return _("Thiếu trường bắt buộc.")
    if kind == "string_too_long":
        return _("Dài quá %(max)s ký tự.") % {"max": ctx.get("max_length")}
    if kind == "too_long":
        return _("Danh sách có nhiều hơn %(max)s phần tử.") % {"max": ctx.get("max_length")}
    if kind in ("list_type", "tuple_type"):
        return _("Phải là một danh sách (mảng JSON).")
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return _("Phải là một đối tượng JSON.")
    if kind == "string_type":
        return _("Phải là chuỗi ký tự.")
    return _("Giá trị không hợp lệ.")


def _field_path(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc) or "hoSo"


def _applicant_kind(applicant_type: int, number: str) -> str:
    kind = id_kind(number)
    if applicant_type != 1 or kind == "tax_code":
        return "business"
    return "foreigner" if kind == "passport" else "citizen"


def national_inbound_parse(payload: Any) -> InboundDossier:
    """Check the portal's ``{"hoSo": {...}}`` message and return it typed; NationalMessageInvalid
    (a 400) naming every malformed field otherwise. File contents (NoiDungBase64) are inspected
    with attachment_inspect here, so a refused file is reported at its own field."""
    if not isinstance(payload, dict):
        raise NationalMessageInvalid([{"field": "hoSo", "message": _(
            "Thông điệp phải là một đối tượng JSON có trường hoSo.")}])
    try:
        message = MessageIn.model_validate(payload)
    except ValidationError as exc:
        raise NationalMessageInvalid([
            {"field": _field_path(err["loc"]), "message": _error_message(err)} for err in exc.errors()
        ]) from None

    ho_so = message.hoSo
    problems: list[dict[str, str]] = []
    files: list[InboundFile] = []
    for i, item in enumerate(ho_so.TaiLieuNop):
        inspected = None
        if item.NoiDungBase64 is not None:
            try:
                inspected = attachment_inspect(name=item.TenTepDinhKem, data=item.NoiDungBase64)
            except AttachmentRejected as exc:
                problems.append({"field": f"hoSo.TaiLieuNop.{i}.NoiDungBase64", "message": exc.message,
                                 "code": exc.code})
        elif not item.DuongDanTaiTepTin:
            problems.append({"field": f"hoSo.TaiLieuNop.{i}", "message": _(
                "Cần nội dung tệp (NoiDungBase64) hoặc đường dẫn tải tệp (DuongDanTaiTepTin).")})
        files.append(InboundFile(
            name=item.TenTepDinhKem, data=item.NoiDungBase64, component_code=item.MaThanhPhanHoSo,
            url=item.DuongDanTaiTepTin, digitised=item.DuocSoHoa == 1, reuse=item.DuocTaiSuDung,
            reused=item.DuocTaiSuDung != 0 or bool(item.MaKetQuaThayThe),
            from_citizen_store=item.DuocLayTuKhoDMQG == 1, replaced_result_code=item.MaKetQuaThayThe,
            inspected=inspected,
        ))
    if problems:
        raise NationalMessageInvalid(problems)

    return InboundDossier(
        code=ho_so.MaHoSo, procedure_code=ho_so.MaTTHC, procedure_name=ho_so.TenTTHC,
        field_code=ho_so.MaLinhVuc, channel=ho_so.KenhThucHien,
        applicant_name=ho_so.ChuHoSo, applicant_id_number=ho_so.SoGiayToChuHoSo,
        applicant_id_kind=id_kind(ho_so.SoGiayToChuHoSo) or "", applicant_type=ho_so.LoaiDoiTuong,
        applicant_kind=_applicant_kind(ho_so.LoaiDoiTuong, ho_so.SoGiayToChuHoSo),
        applicant_email=ho_so.Email, applicant_phone=ho_so.SoDienThoai, applicant_address=ho_so.DiaChi,
        other_info=ho_so.ThongTinKhac, summary=ho_so.TrichYeuHoSo, submitted_at=ho_so.NgayNopHoSo,
        receiving_agency_code=ho_so.MaDonViTiepNhan, competent_agency_code=ho_so.DonViXuLy,
        files=tuple(files),
        fees=tuple(InboundFee(name=f.TenPhiLePhi, code=f.MaPhiLePhi, amount=f.Gia, kind=f.LoaiPhiLePhi,
                              collection_form=f.HinhThucThu) for f in ho_so.DanhSachLePhi),
        form_data=dict(ho_so.DuLieuBieuMau), vneid_authenticated=ho_so.TaiKhoanDuocXacThucVoiVNeID == 1,
        paid_online=ho_so.DuocThanhToanTrucTuyen,
        has_digitised_components=ho_so.HoSoCoThanhPhanSoHoa == 1 or any(f.digitised for f in files),
    )


def example_pdf(text: str = "tinhso") -> bytes:
    """A small, well-formed one-page PDF (for the example message and tests)."""
    stream = f"BT /F1 12 Tf 20 100 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


_EXAMPLE: dict[str, Any] = {
    "hoSo": {
        "MaHoSo": "000.91.60.H61-250715-0001",
        "MaTTHC": "1.001193",
        "TenTTHC": "Đăng ký khai sinh",
        "MaLinhVuc": "HT",
        "KenhThucHien": "2",
        "ChuHoSo": "Nguyễn Văn An",
        "SoGiayToChuHoSo": "086085000123",
        "LoaiDoiTuong": "1",
        "Email": "nguyenvanan@example.vn",
        "SoDienThoai": "0912 345 678",
        "DiaChi": "Ấp Phú Hòa, xã Phú Túc, tỉnh Vĩnh Long",
        "TrichYeuHoSo": "Đăng ký khai sinh cho con Nguyễn Văn Bình",
        "NgayNopHoSo": "20250715083000",
        "MaDonViTiepNhan": "000.91.60.H61",
        "DonViXuLy": "000.91.60.H61",
        "TaiLieuNop": [
            {
                "TenTepDinhKem": "Tờ khai đăng ký khai sinh.pdf",
                "MaThanhPhanHoSo": "TK",
                "DuongDanTaiTepTin": "https://dichvucong.gov.vn/p/home/dvc-tai-file.html?id=example",
                "DuocSoHoa": "1",
                "DuocTaiSuDung": "0",
                "DuocLayTuKhoDMQG": "0",
                "MaKetQuaThayThe": "",
                "NoiDungBase64": base64.b64encode(example_pdf("To khai")).decode("ascii"),
            },
            {
                "TenTepDinhKem": "Giấy chứng sinh.pdf",
                "MaThanhPhanHoSo": "GCS",
                "DuongDanTaiTepTin": "https://dichvucong.gov.vn/p/home/dvc-tai-file.html?id=example-2",
                "DuocSoHoa": "1",
                "DuocTaiSuDung": "1",
                "DuocLayTuKhoDMQG": "1",
                "MaKetQuaThayThe": "",
            },
        ],
        "DanhSachLePhi": [],
        "DuLieuBieuMau": {"ho_ten_tre": "Nguyễn Văn Bình", "ngay_sinh": "2025-07-01", "gioi_tinh": "Nam"},
        "TaiKhoanDuocXacThucVoiVNeID": "1",
        "DuocThanhToanTrucTuyen": "0",
    }
}


def national_inbound_example() -> dict[str, Any]:
    """A valid inbound message (a birth registration filed on the portal); a fresh copy each call."""
    return copy.deepcopy(_EXAMPLE)


# --- Outbound ---------------------------------------------------------------------------------

def wire_moment(moment: dt.datetime | None) -> str:
    """``yyyyMMddHHmmss`` in Vietnam time; "" for None."""
    if moment is None:
        return ""
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=VIETNAM)
    return moment.astimezone(VIETNAM).strftime(WIRE_FORMAT)


def _flag(value: Any) -> str:
    return "1" if value else "0"


def _rows(instance: Any, name: str, queryset) -> list:
    cache = getattr(instance, "_prefetched_objects_cache", {})
    return list(cache[name]) if name in cache else list(queryset)


def _file_url(attachment) -> str:
    template = getattr(settings, "TINHSO_NATIONAL_FILE_URL", "")
    return template.format(id=attachment.pk, sha256=attachment.sha256) if template else ""


def _tai_lieu(attachment) -> dict[str, str]:
    reuse = "2" if attachment.replaced_result_code else _flag(attachment.reused)
    return {
        "TepDinhKemId": str(attachment.pk),
        "TenTepDinhKem": attachment.name,
        "IsDeleted": "0",
        "MaThanhPhanHoSo": attachment.component_code,
        "DuongDanTaiTepTin": _file_url(attachment),
        "DuocSoHoa": _flag(attachment.digitised),
        "DuocTaiSuDung": reuse,
        "DuocLayTuKhoDMQG": _flag(attachment.from_citizen_store),
        "MaKetQuaThayThe": attachment.replaced_result_code,
    }


def _fee(fee: dict[str, Any]) -> dict[str, str]:
    try:
        amount = int(Decimal(str(fee.get("amount") or 0)))
    except (InvalidOperation, ValueError):
        amount = 0
    return {
        "TenPhiLePhi": str(fee.get("name") or ""),
        "MaPhiLePhi": str(fee.get("code") or ""),
        "HinhThucThu": "",
        "Gia": str(amount),
        "LoaiPhiLePhi": FEE_KIND.get(str(fee.get("kind") or "").lower(), ""),
    }


@functools.lru_cache(maxsize=8)
def _role_labels(language: str) -> dict[str, str]:
    from tinhso.accounts.models import Role
    from tinhso.catalog.workflow import APPLICANT, SYSTEM

    labels = {value: str(label) for value, label in Role.choices}
    labels[SYSTEM] = _("Hệ thống kết nối")
    labels[APPLICANT] = _("Người nộp hồ sơ")
    return labels


def _role_label(role: str) -> str:
    # Every outbox message names the actor's role: the labels are built once per language.
    return _role_labels(translation.get_language() or "vi").get(role, role)


def _cut(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1].rstrip() + "…"


def national_sync_payload(dossier, *, events: Iterable | None = None) -> dict[str, Any]:
    """The sync message of `dossier` for the national portal: {"hoSo", "tienTrinhDongBo"}.

    `events` limits the process steps to those rows (the outbox sends one message per status change
    with its own step); by default every event of the dossier, in order. Reads the dossier's
    attachments, supplements and (for labels) events' agencies and users in a fixed number of
    queries; select SYNC_SELECT_RELATED on the dossier, or prefetch "attachments", "supplements",
    "events", to save more. Every value is a string, list or dict: the result is JSON-ready.
    """
    from tinhso.accounts.models import User
    from tinhso.core.models import Agency
    from tinhso.dossiers.models import Attachment, DossierEvent, Status, Supplement

    with translation.override("vi"):
        version = dossier.procedure_version
        procedure = dossier.procedure
        field_row = procedure.field
        attachments = _rows(dossier, "attachments",
                            Attachment.objects.filter(dossier=dossier).order_by("uploaded_at", "pk"))
        supplements = _rows(dossier, "supplements",
                            Supplement.objects.filter(dossier=dossier).order_by("requested_at", "pk"))
        if events is None:
            steps = _rows(dossier, "events", DossierEvent.objects.filter(dossier=dossier)
                          .select_related("to_agency").order_by("seq"))
        else:
            steps = list(events)
        steps.sort(key=lambda e: e.seq)

        to_agency_field = DossierEvent._meta.get_field("to_agency")
        missing = {e.to_agency_id for e in steps if not to_agency_field.is_cached(e)}
        agency_names = (dict(Agency.objects.filter(pk__in=missing).values_list("pk", "name"))
                        if missing else {})
        user_ids = {s.requested_by_id for s in supplements} | {s.received_by_id for s in supplements}
        user_ids.discard(None)
        user_names = {pk: full or username for pk, full, username in
                      User.objects.filter(pk__in=user_ids).values_list("pk", "full_name", "username")
                      } if user_ids else {}

        refused_at = next((e.at for e in reversed(steps) if e.effect == "refuse"), None)
        if refused_at is None and dossier.status == Status.REFUSED:
            refused_at = (DossierEvent.objects.filter(dossier=dossier, effect="refuse").order_by("-seq")
                          .values_list("at", flat=True).first())

        by_supplement: dict[int, list] = {}
        for attachment in attachments:
            if attachment.supplement_id is not None:
                by_supplement.setdefault(attachment.supplement_id, []).append(attachment)
        submitted = [a for a in attachments if not a.is_result]
        results = [a for a in attachments if a.is_result]
        result_codes = [r.get("code", "") for r in (version.results or []) if isinstance(r, dict)]

        ho_so = {
            "MaHoSo": dossier.code,
            "MaTTHC": procedure.code,
            "TenTTHC": version.name,
            "MaLinhVuc": field_row.code,
            "TenLinhVuc": field_row.name,
            "KenhThucHien": str(dossier.channel),
            "SoGiayToChuHoSo": dossier.applicant_id_number,
            "ChuHoSo": dossier.applicant_name,
            "LoaiDoiTuong": KIND_TO_TYPE.get(dossier.applicant_kind, "1"),
            "ThongTinKhac": "",
            "Email": dossier.applicant_email,
            "Fax": "",
            "SoDienThoai": dossier.applicant_phone,
            "TrichYeuHoSo": _cut(dossier.summary or version.name, 1000),
            "NgayNopHoSo": wire_moment(dossier.submitted_at),
            "NgayTiepNhan": wire_moment(dossier.accepted_at),
            "NgayHenTra": wire_moment(dossier.due_at),
            "TrangThaiHoSo": str(dossier.status),
            "NgayTra": wire_moment(dossier.returned_at),
            "ThongTinTra": "",
            "NgayKetThucXuLy": wire_moment(dossier.finished_at),
            "NgayTuChoi": wire_moment(refused_at),
            "MaDonViTiepNhan": dossier.receiving_agency.code,
            "DonViXuLy": dossier.competent_agency.code,
            "GhiChu": "",
            "TaiLieuNop": [_tai_lieu(a) for a in submitted],
            "DanhSachLePhi": [_fee(f) for f in (version.fees or []) if isinstance(f, dict)],
            "DanhSachTepDinhKemKhac": [],
            "DanhSachHoSoBoSung": [{
                "HoSoBoSungId": str(s.pk),
                "NguoiYeuCauBoSung": user_names.get(s.requested_by_id, ""),
                "NoiDungBoSung": s.content,
                "NgayBoSung": wire_moment(s.requested_at),
                "NguoiTiepNhanBoSung": user_names.get(s.received_by_id, ""),
                "ThongTinTiepNhan": s.answer,
                "NgayTiepNhanBoSung": wire_moment(s.received_at),
                "TrangThaiBoSung": _flag(s.received_at is not None),
                "DanhSachGiayToBoSung": [_tai_lieu(a) for a in by_supplement.get(s.pk, [])],
                "DanhSachLePhiBoSung": [],
                "NgayHenTraTruoc": wire_moment(s.due_at_before),
                "NgayHenTraMoi": wire_moment(s.due_at_after),
            } for s in supplements],
            "DanhSachGiayToKetQua": [{
                "TenGiayTo": a.name,
                "MaThanhPhanHoSo": a.component_code,
                "GiayToId": str(a.pk),
                "DuongDanTepTinKetQua": _file_url(a),
                "MaGiayToKetQua": a.component_code or (result_codes[0] if result_codes else ""),
            } for a in results],
            "HoSoCoThanhPhanSoHoa": _flag(dossier.has_digitised_components
                                          or any(a.digitised for a in submitted)),
            "TaiKhoanDuocXacThucVoiVNeID": _flag(dossier.vneid_authenticated),
            "DuocThanhToanTrucTuyen": str(dossier.paid_online),
            "DinhDanhCHS": ([{"LoaiDinhDanh": "1", "SoDinhDanh": dossier.applicant_id_number}]
                            if id_kind(dossier.applicant_id_number) == "personal_id" else []),
            "DSKetNoiCSDL": [],
        }

        steps_out = []
        for event in steps:
            agency_name = event.to_agency.name if to_agency_field.is_cached(event) else agency_names.get(
                event.to_agency_id, "")
            role = _role_label(event.actor_role) if event.actor_role else ""
            content = str(event.action_name) + (f": {event.note.strip()}" if event.note.strip() else "")
            steps_out.append({
                "MaHoSo": dossier.code,
                "NguoiXuLy": _cut(event.actor_name or role or _("Hệ thống"), 50),
                "ChucDanh": role,
                "ThoiDiemXuLy": wire_moment(event.at),
                "PhongBanXuLy": agency_name,
                "NoiDungXuLy": content,
                "TrangThai": str(event.status),
                "NgayBatDau": wire_moment(event.state_entered_at),
                "NgayKetThucTheoQuyDinh": wire_moment(event.state_due_at),
            })
    return {"hoSo": ho_so, "tienTrinhDongBo": steps_out}


#: hoSo fields a status update carries (the rest of the message — files, fees, supplements —
#: changes only with the events that carry a full message).
STATUS_FIELDS = ("MaHoSo", "MaTTHC", "KenhThucHien", "NgayTiepNhan", "NgayHenTra", "TrangThaiHoSo", "NgayTra",
                 "NgayKetThucXuLy", "NgayTuChoi", "MaDonViTiepNhan", "DonViXuLy")


def national_status_payload(dossier, event, *, procedure_code: str, receiving_code: str, competent_code: str,
                            to_agency_name: str) -> dict[str, Any]:
    """A status update in the sync shape: the status fields of hoSo and this one process step.

    The national interfaces seen separate a full dossier sync from status and progress updates
    (CapNhatTrangThai / CapNhatTienTrinh, regulations.md §7); a step that changes no document is
    sent as the latter. Built from values the caller already holds: no query."""
    with translation.override("vi"):
        role = _role_label(event.actor_role) if event.actor_role else ""
        content = str(event.action_name) + (f": {event.note.strip()}" if event.note.strip() else "")
        ho_so = {
            "MaHoSo": dossier.code,
            "MaTTHC": procedure_code,
            "KenhThucHien": str(dossier.channel),
            "NgayTiepNhan": wire_moment(dossier.accepted_at),
            "NgayHenTra": wire_moment(dossier.due_at),
            "TrangThaiHoSo": str(event.status),
            "NgayTra": wire_moment(dossier.returned_at),
            "NgayKetThucXuLy": wire_moment(dossier.finished_at),
            "NgayTuChoi": wire_moment(event.at if event.effect == "refuse" else None),
            "MaDonViTiepNhan": receiving_code,
            "DonViXuLy": competent_code,
        }
        step = {
            "MaHoSo": dossier.code,
            "NguoiXuLy": _cut(event.actor_name or role or _("Hệ thống"), 50),
            "ChucDanh": role,
            "ThoiDiemXuLy": wire_moment(event.at),
            "PhongBanXuLy": to_agency_name,
            "NoiDungXuLy": content,
            "TrangThai": str(event.status),
            "NgayBatDau": wire_moment(event.state_entered_at),
            "NgayKetThucTheoQuyDinh": wire_moment(event.state_due_at),
        }
    return {"hoSo": ho_so, "tienTrinhDongBo": [step]}
