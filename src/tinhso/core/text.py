"""Vietnamese text folding for search: "Đăng ký khai sinh" and "dang ky khai sinh" fold the same.

NFD splits a letter from its marks, the marks are dropped, and đ/Đ (a letter of its own, not a
letter with a mark, so NFD leaves it) becomes d. Casefold last. Used for every search, on every
database, so that SQLite and PostgreSQL give the same answers.
"""

from __future__ import annotations

import re
import unicodedata

_D_STROKE = str.maketrans({"đ": "d", "Đ": "D"})
_SPACES = re.compile(r"\s+")


def fold(text: str | None) -> str:
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", text.translate(_D_STROKE))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return _SPACES.sub(" ", stripped).strip().casefold()
