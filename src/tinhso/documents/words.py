"""Amounts in Vietnamese words, as official forms and receipts write them ("bằng chữ").

Reading a number in Vietnamese, group by group of three digits (trăm, mươi, đơn vị):

- tens: 10–19 are "mười …" (11 "mười một", 15 "mười lăm"); from 20 "hai mươi …";
- units after "mươi" (20 and up): 1 is "mốt" (21 "hai mươi mốt"), 4 is "tư" (24 "hai mươi tư"),
  5 is "lăm" (25 "hai mươi lăm"); after "mười" 5 is "lăm" (15), 1 and 4 keep "một", "bốn";
- no tens but units after hundreds: "linh" (or the southern "lẻ") then the plain digit
  (105 "một trăm linh năm", 101 "một trăm linh một");
- a group after a larger one is read with its hundreds even when they are zero
  (1.005.000 "một triệu không trăm linh năm nghìn"); a group of three zeros is left out
  (1.000.500 "một triệu năm trăm");
- scales: nghìn (or "ngàn"), triệu, tỷ; a thousand billion is "nghìn tỷ".

Written here rather than taken from num2words, which is LGPL (the project is Apache-2.0).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
BILLION = 10**9


def _group(n: int, *, full: bool, odd: str) -> list[str]:
    """Words of 0 < n < 1000. `full`: read the hundreds even when zero (a group after another)."""
    hundreds, tens, units = n // 100, n // 10 % 10, n % 10
    words: list[str] = []
    if hundreds or full:
        words += [DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units:
            if words:
                words.append(odd)
            words.append(DIGITS[units])
        return words
    if tens == 1:
        words.append("mười")
        if units:
            words.append("lăm" if units == 5 else DIGITS[units])
        return words
    words += [DIGITS[tens], "mươi"]
    if units:
        words.append({1: "mốt", 4: "tư", 5: "lăm"}.get(units, DIGITS[units]))
    return words


def _below_billion(n: int, *, lead: bool, odd: str, thousand: str) -> list[str]:
    """Words of 0 < n < 10^9; `lead`: these are the first words of the whole number."""
    words: list[str] = []
    for scale, name in ((10**6, "triệu"), (10**3, thousand), (1, "")):
        part = n // scale % 1000
        if part:
            words += _group(part, full=bool(words) or not lead, odd=odd)
            if name:
                words.append(name)
    return words


def _words(n: int, *, lead: bool, odd: str, thousand: str) -> list[str]:
    if n >= BILLION:
        high, low = divmod(n, BILLION)
        words = _words(high, lead=lead, odd=odd, thousand=thousand) + ["tỷ"]
        if low:
            words += _below_billion(low, lead=False, odd=odd, thousand=thousand)
        return words
    return _below_billion(n, lead=lead, odd=odd, thousand=thousand)


def _whole(value: int | Decimal | str) -> int:
    if isinstance(value, bool):
        raise TypeError("a number of đồng, not a truth value")
    if isinstance(value, float):
        raise TypeError("pass an int or a Decimal: a float is not an exact amount")
    try:
        number = Decimal(str(value).strip().replace(".", "")) if isinstance(value, str) else Decimal(value)
    except InvalidOperation:
        raise ValueError(f"not an amount: {value!r}") from None
    if number != number.to_integral_value():
        raise ValueError("đồng amounts are whole numbers")
    if number < 0:
        raise ValueError("a negative amount has no reading on a form")
    return int(number)


def number_in_words(value: int | Decimal | str, *, odd: str = "linh", thousand: str = "nghìn") -> str:
    """The reading of a whole number ≥ 0, lower case: 1250000 → "một triệu hai trăm năm mươi nghìn".

    `odd` is "linh" (default, the usage of official documents) or "lẻ"; `thousand` is "nghìn"
    (default) or "ngàn". A string may use "." as the thousands separator ("1.250.000").
    """
    if odd not in ("linh", "lẻ") or thousand not in ("nghìn", "ngàn"):
        raise ValueError("odd must be 'linh' or 'lẻ', thousand 'nghìn' or 'ngàn'")
    n = _whole(value)
    if n == 0:
        return DIGITS[0]
    return " ".join(_words(n, lead=True, odd=odd, thousand=thousand))


def money_in_words(value: int | Decimal | str, *, odd: str = "linh", thousand: str = "nghìn") -> str:
    """An amount of đồng in words, as written on a form: 1250000 → "Một triệu hai trăm năm mươi
    nghìn đồng"; 0 → "Không đồng"."""
    text = f"{number_in_words(value, odd=odd, thousand=thousand)} đồng"
    return text[0].upper() + text[1:]


def money_in_digits(value: int | Decimal | str) -> str:
    """1250000 → "1.250.000 đồng" (Vietnamese thousands separator)."""
    return f"{_whole(value):,} đồng".replace(",", ".")
