"""Identifiers people log in with: the personal identification number and the tax code.

Personal identification number (số định danh cá nhân), 12 digits — Decree 137/2015/NĐ-CP Art. 13;
code tables in the annexes of the Ministry of Public Security's circular (07/2016/TT-BCA, then
59/2021/TT-BCA). The Law on Identification 26/2023/QH15 (Art. 12, from 1 July 2024) keeps the
12-digit number; numbers already issued keep their structure:

    PPP  code of the province (or country) where the birth was registered
    G    century of birth and gender: 0/1 = 1900s male/female, 2/3 = 2000s, 4/5 = 2100s,
         6/7 = 2200s, 8/9 = 2300s
    YY   last two digits of the year of birth
    RRRRRR  random

There is no check digit. Tax code (mã số thuế): 10 digits whose 10th is a check digit, or 10 digits,
"-" and 3 digits for a dependent unit (đơn vị phụ thuộc). From 1 July 2025 an individual's or a
household business's tax code is their personal identification number (Law on Tax Administration
38/2019/QH14 Art. 35(7); Circular 86/2024/TT-BTC Art. 7). See docs/modules/accounts.md for what was
and was not verified.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The 63 provinces before 1 July 2025, with the codes used in personal identification numbers
# (Annex I of Circular 07/2016/TT-BCA, carried into Circular 59/2021/TT-BCA). The numbers stay valid
# after the 2025 mergers, so this table is frozen: do not replace it with the 34 new provinces.
BIRTH_PROVINCE_CODES: dict[str, str] = {
    "001": "Hà Nội", "002": "Hà Giang", "004": "Cao Bằng", "006": "Bắc Kạn", "008": "Tuyên Quang",
    "010": "Lào Cai", "011": "Điện Biên", "012": "Lai Châu", "014": "Sơn La", "015": "Yên Bái",
    "017": "Hòa Bình", "019": "Thái Nguyên", "020": "Lạng Sơn", "022": "Quảng Ninh", "024": "Bắc Giang",
    "025": "Phú Thọ", "026": "Vĩnh Phúc", "027": "Bắc Ninh", "030": "Hải Dương", "031": "Hải Phòng",
    "033": "Hưng Yên", "034": "Thái Bình", "035": "Hà Nam", "036": "Nam Định", "037": "Ninh Bình",
    "038": "Thanh Hóa", "040": "Nghệ An", "042": "Hà Tĩnh", "044": "Quảng Bình", "045": "Quảng Trị",
    "046": "Thừa Thiên Huế", "048": "Đà Nẵng", "049": "Quảng Nam", "051": "Quảng Ngãi", "052": "Bình Định",
    "054": "Phú Yên", "056": "Khánh Hòa", "058": "Ninh Thuận", "060": "Bình Thuận", "062": "Kon Tum",
    "064": "Gia Lai", "066": "Đắk Lắk", "067": "Đắk Nông", "068": "Lâm Đồng", "070": "Bình Phước",
    "072": "Tây Ninh", "074": "Bình Dương", "075": "Đồng Nai", "077": "Bà Rịa - Vũng Tàu",
    "079": "Hồ Chí Minh", "080": "Long An", "082": "Tiền Giang", "083": "Bến Tre", "084": "Trà Vinh",
    "086": "Vĩnh Long", "087": "Đồng Tháp", "089": "An Giang", "091": "Kiên Giang", "092": "Cần Thơ",
    "093": "Hậu Giang", "094": "Sóc Trăng", "095": "Bạc Liêu", "096": "Cà Mau",
}

# Nobody alive was born more than this many years ago; an older year is a typing error.
MAX_AGE_YEARS = 120

_SPACES = re.compile(r"[\s.]+")


@dataclass(frozen=True)
class PersonalId:
    number: str
    birth_province_code: str
    birth_province_name: str
    birth_year: int
    gender: str  # "male" | "female"


def _compact(value: str) -> str:
    # People copy numbers written in groups ("086 090 000 123"); spaces and dots carry no meaning.
    return _SPACES.sub("", value or "")


def personal_id_parse(value: str, *, today: dt.date | None = None) -> PersonalId:
    """Check a personal identification number and say what it encodes. Raises ValidationError
    with a message that names what is wrong."""
    number = _compact(value)
    if not number.isascii() or not number.isdigit():
        raise ValidationError(
            _("Số định danh chỉ gồm chữ số, không có chữ cái hay ký hiệu."), code="personal_id_not_digits"
        )
    if len(number) != 12:
        raise ValidationError(
            _("Số định danh phải gồm đúng 12 chữ số (số bạn nhập có %(count)d chữ số)."),
            code="personal_id_length", params={"count": len(number)},
        )
    province = number[:3]
    if province not in BIRTH_PROVINCE_CODES:
        raise ValidationError(
            _("Mã tỉnh nơi đăng ký khai sinh %(code)s không tồn tại (3 chữ số đầu của số định danh)."),
            code="personal_id_province", params={"code": province},
        )
    century_gender = int(number[3])
    birth_year = 1900 + 100 * (century_gender // 2) + int(number[4:6])
    today = today or timezone.localdate()
    if birth_year > today.year:
        raise ValidationError(
            _("Chữ số thứ 4 và năm sinh (chữ số thứ 5, 6) cho năm sinh %(year)d, là năm chưa đến. "
              "Hãy kiểm tra lại số định danh."),
            code="personal_id_future", params={"year": birth_year},
        )
    if birth_year < today.year - MAX_AGE_YEARS:
        raise ValidationError(
            _("Năm sinh %(year)d không hợp lý (quá %(max)d tuổi). Hãy kiểm tra lại số định danh."),
            code="personal_id_too_old", params={"year": birth_year, "max": MAX_AGE_YEARS},
        )
    return PersonalId(
        number=number,
        birth_province_code=province,
        birth_province_name=BIRTH_PROVINCE_CODES[province],
        birth_year=birth_year,
        gender="female" if century_gender % 2 else "male",
    )


def validate_personal_id(value: str) -> None:
    """Model and form field validator."""
    personal_id_parse(value)


# --- Tax code ------------------------------------------------------------------------------

# Weights of the check digit over the first nine digits. The legal texts define the structure but
# do not publish the algorithm; this one (as in python-stdnum's vn.mst) agrees with every published
# tax code we checked (tests/accounts/test_identifiers.py).
_TAX_CODE_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)
_TAX_CODE_RE = re.compile(r"^(\d{10})(?:-?(\d{3}))?$")


@dataclass(frozen=True)
class TaxCode:
    number: str  # canonical: "0123456789", "0123456789-001" or a 12-digit personal id
    kind: str  # "organisation" | "dependent_unit" | "individual"
    parent: str = ""  # the managing unit's 10-digit code, for a dependent unit


def tax_code_check_digit(first_nine: str) -> int | None:
    """The 10th digit for nine digits, or None when no digit fits (such codes are never issued)."""
    remainder = sum(w * int(d) for w, d in zip(_TAX_CODE_WEIGHTS, first_nine, strict=True)) % 11
    digit = 10 - remainder
    return digit if digit < 10 else None


def tax_code_parse(value: str, *, today: dt.date | None = None) -> TaxCode:
    number = _compact(value)
    if len(number) == 12 and number.isascii() and number.isdigit():
        # Law on Tax Administration Art. 35(7), Circular 86/2024/TT-BTC: the personal id is the tax code.
        return TaxCode(number=personal_id_parse(number, today=today).number, kind="individual")
    match = _TAX_CODE_RE.match(number) if number.isascii() else None
    if match is None:
        raise ValidationError(
            _("Mã số thuế gồm 10 chữ số; đơn vị phụ thuộc thêm dấu gạch ngang và 3 chữ số "
              "(ví dụ 0312345678-001); cá nhân, hộ kinh doanh dùng số định danh 12 chữ số."),
            code="tax_code_format",
        )
    main, suffix = match.groups()
    if tax_code_check_digit(main[:9]) != int(main[9]):
        raise ValidationError(
            _("Mã số thuế %(code)s có chữ số kiểm tra (chữ số thứ 10) không khớp — có thể đã gõ nhầm một "
              "chữ số."),
            code="tax_code_check_digit", params={"code": main},
        )
    if suffix is None:
        return TaxCode(number=main, kind="organisation")
    if suffix == "000":
        raise ValidationError(
            _("Ba chữ số của đơn vị phụ thuộc phải từ 001 đến 999."), code="tax_code_suffix"
        )
    return TaxCode(number=f"{main}-{suffix}", kind="dependent_unit", parent=main)


def validate_tax_code(value: str) -> None:
    tax_code_parse(value)


# --- Phone ---------------------------------------------------------------------------------

_PHONE_RE = re.compile(r"^0[35789]\d{8}$")


def phone_normalize(value: str) -> str:
    """A Vietnamese mobile number as 10 digits starting with 0 ("+84 912 345 678" → "0912345678").
    Empty stays empty: a phone number is optional."""
    number = re.sub(r"[\s.\-()]", "", value or "")
    if not number:
        return ""
    if number.startswith("+84"):
        number = "0" + number[3:]
    elif number.startswith("84") and len(number) == 11:
        number = "0" + number[2:]
    if not _PHONE_RE.match(number):
        raise ValidationError(
            _("Số điện thoại di động gồm 10 chữ số, bắt đầu bằng 03, 05, 07, 08 hoặc 09 (ví dụ 0912345678)."),
            code="phone_format",
        )
    return number
