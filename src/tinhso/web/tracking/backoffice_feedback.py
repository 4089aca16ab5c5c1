"""The back office's PAKN pages (/mot-cua/phan-anh/, namespace "backoffice"): the agency's list,
open ones first by their answer limit, and one PAKN with the answer, refusal and transfer forms.

Who gets in is the back office's rule (`desk_required`); a PAKN is visible to officials with a role
at its handling agency, and answered by those holding one of dossiers.feedback.ANSWER_ROLES there.
Reading one (the sender's name and words) is audited. An official of another agency gets 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from tinhso.dossiers import feedback as fb
from tinhso.dossiers.errors import Conflict, Forbidden, InvalidInput, NotFound
from tinhso.dossiers.models import Feedback, FeedbackStatus
from tinhso.web.backoffice.common import Desk, client_ip, desk_required, put_back, when
from tinhso.web.tracking.forms import AnswerForm, RefuseForm, TransferForm

PER_PAGE = 50
FILTERS = (
    ("dang-xu-ly", FeedbackStatus.RECEIVED, gettext_lazy("Đang xử lý")),
    ("tat-ca", None, gettext_lazy("Tất cả")),
)
STATUS_TAGS = {FeedbackStatus.RECEIVED: "govuk-tag--blue", FeedbackStatus.REFUSED: "govuk-tag--grey",
               FeedbackStatus.ANSWERED: "govuk-tag--green", FeedbackStatus.CLOSED: "govuk-tag--grey"}


def _list_url(agency_code: str, flt: str, page: int | None = None) -> str:
    params = {"co_quan": agency_code, "loc": flt}
    if page and page > 1:
        params["trang"] = page
    return f"{reverse('backoffice:feedback_list')}?{urlencode(params)}"


def _late(item: Feedback, now) -> bool:
    if item.status == FeedbackStatus.RECEIVED:
        return item.answer_due_at < now
    if item.refused_at:
        return item.refused_at > item.refuse_due_at
    return bool(item.answered_at and item.answered_at > item.answer_due_at)


@never_cache
@require_GET
@desk_required
def feedback_list(request):
    desk: Desk = request.desk
    agency = desk.pick(request.GET.get("co_quan"))
    filters = {slug: value for slug, value, _label in FILTERS}
    flt = request.GET.get("loc") if request.GET.get("loc") in filters else "dang-xu-ly"
    counts = {slug: fb.feedback_for_agency(request.user, agency, status=value).count() for slug, value, _l in FILTERS}
    page = Paginator(fb.feedback_for_agency(request.user, agency, status=filters[flt]), PER_PAGE).get_page(
        request.GET.get("trang"))
    now = timezone.now()
    rows = [{"item": f, "submitted": when(f.submitted_at), "due": when(f.answer_due_at), "late": _late(f, now),
             "tag": STATUS_TAGS.get(f.status, "")} for f in page.object_list]
    return render(request, "backoffice/feedback_list.html", {
        "agencies": desk.agencies, "agency": agency, "rows": rows, "page": page, "filter": flt,
        "filters": [{"slug": s, "label": label, "count": counts[s], "url": _list_url(agency.code, s),
                     "current": s == flt} for s, _v, label in FILTERS],
        "prev_url": _list_url(agency.code, flt, page.previous_page_number()) if page.has_previous() else "",
        "next_url": _list_url(agency.code, flt, page.next_page_number()) if page.has_next() else "",
    })


def _page(request, item: Feedback, *, forms: dict | None = None, problem: str = "", status: int = 200):
    may = item.status == FeedbackStatus.RECEIVED and fb.feedback_may_answer(request.user, item)
    agencies = [a for a in fb.feedback_agencies().only("code", "name") if a.pk != item.agency_id] if may else []
    forms = forms or {}
    answer = forms.get("answer") or AnswerForm()
    refuse = forms.get("refuse") or RefuseForm()
    transfer = forms.get("transfer") or TransferForm(agencies=agencies)
    bound = next((f for f in forms.values() if f.is_bound), None)
    return render(request, "backoffice/feedback.html", {
        "item": item, "may_answer": may, "answer_form": answer, "refuse_form": refuse, "transfer_form": transfer,
        "errors": bound.error_list() if bound is not None else [], "problem": problem,
        "tag": STATUS_TAGS.get(item.status, ""), "late": _late(item, timezone.now()),
        "times": [
            (_("Gửi lúc"), when(item.submitted_at)),
            (_("Chuyển đến cơ quan lúc"), when(item.transferred_at)),
            (_("Hạn từ chối thụ lý"), when(item.refuse_due_at)),
            (_("Hạn trả lời"), when(item.answer_due_at)),
            (_("Trả lời lúc"), when(item.answered_at)),
            (_("Từ chối thụ lý lúc"), when(item.refused_at)),
            (_("Công khai lúc"), when(item.published_at)),
            (_("Người gửi đánh giá lúc"), when(item.sender_rated_at)),
        ],
    }, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
@desk_required
def feedback_detail(request, pk: int):
    item = fb.feedback_get_for_official(request.user, pk, ip=client_ip(request), audit=request.method == "GET")
    if item is None:
        raise Http404
    if request.method == "GET":
        return _page(request, item)
    action = request.POST.get("thao_tac", "")
    agencies = list(fb.feedback_agencies().only("code", "name"))
    try:
        if action == "tra_loi":
            form = AnswerForm(request.POST)
            if not form.is_valid():
                return _page(request, item, forms={"answer": form}, status=422)
            fb.feedback_answer(actor=request.user, feedback_id=item.pk, answer=form.cleaned_data["answer"],
                               publish=form.cleaned_data["publish"])
            done = _("Đã trả lời phản ánh.")
        elif action == "tu_choi":
            form = RefuseForm(request.POST)
            if not form.is_valid():
                return _page(request, item, forms={"refuse": form}, status=422)
            fb.feedback_refuse(actor=request.user, feedback_id=item.pk, reason=form.cleaned_data["reason"])
            done = _("Đã ghi nhận không thụ lý phản ánh.")
        elif action == "chuyen":
            form = TransferForm(request.POST, agencies=[a for a in agencies if a.pk != item.agency_id])
            if not form.is_valid():
                return _page(request, item, forms={"transfer": form}, status=422)
            target = next(a for a in agencies if a.code == form.cleaned_data["to_agency"])
            fb.feedback_transfer(actor=request.user, feedback_id=item.pk, to_agency=target,
                                 note=form.cleaned_data["note"])
            messages.success(request, _("Đã chuyển phản ánh đến %(agency)s.") % {"agency": target.name})
            return redirect("backoffice:feedback_list")
        else:
            return _page(request, item, problem=_("Thao tác không hợp lệ. Hãy chọn lại."), status=400)
    except InvalidInput as exc:
        key = {"tra_loi": "answer", "tu_choi": "refuse", "chuyen": "transfer"}[action]
        put_back(form, exc, lambda name: {"answer": "answer", "reason": "reason", "note": "note",
                                          "to_agency": "to_agency"}.get(name))
        return _page(request, item, forms={key: form}, status=422)
    except (Conflict, Forbidden) as exc:
        item = fb.feedback_get_for_official(request.user, pk, audit=False) or item
        return _page(request, item, problem=str(exc.message), status=exc.status)
    except NotFound:
        raise Http404 from None
    messages.success(request, done)
    return redirect("backoffice:feedback", pk=item.pk)
