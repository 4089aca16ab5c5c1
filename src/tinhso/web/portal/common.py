"""What the citizen portal's pages share: who may file, the portal switch, life events, formatting."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import cache, wraps
from pathlib import Path

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.dossiers.models import Status

LIFE_EVENTS_FILE = Path(__file__).parent / "data" / "life_events.json"

#: Session key a VNeID login sets (identity federation, a later issue): the dossiers filed in that
#: session are flagged TaiKhoanDuocXacThucVoiVNeID.
VNEID_SESSION_KEY = "tinhso_vneid"

NATIONAL_PORTAL_URL = "https://dichvucong.gov.vn"

STATUS_TAGS = {
    Status.SUBMITTED: "govuk-tag--light-blue", Status.ACCEPTED: "govuk-tag--blue",
    Status.REFUSED: "govuk-tag--red", Status.IN_PROGRESS: "govuk-tag--blue",
    Status.SUPPLEMENT_REQUESTED: "govuk-tag--yellow", Status.FINANCIAL_REQUESTED: "govuk-tag--yellow",
    Status.WITHDRAWN: "govuk-tag--grey", Status.STOPPED: "govuk-tag--grey",
    Status.PROCESSED: "govuk-tag--turquoise", Status.RETURNED: "govuk-tag--green",
}


def filing_on() -> bool:
    return bool(getattr(settings, "TINHSO_PORTAL_FILING", True))


def citizen_required(view):
    """Signed-in citizens and businesses; anonymous visitors go to sign in and come back;
    officials are told to use a citizen account (their account acts for an agency)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if request.user.is_official:
            return render(request, "portal/officials.html", status=403)
        return view(request, *args, **kwargs)

    return wrapped


def filing_required(view):
    """Filing pages: when this deployment does not file online (TINHSO_PORTAL_FILING off), a page
    that sends the citizen to the national portal instead."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not filing_on():
            return render(request, "portal/filing_off.html", {"national_url": NATIONAL_PORTAL_URL})
        return view(request, *args, **kwargs)

    return wrapped


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


def when(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M") if value else ""


def day(value: dt.datetime | dt.date | str | None) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date()
    return value.strftime("%d/%m/%Y")


def vnd(amount: int) -> str:
    return _("%(amount)s đồng") % {"amount": f"{int(amount):,}".replace(",", ".")}


def optional_template(name: str) -> str | None:
    """`name` if that template exists (a module built by someone else may not be installed yet)."""
    try:
        get_template(name)
    except TemplateDoesNotExist:
        return None
    return name


# --- Life events (sự kiện cuộc sống) --------------------------------------------------------------

@dataclass(frozen=True)
class LifeEvent:
    slug: str
    name: str
    description: str
    procedures: tuple[str, ...]
    fields: tuple[str, ...]


@cache
def life_events() -> tuple[LifeEvent, ...]:
    data = json.loads(LIFE_EVENTS_FILE.read_text(encoding="utf-8"))
    return tuple(LifeEvent(slug=e["slug"], name=e["name"], description=e.get("description", ""),
                           procedures=tuple(e.get("procedures") or ()), fields=tuple(e.get("fields") or ()))
                 for e in data["events"])


def life_event(slug: str) -> LifeEvent | None:
    return next((e for e in life_events() if e.slug == slug), None)
