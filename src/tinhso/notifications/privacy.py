"""Phone numbers are basic personal data (Decree 13/2023/NĐ-CP Art. 2(3)), and an e-mail address
names its owner as surely: logs, error texts and officer screens show them masked, never in full."""

from __future__ import annotations

import re

_NON_DIGIT_PHONE = re.compile(r"[\s.\-()]")
_PHONE_LIKE = re.compile(r"(?<!\d)(?:\+?84|0)\d{8,10}(?!\d)")
_EMAIL_LIKE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def phone_normalise(raw: str) -> str | None:
    """A Vietnamese phone number as 0 followed by nine digits, or None when it is not one.

    Only the shape is checked: which prefixes are mobile numbers is the provider's business
    (prefixes moved in 2018 and may move again), so a landline passes here and the provider
    refuses it."""
    number = _NON_DIGIT_PHONE.sub("", raw or "")
    if number.startswith("+84"):
        number = "0" + number[3:]
    elif number.startswith("84") and len(number) == 11:
        number = "0" + number[2:]
    return number if re.fullmatch(r"0\d{9}", number) else None


def phone_international(number: str) -> str:
    """0912345678 → 84912345678 (the form Zalo ZNS takes)."""
    return "84" + number[1:] if number.startswith("0") else number


def mask_phone(number: str) -> str:
    digits = re.sub(r"\D", "", number or "")
    if len(digits) < 7:
        return "***"
    return f"{digits[:3]}****{digits[-3:]}"


def mask_email(address: str) -> str:
    local, at, domain = (address or "").partition("@")
    if not at:
        return "***"
    return f"{local[:1]}***@{domain}"


def mask(recipient: str) -> str:
    return mask_email(recipient) if "@" in (recipient or "") else mask_phone(recipient)


def redact(text: str) -> str:
    """Mask phone numbers and e-mail addresses inside a free text (a provider's error message)."""
    text = _EMAIL_LIKE.sub(lambda m: mask_email(m.group()), text or "")
    return _PHONE_LIKE.sub(lambda m: mask_phone(m.group()), text)
