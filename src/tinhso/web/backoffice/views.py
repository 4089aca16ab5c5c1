"""Pages of the officer back office (một cửa), mounted at /mot-cua/ under the namespace "backoffice".

Thin views over the dossier services and selectors (the JSON API in dossiers/api.py does the same
things for machines): every write is one service call; every read of a dossier goes through
`selectors.dossier_get_for`, which checks visibility and audits the read. Only officials with a
role in some agency get in; everyone else gets a polite 403 page.

Forms follow POST/redirect/GET. A form is drawn with its own anti-double-submit key (scoped to the
official), so a double click acts once; the action forms also carry the dossier's `event_seq`, so
an officer who acts on a page someone else has just changed is told so instead of acting blindly.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tinhso.accounts.models import User
from tinhso.catalog.workflow import ActionSpec, CompiledWorkflow, Effect, Holder, StateSpec, compiled
from tinhso.core.audit import audit_record
from tinhso.core.calendar import calendar_for
from tinhso.core.models import Agency
from tinhso.dossiers import selectors, services
from tinhso.dossiers.attachments import attachment_open, size_label
from tinhso.dossiers.errors import ActionNotAllowed, Conflict, DossierError, Forbidden, InvalidInput, NotFound
from tinhso.dossiers.models import Attachment, Dossier, Status
from tinhso.dossiers.rules import Reason
from tinhso.notifications.selectors import dossier_notifications
from tinhso.web.backoffice.common import (
    Desk,
    client_ip,
    desk_required,
    officials_for,
    put_back,
    scoped_key,
    vnd,
    when,
)
from tinhso.web.backoffice.forms import ActionForm, new_key

PER_PAGE = 50
BULK_MAX = 200
BULK_SESSION_KEY = "backoffice_bulk_accept"

#: Inbox filters: (URL value, selector filter, label).
FILTERS = (
    ("tat-ca", selectors.InboxFilter.ALL, gettext_lazy("Tất cả")),
    ("sap-den-han", selectors.InboxFilter.DUE_SOON, gettext_lazy("Sắp đến hạn")),
    ("qua-han", selectors.InboxFilter.LATE, gettext_lazy("Quá hạn")),
    ("cho-bo-sung", selectors.InboxFilter.SUPPLEMENT, gettext_lazy("Chờ bổ sung")),
    ("cho-nghia-vu-tai-chinh", selectors.InboxFilter.PAYMENT, gettext_lazy("Chờ nghĩa vụ tài chính")),
)
MODES = (
    ("vai-tro", "role", gettext_lazy("Theo vai trò")),
    ("duoc-giao", "assigned", gettext_lazy("Được giao cho tôi")),
)

STATUS_TAGS = {
    Status.SUBMITTED: "govuk-tag--light-blue", Status.ACCEPTED: "govuk-tag--blue",
    Status.REFUSED: "govuk-tag--red", Status.IN_PROGRESS: "govuk-tag--blue",
    Status.SUPPLEMENT_REQUESTED: "govuk-tag--yellow", Status.FINANCIAL_REQUESTED: "govuk-tag--yellow",
    Status.WITHDRAWN: "govuk-tag--grey", Status.STOPPED: "govuk-tag--grey",
    Status.PROCESSED: "govuk-tag--turquoise", Status.RETURNED: "govuk-tag--green",
}
TIMELINESS_TAGS = {"early": "govuk-tag--green", "on_time": "govuk-tag--blue", "late": "govuk-tag--red"}
REASONS = {
    Reason.WITHIN_APPOINTMENT: gettext_lazy("Kết thúc xử lý trước hoặc đúng ngày hẹn trả."),
    Reason.AFTER_APPOINTMENT: gettext_lazy("Kết thúc xử lý sau ngày hẹn trả."),
    Reason.SEVERAL_SUPPLEMENTS: gettext_lazy("Yêu cầu bổ sung hơn một lần nên tính là quá hạn."),
    Reason.WITHIN_TIME_LIMIT: gettext_lazy("Trong thời hạn giải quyết của thủ tục."),
    Reason.OVER_TIME_LIMIT: gettext_lazy("Vượt thời hạn giải quyết của thủ tục."),
    Reason.NOT_ACCEPTED: gettext_lazy("Hồ sơ chưa được tiếp nhận nên chưa đánh giá."),
    Reason.NO_DEADLINE: gettext_lazy("Hồ sơ chưa có ngày hẹn trả."),
}
WARNING_EFFECTS = {Effect.REFUSE, Effect.STOP, Effect.WITHDRAW}

# --- Inbox --------------------------------------------------------------------------------------

class CountedPaginator(Paginator):
    """Django's paginator with the count already known (the filter tabs counted it)."""

    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count


@dataclass
class InboxRow:
    dossier: Dossier
    step: str
    late: bool
    due_soon: bool
    appointment_late: bool
    acceptable: bool


def _inbox_url(agency: Agency, mode: str, flt: str, q: str, page: int | None = None) -> str:
    params = {"co_quan": agency.code, "hop_thu": mode, "loc": flt}
    if q:
        params["q"] = q
    if page and page > 1:
        params["trang"] = page
    return f"{reverse('backoffice:inbox')}?{urlencode(params)}"


def _inbox_rows(dossiers: list[Dossier], agency: Agency, roles: frozenset[str]) -> list[InboxRow]:
    flows = selectors.workflows_compiled(d.workflow_id for d in dossiers)
    now = timezone.now()
    soon = calendar_for(agency=agency).add_working_hours(now, settings.TINHSO_DUE_SOON_HOURS)
    rows = []
    for d in dossiers:
        state = flows[d.workflow_id].states.get(d.state)
        due = d.state_due_at
        rows.append(InboxRow(
            dossier=d, step=state.name if state else d.state, late=bool(due and due < now),
            due_soon=bool(due and now <= due <= soon),
            appointment_late=bool(d.due_at and d.due_at < now and not d.finished_at),
            acceptable=bool(state) and any(a.effect == Effect.ACCEPT and roles.intersection(a.roles)
                                           for a in state.actions),
        ))
    return rows


@never_cache
@require_GET
@desk_required
def inbox(request):
    desk: Desk = request.desk
    agency = desk.pick(request.GET.get("co_quan"))
    modes = {slug: value for slug, value, _label in MODES}
    filters = {slug: value for slug, value, _label in FILTERS}
    mode = request.GET.get("hop_thu") if request.GET.get("hop_thu") in modes else "vai-tro"
    flt = request.GET.get("loc") if request.GET.get("loc") in filters else "tat-ca"
    q = (request.GET.get("q") or "").strip()[:100]

    def query(name: str):
        return selectors.inbox(request.user, selectors.InboxQuery(agency=agency, mode=modes[mode], filter=name, q=q))

    counts = {slug: query(value).count() for slug, value, _label in FILTERS}
    paginator = CountedPaginator(query(filters[flt]).select_related("procedure"), PER_PAGE, count=counts[flt])
    page = paginator.get_page(request.GET.get("trang"))
    rows = _inbox_rows(list(page.object_list), agency, desk.roles_at(agency))
    context = {
        "agencies": desk.agencies, "agency": agency, "mode": mode, "filter": flt, "q": q, "page": page,
        "rows": rows, "any_acceptable": any(r.acceptable for r in rows),
        "modes": [{"slug": s, "label": label, "url": _inbox_url(agency, s, "tat-ca", q), "current": s == mode}
                  for s, _v, label in MODES],
        "filters": [{"slug": s, "label": label, "count": counts[s], "url": _inbox_url(agency, mode, s, q),
                     "current": s == flt} for s, _v, label in FILTERS],
        "filter_label": next(label for s, _v, label in FILTERS if s == flt),
        "mode_label": next(label for s, _v, label in MODES if s == mode),
        "prev_url": _inbox_url(agency, mode, flt, q, page.previous_page_number()) if page.has_previous() else "",
        "next_url": _inbox_url(agency, mode, flt, q, page.next_page_number()) if page.has_next() else "",
        "clear_url": _inbox_url(agency, mode, flt, ""),
    }
    bulk = request.session.pop(BULK_SESSION_KEY, None)
    context.update({"bulk": bulk, "bulk_failed": any(not r["ok"] for r in bulk or [])})
    return render(request, "backoffice/inbox.html", context)


def _accept_many(user: User, codes: list[str]) -> list[dict[str, Any]]:
    """Accept the dossiers in one batch (`services.dossier_accept_many`); a result line per code,
    in the order ticked. A code the officer may not see reads as not found."""
    results: dict[str, dict[str, Any]] = {}
    visible: dict[int, str] = {}
    for code in codes:
        dossier = selectors.dossier_get_for(user, code=code, audit=False)
        if dossier is None:
            results[code] = {"code": code, "ok": False, "message": _("Không tìm thấy hồ sơ.")}
        else:
            visible[dossier.pk] = code
    outcomes = services.dossier_accept_many(actor=user, dossier_ids=list(visible))
    due = dict(Dossier.objects.filter(pk__in=[o.dossier_id for o in outcomes if o.ok]).values_list("pk", "due_at"))
    for outcome in outcomes:
        code = visible[outcome.dossier_id]
        results[code] = {"code": code, "ok": True,
                         "message": _("Đã tiếp nhận, hẹn trả kết quả %(due)s.") % {"due": when(due[outcome.dossier_id])}
                         } if outcome.ok else {"code": code, "ok": False, "message": str(outcome.error.message)}
    return [results[code] for code in codes]


@require_POST
@desk_required
def bulk_accept(request):
    """Accept the ticked dossiers in one batch: a dossier that cannot be accepted is reported and
    does not stop the others. The results are shown once on the inbox (POST/redirect/GET)."""
    desk: Desk = request.desk
    agency = desk.pick(request.POST.get("co_quan"))
    back = _inbox_url(agency, request.POST.get("hop_thu") or "vai-tro", request.POST.get("loc") or "tat-ca",
                      (request.POST.get("q") or "").strip()[:100])
    codes = list(dict.fromkeys(c.strip() for c in request.POST.getlist("ma_ho_so") if c.strip()))
    if not codes:
        messages.error(request, _("Chưa chọn hồ sơ nào để tiếp nhận."))
        return redirect(back)
    if len(codes) > BULK_MAX:
        messages.error(request, _("Mỗi lần chỉ tiếp nhận tối đa %(n)d hồ sơ.") % {"n": BULK_MAX})
        return redirect(back)
    request.session[BULK_SESSION_KEY] = _accept_many(request.user, codes)
    return redirect(back)


# --- The dossier page ---------------------------------------------------------------------------

def _holder_of(dossier: Dossier, state: StateSpec) -> int:
    return dossier.receiving_agency_id if state.holder == Holder.RECEIVING else dossier.competent_agency_id

def _action_form(action: ActionSpec, dossier: Dossier, wf: CompiledWorkflow, data=None, files=None) -> ActionForm:
    assignees = officials_for([_holder_of(dossier, wf.state(action.to))], wf.state(action.to)) \
        if action.assign else ()
    components = dossier.procedure_version.components if action.effect == Effect.SUPPLEMENT_RECEIVED else ()
    return ActionForm(data, files, action=action, assignees=assignees, components=components or (),
                      initial={"expected_seq": dossier.event_seq, "key": new_key()})


def _summary(dossier: Dossier, wf: CompiledWorkflow) -> list[dict[str, Any]]:
    version = dossier.procedure_version
    none = _("Chưa có")
    applicant = [dossier.applicant_name, _("Số giấy tờ: %(n)s") % {"n": dossier.applicant_id_number}]
    applicant += [x for x in (dossier.applicant_phone, dossier.applicant_email, dossier.applicant_address) if x]
    rows = [
        (_("Mã hồ sơ"), [dossier.code]),
        (_("Thủ tục"), [version.name, _("Mã %(code)s, phiên bản %(n)d") % {"code": dossier.procedure.code,
                                                                          "n": version.number}]),
        (_("Chủ hồ sơ"), applicant),
        (_("Kênh nộp"), [f"{dossier.get_channel_display()} ({dossier.get_source_display()})"]),
        (_("Cơ quan tiếp nhận"), [dossier.receiving_agency.name]),
        (_("Cơ quan có thẩm quyền"), [dossier.competent_agency.name]),
        (_("Cơ quan đang xử lý"), [dossier.holder_agency.name]),
        (_("Người được giao"), [dossier.assignee.full_name or dossier.assignee.username] if dossier.assignee
         else [_("Chưa giao cho người cụ thể")]),
        (_("Bước xử lý"), [wf.state(dossier.state).name]),
        (_("Hạn của bước hiện tại"), [when(dossier.state_due_at) or none]),
        (_("Ngày nộp"), [when(dossier.submitted_at)]),
        (_("Ngày tiếp nhận"), [when(dossier.accepted_at) or none]),
        (_("Ngày hẹn trả kết quả"), [when(dossier.due_at) or none]),
        (_("Ngày kết thúc xử lý"), [when(dossier.finished_at) or none]),
        (_("Ngày trả kết quả"), [when(dossier.returned_at) or none]),
        (_("Số lần yêu cầu bổ sung"), [str(dossier.supplement_count)]),
        (_("Số lần gia hạn"), [str(dossier.extension_count)]),
        (_("Phí, lệ phí"), [f"{fee.get('name')}: {vnd(int(fee.get('amount') or 0))}" for fee in version.fees]
         + [_("Tổng: %(total)s") % {"total": vnd(dossier.fee_total)}]),
    ]
    return [{"label": label, "lines": lines} for label, lines in rows]


def _answer_text(value: Any, prop: dict) -> str:
    if isinstance(value, bool):
        return _("Có") if value else _("Không")
    if value is None or value == "":
        return _("Không khai")
    if prop.get("format") == "date" and isinstance(value, str):
        try:
            return dt.date.fromisoformat(value).strftime("%d/%m/%Y")
        except ValueError:
            return value
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _answers(dossier: Dossier) -> list[dict[str, str]]:
    """The form data with the titles of the procedure version's form, in its order."""
    version = dossier.procedure_version
    properties = (version.form_schema or {}).get("properties") or {}
    ui_order = (version.form_ui or {}).get("order") or [] if isinstance(version.form_ui, dict) else []
    data = dossier.form_data or {}
    order = [n for n in ui_order if n in data] + [n for n in properties if n in data and n not in ui_order]
    order += [n for n in data if n not in order]
    return [{"title": str((properties.get(n) or {}).get("title") or n),
             "value": _answer_text(data[n], properties.get(n) or {})} for n in order]


def _attachments(dossier: Dossier) -> list[dict[str, Any]]:
    names = {c["code"]: c["name"] for c in dossier.procedure_version.components or []}
    return [{
        "name": a.name, "component": names.get(a.component_code, a.component_code) or _("Không xác định"),
        "size": size_label(a.size), "digitised": a.digitised, "sha": a.sha256[:12], "sha_full": a.sha256,
        "is_result": a.is_result, "url": reverse("backoffice:attachment", args=[dossier.code, a.pk]),
    } for a in dossier.attachments.all()]


def _slip(dossier: Dossier) -> list[dict[str, Any]]:
    """The control slip (phiếu kiểm soát quá trình giải quyết hồ sơ): one row per hand-over."""
    rows = []
    for event in selectors.dossier_events(dossier):
        rows.append({
            "seq": event.seq, "step": event.action_name,
            "from_agency": event.from_agency.name if event.from_agency else "",
            "to_agency": event.to_agency.name,
            "who": event.actor_name or _("Hệ thống"),
            "to_user": (event.to_user.full_name or event.to_user.username) if event.to_user else "",
            "at": when(event.at), "allowed": when(event.state_due_at),
            "timeliness": event.get_timeliness_display() if event.timeliness else "",
            "tag": TIMELINESS_TAGS.get(event.timeliness, ""), "note": event.note,
        })
    return rows


def _verdict(dossier: Dossier) -> dict[str, Any]:
    verdict = selectors.dossier_verdict(dossier)
    label = {True: _("Đúng hạn"), False: _("Quá hạn"), None: _("Chưa đánh giá")}[verdict.on_time]
    tag = {True: "govuk-tag--green", False: "govuk-tag--red", None: "govuk-tag--grey"}[verdict.on_time]
    return {"label": label, "tag": tag, "reason": REASONS.get(verdict.reason, ""),
            "so_far": dossier.finished_at is None and verdict.on_time is not None}


def _result_context(user: User, dossier: Dossier) -> dict[str, Any]:
    """The signed e-result, or whether this officer may sign it now (the competent agency's leader,
    once the dossier is approved)."""
    from tinhso.accounts.models import Role
    from tinhso.accounts.selectors import user_has_role
    from tinhso.documents.models import ResultDocument

    from tinhso.documents.kinds import FormKind
    from tinhso.documents.selectors import forms_for_dossier

    document = ResultDocument.objects.filter(dossier=dossier).first()
    may_sign = (document is None and dossier.status in (Status.PROCESSED, Status.RETURNED)
                and user_has_role(user, agency=dossier.competent_agency, roles=[Role.LEADER]))
    forms = [{"url": reverse("documents:form", args=[dossier.code, spec.kind]),
              "name": _("Mẫu %(number)s: %(name)s") % {"number": spec.number, "name": FormKind(spec.kind).label}}
             for spec in forms_for_dossier(dossier)]
    return {"result_document": document, "may_sign_result": may_sign, "official_forms": forms}


def _dossier_page(request, dossier: Dossier, *, bound: ActionForm | None = None, conflict: dict | None = None,
                  problem: str = "", status: int = 200):
    wf = compiled(dossier.workflow)
    forms = [bound if bound is not None and bound.action.code == action.code else _action_form(action, dossier, wf)
             for action in services.actions_for(dossier, request.user, workflow=wf)]
    context = {
        "dossier": dossier, "state_name": wf.state(dossier.state).name,
        "status_tag": STATUS_TAGS.get(dossier.status, ""), "summary": _summary(dossier, wf),
        "answers": _answers(dossier), "attachments": _attachments(dossier), "slip": _slip(dossier),
        "verdict": _verdict(dossier), "forms": forms, "warning_effects": WARNING_EFFECTS,
        "errors": bound.error_list() if bound is not None and conflict is None else [],
        "conflict": conflict, "problem": problem,
        "notifications": dossier_notifications(user=request.user, dossier=dossier),
        **_result_context(request.user, dossier),
    }
    return render(request, "backoffice/dossier.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
@desk_required
def dossier_detail(request, code: str):
    # Reading the page is audited (personal data); acting is recorded by the service itself.
    dossier = selectors.dossier_get_for(request.user, code=code, ip=client_ip(request), audit=request.method == "GET")
    if dossier is None:
        raise Http404
    if request.method == "POST":
        return _act(request, dossier)
    return _dossier_page(request, dossier)


ACTION_FIELDS = {"note": "note", "new_due_at": "new_due_at", "assignee": "assignee"}

def _action_field(name: str) -> str | None:
    if name.startswith("files"):
        return "files"
    return ACTION_FIELDS.get(name)


def _act(request, dossier: Dossier):
    wf = compiled(dossier.workflow)
    code = request.POST.get("thao_tac", "")
    spec = wf.action(dossier.state, code) or next((a for a in wf.actions.values() if a.code == code), None)
    if spec is None:
        return _dossier_page(request, dossier, problem=_("Thao tác không hợp lệ. Hãy chọn lại."), status=400)
    form = _action_form(spec, dossier, wf, data=request.POST, files=request.FILES)
    if not form.is_valid():
        return _dossier_page(request, dossier, bound=form, status=422)
    cd = form.cleaned_data
    assignee = User.objects.filter(pk=cd["assignee"], is_active=True).first() if cd.get("assignee") else None
    files = [services.IncomingFile(name=f.name, data=f, component_code=cd.get("component") or "", digitised=True)
             for f in cd.get("files") or []]
    try:
        services.dossier_act(
            actor=request.user, dossier_id=dossier.pk, action=spec.code, note=cd["note"],
            data={"new_due_at": cd["new_due_at"]} if cd.get("new_due_at") else {}, assignee=assignee, files=files,
            idempotency_key=scoped_key(request, cd["key"]), expected_seq=cd["expected_seq"])
    except Conflict as exc:
        if exc.code == "idempotency_key_reused":
            return _dossier_page(request, dossier, problem=str(exc.message), status=409)
        return _conflict(request, dossier, form)
    except InvalidInput as exc:
        put_back(form, exc, _action_field)
        return _dossier_page(request, dossier, bound=form, status=422)
    except (Forbidden, ActionNotAllowed) as exc:
        # The service checks the actor's capacity before the step number: a page left open while
        # the dossier moved on (to another agency, or to a step this role has nothing to do in)
        # is a conflict, not a lack of rights.
        if Dossier.objects.filter(pk=dossier.pk).values_list("event_seq", flat=True).first() != cd["expected_seq"]:
            return _conflict(request, dossier, form)
        return _dossier_page(request, dossier, problem=str(exc.message), status=exc.status)
    except NotFound:
        raise Http404 from None
    dossier.refresh_from_db(fields=["state"])
    messages.success(request, _("Đã thực hiện “%(action)s”. Hồ sơ đang ở bước “%(state)s”.") % {
        "action": spec.name, "state": wf.state(dossier.state).name})
    if spec.effect == Effect.RESULT_ISSUED:
        # The leader's approval issues the e-result signed with the agency's key (Decree 45/2020
        # Art. 25: an e-result has the legal value of the paper one). The approval stands even
        # when signing fails; the page then offers to sign again.
        _sign_result(request, dossier)
    return redirect("backoffice:dossier", code=dossier.code)


def _sign_result(request, dossier: Dossier) -> None:
    from tinhso.documents.services import result_issue

    try:
        document = result_issue(dossier_id=dossier.pk, actor=request.user, ip=client_ip(request))
    except DossierError as exc:
        messages.error(request, _("Chưa ký được kết quả điện tử: %(reason)s") % {"reason": exc.message})
        return
    messages.success(request, _("Đã ký số kết quả điện tử %(code)s.") % {"code": document.code})


@require_POST
@desk_required
def sign_result(request, code: str):
    """Sign the e-result again after a failed attempt (a key that was unavailable)."""
    dossier = selectors.dossier_get_for(request.user, code=code, ip=client_ip(request))
    if dossier is None:
        raise Http404
    _sign_result(request, dossier)
    return redirect("backoffice:dossier", code=dossier.code)


def _conflict(request, dossier: Dossier, form: ActionForm):
    """Someone acted first: show the dossier as it is now, keep what the officer typed."""
    fresh = selectors.dossier_get_for(request.user, code=dossier.code, audit=False)
    if fresh is None:
        raise Http404
    wf = compiled(fresh.workflow)
    still = any(a.code == form.action.code for a in services.actions_for(fresh, request.user, workflow=wf))
    kept = None
    if still:
        data = request.POST.copy()
        data[form.add_prefix("expected_seq")] = str(fresh.event_seq)
        kept = _action_form(form.action, fresh, wf, data=data)
        kept.full_clean()
    conflict = {"state": wf.state(fresh.state).name, "action": form.action.name, "kept": still,
                "note": form.cleaned_data.get("note", ""), "anchor": kept.summary_anchor() if kept else ""}
    return _dossier_page(request, fresh, bound=kept, conflict=conflict, status=409)


@never_cache
@require_GET
@desk_required
def attachment_download(request, code: str, attachment_id: int):
    """A file of the dossier, with the same checks as the API: visible dossier, audited."""
    dossier = selectors.dossier_get_for(request.user, code=code, audit=False)
    if dossier is None:
        raise Http404
    attachment = get_object_or_404(Attachment, pk=attachment_id, dossier=dossier)
    audit_record(action="dossier.attachment_downloaded", actor=request.user, object_type="dossier",
                 object_id=dossier.code, data={"attachment": attachment.pk}, ip=client_ip(request))
    response = FileResponse(attachment_open(attachment.storage_path), content_type=attachment.content_type,
                            as_attachment=True, filename=attachment.name)
    response["X-Content-Type-Options"] = "nosniff"
    return response
