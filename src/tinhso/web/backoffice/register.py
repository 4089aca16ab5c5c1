"""The dossier register (sổ theo dõi hồ sơ, Mẫu 07 of Circular 03/2025/TT-VPCP): a page and its .xlsx."""

from __future__ import annotations

import calendar as month_calendar
from typing import Any

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from tinhso.dossiers import selectors
from tinhso.dossiers.register import register_rows, register_workbook
from tinhso.web.backoffice.common import Desk, desk_required
from tinhso.web.backoffice.forms import RegisterForm

REGISTER_SHOWN = 500


def _register_form(request) -> RegisterForm:
    desk: Desk = request.desk
    today = timezone.localdate()
    last = today.replace(day=month_calendar.monthrange(today.year, today.month)[1])
    data = {
        "co_quan": request.GET.get("co_quan") or desk.agencies[0].code,
        "tu_ngay": request.GET.get("tu_ngay") or today.replace(day=1).isoformat(),
        "den_ngay": request.GET.get("den_ngay") or last.isoformat(),
    }
    return RegisterForm(data, agencies=desk.agencies)


def _register_query(request, form: RegisterForm):
    agency = request.desk.pick(form.cleaned_data["co_quan"])
    if not selectors.may_view_register(request.user, agency):
        return agency, None
    start, end = form.cleaned_data["tu_ngay"], form.cleaned_data["den_ngay"]
    return agency, selectors.register(agency=agency, start=start, end=end)


@never_cache
@require_GET
@desk_required
def register(request):
    """Sổ theo dõi hồ sơ (Mẫu 07, Circular 03/2025/TT-VPCP) of an agency over a period."""
    form = _register_form(request)
    context: dict[str, Any] = {"form": form, "fields": form.views(), "errors": form.error_list(), "rows": None}
    if form.is_valid():
        agency, qs = _register_query(request, form)
        if qs is None:
            return render(request, "backoffice/no_access.html", {"official": True}, status=403)
        rows = register_rows(qs[:REGISTER_SHOWN + 1])
        params = {k: form.data[k] for k in ("co_quan", "tu_ngay", "den_ngay")}
        context.update({
            "agency": agency, "rows": rows[:REGISTER_SHOWN], "more": len(rows) > REGISTER_SHOWN,
            "start": form.cleaned_data["tu_ngay"], "end": form.cleaned_data["den_ngay"],
            "xlsx_url": f"{reverse('backoffice:register_xlsx')}?{urlencode(params)}",
        })
    return render(request, "backoffice/register.html", context, status=200 if form.is_valid() else 422)


@never_cache
@require_GET
@desk_required
def register_xlsx(request):
    form = _register_form(request)
    if not form.is_valid():
        return redirect(f"{reverse('backoffice:register')}?{urlencode(form.data)}")
    agency, qs = _register_query(request, form)
    if qs is None:
        return render(request, "backoffice/no_access.html", {"official": True}, status=403)
    start, end = form.cleaned_data["tu_ngay"], form.cleaned_data["den_ngay"]
    content = register_workbook(agency=agency, start=start, end=end, dossiers=qs)
    response = HttpResponse(content,
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="so-theo-doi-{agency.code}-{start:%Y%m%d}-{end:%Y%m%d}.xlsx"'
    return response
