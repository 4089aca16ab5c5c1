"""Template helpers of the web shell: {% load tinhso_web %}."""

from __future__ import annotations

import unicodedata

from django import template

register = template.Library()


@register.filter
def nfc(value) -> str:
    """Unicode NFC (precomposed) form. Some sources give Vietnamese decomposed, e.g. Django's own
    name for the language ("Tiếng Việt" with combining marks): same look, but it breaks search,
    comparison and copy-paste into older systems."""
    return unicodedata.normalize("NFC", str(value))
