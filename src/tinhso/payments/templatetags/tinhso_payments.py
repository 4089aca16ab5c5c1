"""{% load tinhso_payments %}: the pay box and the VND amount filter."""

from __future__ import annotations

import uuid

from django import template
from django.utils.translation import gettext as _

from tinhso.payments.selectors import pay_box

register = template.Library()


@register.filter
def vnd(amount) -> str:
    """200000 → "200.000 đồng" (dot as the thousands separator)."""
    try:
        number = int(amount)
    except (TypeError, ValueError):
        return ""
    return _("%(amount)s đồng") % {"amount": f"{number:,}".replace(",", ".")}


@register.inclusion_tag("payments/_pay_box.html", takes_context=True)
def payment_box(context, dossier):
    """The pay box of `dossier` for its applicant: ``{% payment_box dossier %}``. The caller must
    already have checked that the signed-in user is the dossier's applicant."""
    return {"pay_box": pay_box(dossier=dossier), "idempotency_key": uuid.uuid4().hex,
            "csrf_token": context.get("csrf_token"), "request": context.get("request")}
