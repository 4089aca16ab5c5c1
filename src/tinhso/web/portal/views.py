"""Public pages of the citizen portal: find a procedure (search without accents, by field, by life
event) and read what it needs. No sign-in; these stay on when online filing is switched off."""

from __future__ import annotations

from decimal import Decimal

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import render
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from tinhso.catalog import selectors as catalog_selectors
from tinhso.catalog.models import AgencyLevel, ApplicantType, Channel, ServiceLevel
from tinhso.core.calendar import DeadlineUnit
from tinhso.web.portal.common import NATIONAL_PORTAL_URL, filing_on, life_event, life_events, vnd

PER_PAGE = 20
SERVICE_TAGS = {ServiceLevel.FULL: "govuk-tag--green", ServiceLevel.PARTIAL: "govuk-tag--blue",
                ServiceLevel.NONE: "govuk-tag--grey"}


def _amount(value: Decimal) -> str:
    text = f"{value:f}".rstrip("0").rstrip(".") if "." in f"{value:f}" else f"{value:f}"
    return text.replace(".", ",")


def time_limit(version) -> str:
    return f"{_amount(version.processing_amount)} {str(DeadlineUnit(version.processing_unit).label).lower()}"


@require_GET
def search(request):
    """Tìm thủ tục: `q` (words without accents are enough), `linh-vuc` (a field code),
    `su-kien` (a life event), `trang`."""
    q = (request.GET.get("q") or "").strip()[:100]
    fields = list(catalog_selectors.field_list())
    field_code = request.GET.get("linh-vuc") or ""
    field = next((f for f in fields if f.code == field_code), None)
    event = life_event(request.GET.get("su-kien") or "")
    searching = bool(q or field or event)
    page = None
    if searching:
        procedures = catalog_selectors.procedure_search(q, field=field.code if field else None)
        if event is not None:
            procedures = procedures.filter(Q(code__in=event.procedures) | Q(field__code__in=event.fields))
        paginator = Paginator(procedures, PER_PAGE)
        page = paginator.get_page(request.GET.get("trang"))
        params = {k: v for k, v in (("q", q), ("linh-vuc", field.code if field else ""),
                                    ("su-kien", event.slug if event else "")) if v}
        base = urlencode(params)
        page.prev_url = f"?{base}&trang={page.previous_page_number()}" if page.has_previous() else ""
        page.next_url = f"?{base}&trang={page.next_page_number()}" if page.has_next() else ""
        page.rows = [{"procedure": p, "version": p.current_version,
                      "service_tag": SERVICE_TAGS.get(p.current_version.service_level, ""),
                      "service_label": ServiceLevel(p.current_version.service_level).label}
                     for p in page.object_list]
    return render(request, "portal/search.html", {
        "q": q, "fields": fields, "field": field, "events": life_events(), "event": event,
        "searching": searching, "page": page,
    })


def _agencies_label(agencies) -> list[str]:
    """The competent agencies, shortened when every commune decides the procedure."""
    names = [a.name for a in agencies]
    return names if len(names) <= 5 else names[:3]


@require_GET
def procedure_detail(request, code: str):
    procedure = catalog_selectors.procedure_get(code)
    version = catalog_selectors.procedure_current_version(procedure) if procedure and procedure.is_active else None
    if version is None:
        raise Http404
    agencies = list(catalog_selectors.procedure_competent_agencies(procedure))
    online = Channel.ONLINE in (version.channels or [])
    fees = [{**f, "amount_label": vnd(f.get("amount") or 0)} for f in version.fees or []]
    return render(request, "portal/procedure.html", {
        "procedure": procedure, "version": version, "field": procedure.field,
        "time_limit": time_limit(version),
        "fees": fees, "fee_total": vnd(version.fee_total) if version.fee_total else "",
        "components": version.components or [], "results": version.results or [],
        "legal_basis": version.legal_basis or [],
        "service_level": ServiceLevel(version.service_level).label,
        "service_tag": SERVICE_TAGS.get(version.service_level, ""),
        "channels": [Channel(c).label for c in version.channels or [] if c in Channel.values],
        "levels": [AgencyLevel(level).label for level in version.agency_levels or [] if level in AgencyLevel.values],
        "applicant_types": [ApplicantType(t).label for t in version.applicant_types or []
                            if t in ApplicantType.values],
        "agencies": _agencies_label(agencies), "agency_count": len(agencies),
        "online": online, "filing_on": filing_on(), "national_url": NATIONAL_PORTAL_URL,
    })
