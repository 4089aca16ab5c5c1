"""The identifiers people log in with: the 12-digit personal identification number (Decree
137/2015/NĐ-CP Art. 13) and the tax code (10 digits with a check digit, 10+3 for a dependent unit,
or the personal id for an individual from 1 July 2025)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from tinhso.accounts.validators import (
    BIRTH_PROVINCE_CODES,
    personal_id_parse,
    phone_normalize,
    tax_code_check_digit,
    tax_code_parse,
)

TODAY = dt.date(2026, 11, 23)


def _refusal(value: str, parse=personal_id_parse) -> str:
    with pytest.raises(ValidationError) as excinfo:
        parse(value, today=TODAY)
    return " ".join(excinfo.value.messages)


def test_a_valid_number_says_where_the_birth_was_registered_the_year_and_the_gender():
    info = personal_id_parse("086085000123", today=TODAY)
    assert (info.birth_province_code, info.birth_province_name) == ("086", "Vĩnh Long")
    assert (info.birth_year, info.gender) == (1985, "male")


def test_a_woman_born_in_2001_in_ha_noi():
    info = personal_id_parse("001301000456", today=TODAY)
    assert (info.birth_province_name, info.birth_year, info.gender) == ("Hà Nội", 2001, "female")


def test_a_number_copied_in_groups_of_three_is_read_without_the_spaces():
    assert personal_id_parse(" 086 085 000 123 ", today=TODAY).number == "086085000123"


def test_eleven_digits_are_refused_and_the_message_counts_them():
    message = _refusal("08608500012")
    assert "Số định danh phải gồm đúng 12 chữ số" in message and "11 chữ số" in message


def test_letters_are_refused():
    assert "chỉ gồm chữ số" in _refusal("08608500012A")


def test_full_width_digits_are_not_digits_here():
    assert "chỉ gồm chữ số" in _refusal("０８６０８５０００１２３")


def test_an_unknown_birth_province_code_is_named_in_the_message():
    assert "Mã tỉnh nơi đăng ký khai sinh 099 không tồn tại" in _refusal("099085000123")
    assert "Mã tỉnh nơi đăng ký khai sinh 003 không tồn tại" in _refusal("003085000123")


def test_the_century_digit_decides_the_century():
    # 4 = a man born in the 22nd century: year 2185, which has not come yet.
    message = _refusal("086485000123")
    assert "2185" in message and "chưa đến" in message


def test_a_birth_year_in_the_future_is_refused():
    assert "2030" in _refusal("086230000123")


def test_a_birth_year_more_than_120_years_ago_is_refused():
    assert "1900" in _refusal("086000000123")


def test_the_birth_province_table_holds_the_63_provinces_before_2025():
    assert len(BIRTH_PROVINCE_CODES) == 63
    assert all(len(code) == 3 and "001" <= code <= "096" for code in BIRTH_PROVINCE_CODES)
    assert BIRTH_PROVINCE_CODES["079"] == "Hồ Chí Minh" and BIRTH_PROVINCE_CODES["083"] == "Bến Tre"


# Published tax codes of well-known organisations: the check digit algorithm must accept them all.
PUBLISHED_TAX_CODES = ["0100109106", "0101248141", "0300588569", "0100684378", "0100233488", "0314409058"]


@pytest.mark.parametrize("code", PUBLISHED_TAX_CODES)
def test_published_tax_codes_pass_the_check_digit(code):
    assert tax_code_parse(code).kind == "organisation"
    assert tax_code_check_digit(code[:9]) == int(code[9])


def test_a_mistyped_digit_is_caught_by_the_check_digit():
    assert "chữ số kiểm tra" in _refusal("0100109107", tax_code_parse)


def test_a_dependent_unit_has_ten_digits_a_dash_and_three_digits():
    unit = tax_code_parse("0314409058-002")
    assert (unit.number, unit.kind, unit.parent) == ("0314409058-002", "dependent_unit", "0314409058")
    assert tax_code_parse("0314409058002").number == "0314409058-002"
    assert "001 đến 999" in _refusal("0314409058-000", tax_code_parse)


def test_an_individual_tax_code_is_the_personal_id_from_july_2025():
    assert tax_code_parse("086085000123", today=TODAY).kind == "individual"
    assert "Mã tỉnh nơi đăng ký khai sinh 099" in _refusal("099085000123", tax_code_parse)


@pytest.mark.parametrize("value", ["12345", "01001091061", "0100-109106", "MST0100109106"])
def test_other_shapes_are_refused_with_the_expected_format(value):
    assert "Mã số thuế gồm 10 chữ số" in _refusal(value, tax_code_parse)


def test_mobile_numbers_are_stored_as_ten_digits():
    assert phone_normalize("+84 912 345 678") == phone_normalize("0912.345.678") == "0912345678"
    assert phone_normalize("") == ""
    with pytest.raises(ValidationError):
        phone_normalize("0212345678")
