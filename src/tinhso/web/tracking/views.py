"""Citizen pages: public tracking by dossier code, the applicant's rating, feedback (PAKN).

- /tra-cuu/ and /tra-cuu/<code>/ (the QR of the receipt, Mẫu 01, links to the second): no sign-in;
  the masked view of dossiers/tracking.py for everyone, except the applicant signed in, who sees
  their whole dossier on the same page (it works even where the portal's filing is switched off:
  a dossier filed at the counter or on the national portal has no other page for its applicant).
  An unknown and a malformed code give the same 404 page; every look-up counts against the per-IP
  limit.
- /danh-gia/<code>/: the applicant rates the dossier once it has its final answer.
- /phan-anh/: a signed-in citizen or business sends a PAKN; /phan-anh/cua-toi/ lists them, and
  /phan-anh/<id>/ shows the answer and asks whether they are satisfied with it.

Thin views: reads through dossiers.tracking / selectors / feedback, writes through the
dossiers.feedback services; POST/redirect/GET; errors as a GOV.UK error summary plus inline
messages, everything typed kept.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from tinhso.dossiers import feedback as fb
from tinhso.dossiers import selectors
from tinhso.dossiers.errors import Conflict, Forbidden, InvalidInput, NotFound
from tinhso.dossiers.models import Dossier, Feedback, FeedbackStatus
from tinhso.dossiers.tracking import Tracking, code_normalise, tracking_allowed, tracking_lookup
from tinhso.web.backoffice.common import put_back, when
from tinhso.web.backoffice.forms import new_key
from tinhso.web.tracking.forms import FeedbackForm, LookupForm, RatingForm, ReactionForm

#: The masked page may be kept by the visitor's browser for half a minute (never by a shared cache:
#: the page carries the visitor's CSRF token and sign-in state).
MASKED_CACHE_CONTROL = "private, max-age=30"
TIMELINESS_TAGS = {"early": "govuk-tag--green", "on_time": "govuk-tag--blue", "late": "govuk-tag--red"}


def _portal_dossier_url(code: str) -> str:
    """The citizen portal's "my dossier" page (on even where online filing is switched off)."""
    return reverse("portal:dossier", args=[code])


# --- Look-up ----------------------------------------------------------------------------------------

def _lookup_page(request, *, form: LookupForm, status: int = 200, retry_after: int = 0) -> HttpResponse:
    response = render(request, "tracking/lookup.html", {"form": form, "errors": form.error_list(),
                                                         "limited": bool(retry_after)}, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def _not_found(request, typed: str) -> HttpResponse:
    form = LookupForm({"ma": typed[:60]})
    form.is_valid()
    form.add_error("ma", _("Không tìm thấy hồ sơ có mã này. Hãy kiểm tra lại mã in trên giấy tiếp nhận hồ sơ."))
    return _lookup_page(request, form=form, status=404)


def _limited(request, typed: str, wait: int) -> HttpResponse:
    form = LookupForm({"ma": typed[:60]})
    form.is_valid()
    minutes = max(1, -(-wait // 60))
    form.add_error("ma", _("Bạn đã tra cứu quá nhiều lần. Vui lòng thử lại sau %(n)d phút.") % {"n": minutes})
    return _lookup_page(request, form=form, status=429, retry_after=wait)


@require_GET
def lookup(request):
    """The form. A well-formed code goes to its page (the address the QR code carries); the
    look-up itself, and its count against the limit, happen there."""
    if "ma" not in request.GET:
        return _lookup_page(request, form=LookupForm())
    form = LookupForm(request.GET)
    if not form.is_valid():
        return _lookup_page(request, form=form, status=422)
    typed = form.cleaned_data["ma"]
    code = code_normalise(typed)
    if code is not None:
        return redirect("tracking:dossier", code=code)
    allowed, wait = tracking_allowed(request)
    if not allowed:
        return _limited(request, typed, wait)
    return _not_found(request, typed)


def _steps(found: Tracking) -> list[dict[str, Any]]:
    return [{"at": when(s.at), "name": s.name, "agency": s.agency, "timeliness": s.timeliness_name,
             "tag": TIMELINESS_TAGS.get(s.timeliness, "")} for s in found.steps]


@require_GET
def dossier(request, code: str):
    allowed, wait = tracking_allowed(request)
    if not allowed:
        return _limited(request, code, wait)
    found = tracking_lookup(code)
    if found is None:
        return _not_found(request, code)
    user = request.user
    if found.applicant_id is not None and user.is_authenticated and user.pk == found.applicant_id:
        return _applicant_view(request, found)
    context = {
        "t": found, "steps": _steps(found), "submitted": when(found.submitted_at), "accepted": when(found.accepted_at),
        "due": when(found.due_at), "finished": when(found.finished_at), "returned": when(found.returned_at),
        "official": user.is_authenticated and user.is_official,
    }
    response = render(request, "tracking/dossier.html", context)
    response["Cache-Control"] = MASKED_CACHE_CONTROL
    patch_vary_headers(response, ("Cookie",))
    return response


def _answers(dossier: Dossier) -> list[dict[str, str]]:
    """The form answers with the titles of the procedure version's form."""
    properties = (dossier.procedure_version.form_schema or {}).get("properties") or {}
    out = []
    for name, value in (dossier.form_data or {}).items():
        prop = properties.get(name) if isinstance(properties.get(name), dict) else {}
        if isinstance(value, bool):
            text = _("Có") if value else _("Không")
        elif isinstance(value, (list, dict)):
            text = json.dumps(value, ensure_ascii=False)
        elif prop.get("format") == "date" and isinstance(value, str):
            try:
                text = dt.date.fromisoformat(value).strftime("%d/%m/%Y")
            except ValueError:
                text = value
        else:
            text = str(value)
        out.append({"title": str(prop.get("title") or name), "value": text})
    return out


def _applicant_view(request, found: Tracking) -> HttpResponse:
    """Everything about the dossier, for its applicant: their facts, the answers, the files, every
    step with its note (a supplement request, a refusal's reason), the rating and feedback links."""
    full = selectors.dossier_get_for(request.user, code=found.code, audit=False)
    if full is None:  # the account was unlinked meanwhile
        raise Http404
    events = list(selectors.dossier_events(full))
    steps = [{"at": when(e.at), "name": e.action_name, "agency": (e.from_agency or e.to_agency).name,
              "who": e.actor_name, "note": e.note, "timeliness": e.get_timeliness_display() if e.timeliness else "",
              "tag": TIMELINESS_TAGS.get(e.timeliness, "")} for e in events]
    files = [{"name": a.name, "result": a.is_result,
              "url": reverse("api:attachment_download", kwargs={"code": full.code, "attachment_id": a.pk})}
             for a in full.attachments.all()]
    rating = fb.rating_current(full)
    context = {
        "t": found, "d": full, "steps": steps, "answers": _answers(full), "files": files,
        "submitted": when(full.submitted_at), "accepted": when(full.accepted_at), "due": when(full.due_at),
        "finished": when(full.finished_at), "returned": when(full.returned_at),
        "ratable": fb.rating_ratable(full), "rating": rating,
        "portal_url": _portal_dossier_url(full.code),
    }
    response = render(request, "tracking/dossier_applicant.html", context)
    add_never_cache_headers(response)
    return response


# --- Rating ---------------------------------------------------------------------------------------------

def _my_dossier(request, code: str) -> Dossier:
    """The applicant's own dossier, or 404 for everyone else (whether or not it exists)."""
    try:
        return fb.applicant_dossier(request.user, code)
    except NotFound:
        raise Http404 from None


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def rate(request, code: str):
    dossier = _my_dossier(request, code)
    if not fb.rating_ratable(dossier):
        return render(request, "tracking/rating_not_yet.html", {"code": dossier.code,
                                                                "status": dossier.get_status_display()}, status=409)
    current = fb.rating_current(dossier)
    until = fb.rating_change_until(dossier)
    final = until is not None and timezone.now() > until
    context = {"code": dossier.code, "current": current, "until": when(until), "final": final}
    if final:
        return render(request, "tracking/rating.html", {**context, "form": None, "errors": []})
    if request.method == "GET":
        form = RatingForm(initial=RatingForm.initial_from(current))
        return render(request, "tracking/rating.html", {**context, "form": form, "errors": []})
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            fb.rating_submit(actor=request.user, code=dossier.code, satisfied=form.cleaned_data["satisfied"] == "co",
                             criteria=form.criteria(), comment=form.cleaned_data["comment"])
        except InvalidInput as exc:
            put_back(form, exc, RatingForm.field_of)
        except Conflict as exc:
            form.add_error(None, str(exc.message))
        except NotFound:
            raise Http404 from None
        else:
            return redirect("tracking:rated", code=dossier.code)
    return render(request, "tracking/rating.html", {**context, "form": form, "errors": form.error_list()}, status=422)


@never_cache
@login_required
@require_GET
def rated(request, code: str):
    dossier = _my_dossier(request, code)
    rating = fb.rating_current(dossier)
    if rating is None:
        return redirect("tracking:rate", code=dossier.code)
    return render(request, "tracking/rating_done.html", {"code": dossier.code, "rating": rating,
                                                         "until": when(fb.rating_change_until(dossier))})


# --- Feedback (PAKN) -------------------------------------------------------------------------------

def _citizen_only(request) -> HttpResponse | None:
    if request.user.is_official:
        return render(request, "tracking/feedback_officials.html", status=403)
    return None


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def feedback_new(request):
    refused = _citizen_only(request)
    if refused is not None:
        return refused
    agencies = list(fb.feedback_agencies().only("code", "name"))
    if request.method == "GET":
        initial = {"key": new_key()}
        code = code_normalise(request.GET.get("ma"))
        if code:
            initial["dossier"] = code
        form = FeedbackForm(initial=initial, agencies=agencies)
        return render(request, "tracking/feedback_form.html", {"form": form, "errors": []})
    form = FeedbackForm(request.POST, agencies=agencies)
    if form.is_valid():
        cd = form.cleaned_data
        agency = next((a for a in agencies if a.code == cd["agency"]), None)
        try:
            item, _created = fb.feedback_submit(
                actor=request.user, kind=cd["kind"], title=cd["title"], content=cd["content"],
                dossier_code=cd["dossier"], agency=agency,
                idempotency_key=f"web:{request.user.pk}:{cd['key']}"[:80] if cd["key"] else None)
        except InvalidInput as exc:
            put_back(form, exc, FeedbackForm.field_of)
        except Forbidden as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Đã gửi phản ánh, kiến nghị số %(n)d.") % {"n": item.pk})
            return redirect("tracking:feedback_detail", pk=item.pk)
    return render(request, "tracking/feedback_form.html", {"form": form, "errors": form.error_list()}, status=422)


def _feedback_row(item: Feedback) -> dict[str, Any]:
    return {"item": item, "submitted": when(item.submitted_at), "answered": when(item.answered_at or item.refused_at),
            "answer_due": when(item.answer_due_at)}


@never_cache
@login_required
@require_GET
def feedback_mine(request):
    refused = _citizen_only(request)
    if refused is not None:
        return refused
    rows = [_feedback_row(f) for f in fb.feedback_of_sender(request.user)[:200]]
    return render(request, "tracking/feedback_list.html", {"rows": rows})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def feedback_detail(request, pk: int):
    item = fb.feedback_of_sender(request.user).filter(pk=pk).first()
    if item is None:
        raise Http404
    form = None
    status = 200
    if item.status in (FeedbackStatus.ANSWERED, FeedbackStatus.REFUSED):
        form = ReactionForm(request.POST if request.method == "POST" else None)
        if request.method == "POST":
            if form.is_valid():
                try:
                    fb.feedback_react(actor=request.user, feedback_id=item.pk,
                                      satisfied=form.cleaned_data["satisfied"] == "co")
                except (Conflict, NotFound) as exc:
                    form.add_error(None, str(exc.message))
                else:
                    messages.success(request, _("Cảm ơn bạn đã đánh giá kết quả xử lý phản ánh."))
                    return redirect("tracking:feedback_detail", pk=item.pk)
            status = 422
    elif request.method == "POST":
        status = 409
    return render(request, "tracking/feedback_detail.html", {
        **_feedback_row(item), "form": form, "errors": form.error_list() if form is not None else [],
        "rated": when(item.sender_rated_at)}, status=status)
