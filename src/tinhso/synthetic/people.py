"""Synthetic people: Vietnamese names, personal identification numbers, phones, addresses, firms.

Nobody here is a real person. Names are drawn from the commonest family names (weighted roughly
by their frequency), middle and given names; personal ids follow the structure of Decree
137/2015/NĐ-CP Art. 13 (accounts.validators: birth-province code, century and sex digit, year of
birth, six random digits) and pass `personal_id_parse`; tax codes carry the check digit of
accounts.validators. Phone numbers are random ten-digit numbers in the mobile ranges the
validators accept: they may exist, so nothing generated is ever sent a message (the generator
writes no outbox rows, which is what the notifications read).
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random

from tinhso.accounts.validators import tax_code_check_digit

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
          "Hồ", "Ngô", "Dương", "Lý", "Trương", "Đinh", "Lâm", "Châu"]
FAMILY_WEIGHTS = [38, 11, 9, 7, 5, 5, 4, 4, 4, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1]
MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thanh", "Quốc", "Hoài", "Kim", "Công", "Thị Thu",
          "Văn Tuấn", "Thị Ngọc", "Gia", "Bảo"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hoa", "Hùng", "Hương",
         "Khánh", "Lan", "Linh", "Long", "Mai", "Nam", "Nga", "Ngọc", "Nhung", "Phong", "Phúc", "Quân",
         "Quang", "Sơn", "Tâm", "Thảo", "Thành", "Thu", "Trang", "Trung", "Tuấn", "Vân", "Vinh", "Yến",
         "Đạt", "Duy", "Huy", "Khoa", "Lộc", "Nhân", "Tài", "Thắng", "Thủy", "Tiến", "Trí", "Uyên"]
HAMLETS = ["Ấp Phú Thạnh", "Ấp Phú Lợi", "Ấp Giồng Trôm", "Ấp Bến Đình", "Ấp Tân Hòa", "Ấp An Hội",
           "Ấp Long Thới", "Ấp Mỹ Thuận"]

# Names that agree with the sex digit of the personal id.
MIDDLE_MALE = ["Văn", "Hữu", "Đức", "Minh", "Quốc", "Công", "Văn Tuấn", "Thanh", "Gia", "Bảo", "Hoài"]
MIDDLE_FEMALE = ["Thị", "Ngọc", "Thị Thu", "Thị Ngọc", "Kim", "Thanh", "Thu", "Bảo", "Hoài"]
GIVEN_MALE = ["An", "Bình", "Cường", "Dũng", "Hải", "Hiếu", "Hùng", "Khánh", "Long", "Nam", "Phong", "Phúc",
              "Quân", "Quang", "Sơn", "Tâm", "Thành", "Trung", "Tuấn", "Vinh", "Đạt", "Duy", "Huy", "Khoa",
              "Lộc", "Nhân", "Tài", "Thắng", "Tiến", "Trí"]
GIVEN_FEMALE = ["Giang", "Hà", "Hạnh", "Hoa", "Hương", "Lan", "Linh", "Mai", "Nga", "Ngọc", "Nhung", "Thảo",
                "Thu", "Trang", "Vân", "Yến", "Thủy", "Uyên", "Tâm", "An"]
HAMLET_WORDS = ["Phú Thạnh", "Phú Lợi", "Giồng Trôm", "Bến Đình", "Tân Hòa", "An Hội", "Long Thới", "Mỹ Thuận",
                "Thới Lai", "Bình Đông", "Hòa Lợi", "Tân Xuân", "Vĩnh Phước", "Phước Hậu", "Cầu Ván", "Xóm Mới"]
FIRM_KINDS = ["Công ty TNHH", "Công ty TNHH MTV", "Công ty Cổ phần", "Doanh nghiệp tư nhân"]
FIRM_TRADES = ["Thương mại Dịch vụ", "Xây dựng", "Nông sản", "Thủy sản", "Vận tải", "Chế biến Dừa",
               "Du lịch", "Cơ khí", "Thực phẩm", "Dược phẩm", "Kỹ thuật Điện", "Giáo dục"]
FIRM_NAMES = ["Phú An", "Minh Phát", "Tân Thành", "Mekong Xanh", "Hòa Bình", "Cửu Long", "Đại Lộc", "Sao Mai",
              "Thuận Phát", "Bến Tre Xanh", "An Khang", "Trường Thịnh", "Vĩnh Tiến", "Kim Ngân"]
#: Mobile prefixes (03x, 05x, 07x, 08x, 09x: accounts.validators.phone_normalize).
MOBILE_PREFIXES = ["090", "091", "093", "094", "096", "097", "098", "032", "033", "034", "035", "036",
                   "037", "038", "039", "070", "076", "077", "078", "079", "081", "082", "083", "084",
                   "085", "056", "058"]


def person_name(rng: random.Random) -> str:
    return f"{rng.choices(FAMILY, FAMILY_WEIGHTS)[0]} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def person(rng: random.Random) -> tuple[str, bool]:
    """A full name and whether the person is a woman (the name agrees with the sex)."""
    r = rng.random
    female = r() < 0.5
    middle, given = (MIDDLE_FEMALE, GIVEN_FEMALE) if female else (MIDDLE_MALE, GIVEN_MALE)
    family = FAMILY[bisect.bisect_right(_FAMILY_CUM, r() * _FAMILY_CUM[-1])]
    return f"{family} {middle[int(r() * len(middle))]} {given[int(r() * len(given))]}", female


def personal_id(rng: random.Random, *, codes: tuple[str, ...] = ("086",), female: bool | None = None,
                today: dt.date | None = None, min_age: int = 18, max_age: int = 80) -> str:
    """A 12-digit personal identification number that `accounts.validators.personal_id_parse`
    accepts: a birth-province code from `codes`, the century and sex digit, the year of birth
    (between `max_age` and `min_age` years ago) and six random digits."""
    r = rng.random
    year = (today or dt.date.today()).year - min_age - int(r() * (max_age - min_age + 1))
    if female is None:
        female = r() < 0.5
    century = (year // 100 - 19) * 2 + int(female)
    return f"{codes[int(r() * len(codes))]}{century}{year % 100:02d}{int(r() * 1_000_000):06d}"


def tax_code(rng: random.Random) -> str:
    """A 10-digit enterprise tax code with a valid check digit (codes of this province's firms
    start with the province's own prefix in reality; ours are random)."""
    while True:
        first = f"{rng.choice('0123456789')}{rng.randrange(10 ** 8):08d}"
        digit = tax_code_check_digit(first)
        if digit is not None:
            return f"{first}{digit}"


def firm_name(rng: random.Random) -> str:
    return f"{rng.choice(FIRM_KINDS)} {rng.choice(FIRM_TRADES)} {rng.choice(FIRM_NAMES)}"


def phone(rng: random.Random) -> str:
    r = rng.random
    return f"{MOBILE_PREFIXES[int(r() * len(MOBILE_PREFIXES))]}{int(r() * 10_000_000):07d}"


def hamlet(rng: random.Random) -> str:
    return _HAMLETS_FULL[int(rng.random() * len(_HAMLETS_FULL))]


_FAMILY_CUM = list(itertools.accumulate(FAMILY_WEIGHTS))
_HAMLETS_FULL = [f"Ấp {word}" for word in HAMLET_WORDS]
