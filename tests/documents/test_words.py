"""Amounts in words, as a Vietnamese form writes them under the figure ("bằng chữ")."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tinhso.documents.words import money_in_digits, money_in_words, number_in_words


@pytest.mark.parametrize(("amount", "words"), [
    (0, "Không đồng"),
    (5, "Năm đồng"),
    (10, "Mười đồng"),
    (11, "Mười một đồng"),                   # after "mười" one stays "một"
    (14, "Mười bốn đồng"),                   # and four stays "bốn"
    (15, "Mười lăm đồng"),                   # five after "mười" is "lăm"
    (20, "Hai mươi đồng"),
    (21, "Hai mươi mốt đồng"),               # one after "mươi" is "mốt"
    (24, "Hai mươi tư đồng"),                # four after "mươi" is "tư"
    (25, "Hai mươi lăm đồng"),
    (55, "Năm mươi lăm đồng"),
    (100, "Một trăm đồng"),
    (101, "Một trăm linh một đồng"),         # no tens: "linh", then the plain digit
    (105, "Một trăm linh năm đồng"),         # "linh năm", never "linh lăm"
    (110, "Một trăm mười đồng"),
    (115, "Một trăm mười lăm đồng"),
    (1_000, "Một nghìn đồng"),
    (1_001, "Một nghìn không trăm linh một đồng"),      # a later group reads its zero hundreds
    (15_000, "Mười lăm nghìn đồng"),
    (21_000, "Hai mươi mốt nghìn đồng"),
    (105_000, "Một trăm linh năm nghìn đồng"),
    (1_000_000, "Một triệu đồng"),
    (1_000_050, "Một triệu không trăm năm mươi đồng"),  # the empty thousands group is left out
    (1_005_000, "Một triệu không trăm linh năm nghìn đồng"),
    (1_250_000, "Một triệu hai trăm năm mươi nghìn đồng"),
    (2_000_000_000, "Hai tỷ đồng"),
    (1_000_000_005, "Một tỷ không trăm linh năm đồng"),
    (1_005_000_000, "Một tỷ không trăm linh năm triệu đồng"),
    (1_000_000_000_000, "Một nghìn tỷ đồng"),
    (999_999_999, "Chín trăm chín mươi chín triệu chín trăm chín mươi chín nghìn chín trăm chín mươi chín đồng"),
])
def test_amounts_read_as_the_forms_write_them(amount, words):
    assert money_in_words(amount) == words


def test_the_southern_reading_uses_le_and_ngan():
    assert number_in_words(105, odd="lẻ") == "một trăm lẻ năm"
    assert number_in_words(1_005_000, odd="lẻ", thousand="ngàn") == "một triệu không trăm lẻ năm ngàn"


def test_an_amount_may_come_as_decimal_or_as_the_string_printed_on_a_form():
    assert money_in_words(Decimal("1250000.00")) == "Một triệu hai trăm năm mươi nghìn đồng"
    assert money_in_words("1.250.000") == "Một triệu hai trăm năm mươi nghìn đồng"
    assert money_in_digits(1_250_000) == "1.250.000 đồng"
    assert money_in_digits(0) == "0 đồng"


@pytest.mark.parametrize("bad", [-1, Decimal("10.5"), "12,5"])
def test_an_amount_that_is_not_a_whole_number_of_dong_is_refused(bad):
    with pytest.raises(ValueError):
        money_in_words(bad)


def test_a_float_or_a_truth_value_is_refused_rather_than_rounded():
    with pytest.raises(TypeError):
        money_in_words(1250000.0)
    with pytest.raises(TypeError):
        money_in_words(True)


def test_unknown_reading_options_are_refused():
    with pytest.raises(ValueError):
        number_in_words(105, odd="lẽ")
