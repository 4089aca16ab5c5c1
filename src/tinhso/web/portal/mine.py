"""The citizen's own pages: "Hồ sơ của tôi" (dossiers and drafts), a dossier (status, history,
files, results, supplement answer, withdrawal), the receipt, and the data store (facts, documents,
e-results). These stay on when online filing is switched off.

Another citizen's dossier, file or result is a 404, never a 403 (codes cannot be probed): every
dossier read goes through `dossiers.selectors.dossier_get_for`, which lets a citizen see only the
dossiers they are the applicant of.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tinhso.catalog.workflow import Effect, compiled
from tinhso.core.audit import audit_record
from tinhso.dossiers import citizen_store, selectors, services
from tinhso.dossiers.attachments import AttachmentRejected, attachment_open, size_label
from tinhso.dossiers.errors import Conflict, DossierError, InvalidInput
from tinhso.dossiers.models import Attachment, Dossier, FactSource, Status
from tinhso.web.portal.common import (
    STATUS_TAGS,
    citizen_required,
    client_ip,
    day,
    optional_template,
    vnd,
    when,
)
from tinhso.web.portal.forms import DocumentForm, FactsForm, SupplementForm, WithdrawForm
from tinhso.web.portal.views import time_limit
from tinhso.web.schema_forms import new_key

PER_PAGE = 20

#: Steps the citizen sees in the history: the ones that concern them (internal hand-overs between
#: officials are not shown), and those whose note is addressed to them.
CITIZEN_EFFECTS = {"submit", Effect.ACCEPT, Effect.REFUSE, Effect.SUPPLEMENT_REQUEST, Effect.SUPPLEMENT_RECEIVED,
                   Effect.FINANCIAL_REQUEST, Effect.FINANCIAL_DONE, Effect.EXTEND, Effect.STOP, Effect.WITHDRAW,
                   Effect.RESULT_ISSUED, Effect.RESULT_RETURNED}
NOTE_FOR_CITIZEN = {Effect.REFUSE, Effect.SUPPLEMENT_REQUEST, Effect.EXTEND, Effect.STOP, Effect.WITHDRAW,
                    Effect.SUPPLEMENT_RECEIVED, Effect.FINANCIAL_REQUEST}

#: Where other modules plug their boxes into the dossier page (rendered only once installed).
PAY_BOX_TEMPLATE = "payments/_pay_box.html"
RATING_TEMPLATE = "ratings/_rating_link.html"


def _mine(request, code: str) -> Dossier:
    dossier = selectors.dossier_get_for(request.user, code=code, ip=client_ip(request))
    if dossier is None:
        raise Http404
    return dossier


def _action(dossier: Dossier, user, effect: str):
    return next((a for a in services.actions_for(dossier, user) if a.effect == effect), None)


def _scoped(request, key: str) -> str:
    return f"web:{request.user.pk}:{key}"[:80]


# --- Hồ sơ của tôi -------------------------------------------------------------------------------

@never_cache
@require_GET
@citizen_required
def my_dossiers(request):
    group = request.GET.get("trang-thai") or ""
    known = [value for value, _s, _l in citizen_store.DOSSIER_GROUPS]
    group = group if group in known else ""
    paginator = Paginator(citizen_store.citizen_dossiers(request.user, group=group), PER_PAGE)
    page = paginator.get_page(request.GET.get("trang"))
    rows = [{"dossier": d, "status": Status(d.status).label, "tag": STATUS_TAGS.get(d.status, ""),
             "submitted": day(d.submitted_at), "due": day(d.due_at)} for d in page.object_list]
    drafts = [{"draft": d, "updated": when(d.updated_at)} for d in citizen_store.drafts_open(request.user)]
    filters = [("", _("Tất cả"))] + [(value, label) for value, _s, label in citizen_store.DOSSIER_GROUPS]
    return render(request, "portal/my_dossiers.html", {
        "rows": rows, "page": page, "drafts": drafts, "filters": filters, "group": group})


# --- A dossier ---------------------------------------------------------------------------------

def _history(dossier: Dossier) -> list[dict]:
    wf = compiled(dossier.workflow)
    rows = []
    for event in selectors.dossier_events(dossier):
        if event.effect not in CITIZEN_EFFECTS:
            continue
        rows.append({"at": when(event.at), "action": event.action_name, "state": wf.state(event.to_state).name,
                     "note": event.note if event.effect in NOTE_FOR_CITIZEN else "",
                     "agency": event.to_agency.name})
    return rows


@never_cache
@require_GET
@citizen_required
def dossier_detail(request, code: str):
    dossier = _mine(request, code)
    attachments = list(dossier.attachments.order_by("uploaded_at", "pk"))
    names = {c["code"]: c["name"] for c in dossier.procedure_version.components or []}
    names.update({r["code"]: r["name"] for r in dossier.procedure_version.results or []})
    for row in attachments:
        row.component_name = names.get(row.component_code, "")
        row.size_label = size_label(row.size)
    open_supplement = dossier.supplements.filter(received_at__isnull=True).order_by("-requested_at").first() \
        if dossier.status == Status.SUPPLEMENT_REQUESTED else None
    return render(request, "portal/dossier.html", {
        "dossier": dossier, "status": Status(dossier.status).label, "tag": STATUS_TAGS.get(dossier.status, ""),
        "state": compiled(dossier.workflow).state(dossier.state).name,
        "submitted": when(dossier.submitted_at), "accepted": when(dossier.accepted_at), "due": when(dossier.due_at),
        "finished": when(dossier.finished_at), "history": _history(dossier),
        "files": [a for a in attachments if not a.is_result], "results": [a for a in attachments if a.is_result],
        "open_supplement": open_supplement,
        "can_supplement": _action(dossier, request.user, Effect.SUPPLEMENT_RECEIVED) is not None,
        "can_withdraw": _action(dossier, request.user, Effect.WITHDRAW) is not None,
        "fee_total": vnd(dossier.fee_total) if dossier.fee_total else "",
        **_slots(dossier),
    })


def _slots(dossier: Dossier) -> dict:
    """What other modules show on the citizen's dossier page, once they are installed: the pay box
    (payments) and the rating link (ratings, after the result)."""
    out: dict = {"pay_box_template": None, "rating_template": optional_template(RATING_TEMPLATE), "rating_url": ""}
    if apps.is_installed("tinhso.payments") and optional_template(PAY_BOX_TEMPLATE):
        from tinhso.payments.selectors import pay_box

        out.update(pay_box_template=PAY_BOX_TEMPLATE, pay_box=pay_box(dossier=dossier), idempotency_key=new_key())
    if dossier.status in (Status.PROCESSED, Status.RETURNED):
        try:
            out["rating_url"] = reverse("tracking:rate", args=[dossier.code])
        except NoReverseMatch:
            pass
    return out


@never_cache
@require_GET
@citizen_required
def receipt(request, code: str):
    """Đã nộp hồ sơ: the code, what happens next, the appointment once accepted, and the receipt
    (Mẫu 01) as a PDF from the documents module."""
    dossier = _mine(request, code)
    return render(request, "portal/receipt.html", {
        "dossier": dossier, "submitted": when(dossier.submitted_at), "due": when(dossier.due_at),
        "time_limit": time_limit(dossier.procedure_version), "status": Status(dossier.status).label,
        "receipt_pdf": reverse("documents:form", args=[dossier.code, "tiep-nhan"]),
    })


@require_GET
@citizen_required
def attachment_download(request, code: str, attachment_id: int):
    """A file or result of the citizen's own dossier (the back office's serving rules: attachment,
    no sniffing, audited)."""
    dossier = _mine(request, code)
    attachment = get_object_or_404(Attachment, pk=attachment_id, dossier=dossier)
    audit_record(action="dossier.attachment_downloaded", actor=request.user, object_type="dossier",
                 object_id=dossier.code, data={"attachment": attachment.pk}, ip=client_ip(request))
    response = FileResponse(attachment_open(attachment.storage_path), content_type=attachment.content_type,
                            as_attachment=True, filename=attachment.name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Answer a supplement request, withdraw --------------------------------------------------------

@never_cache
@require_http_methods(["GET", "POST"])
@citizen_required
def supplement(request, code: str):
    dossier = _mine(request, code)
    action = _action(dossier, request.user, Effect.SUPPLEMENT_RECEIVED)
    if action is None:
        messages.info(request, _("Hồ sơ này hiện không chờ bổ sung."))
        return redirect("portal:dossier", code=code)
    components = dossier.procedure_version.components or []
    request_row = dossier.supplements.filter(received_at__isnull=True).order_by("-requested_at").first()
    status = 200
    if request.method == "POST":
        form = SupplementForm(request.POST, request.FILES, components=components)
        if form.is_valid():
            cd = form.cleaned_data
            files = [services.IncomingFile(name=f.name, data=f, component_code=cd.get("component") or "")
                     for f in cd.get("files") or []]
            try:
                services.dossier_act(actor=request.user, dossier_id=dossier.pk, action=action.code,
                                     note=cd.get("note") or "", files=files,
                                     idempotency_key=_scoped(request, cd["key"]))
            except InvalidInput as exc:
                details = exc.details if isinstance(exc.details, list) else []
                for d in details:
                    form.add_error("files" if str(d.get("field", "")).startswith("files") else None,
                                   str(d.get("message") or exc.message))
                if not details:
                    form.add_error(None, str(exc.message))
            except DossierError as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(request, _("Đã gửi hồ sơ bổ sung. Cơ quan giải quyết sẽ tiếp tục xử lý hồ sơ."))
                return redirect("portal:dossier", code=code)
        status = 422
    else:
        form = SupplementForm(initial={"key": new_key()}, components=components)
    return render(request, "portal/supplement.html", {
        "dossier": dossier, "form": form, "errors": form.error_list(), "fields": form.views(),
        "request_row": request_row, "refile": form.is_bound and bool(request.FILES)}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
@citizen_required
def withdraw(request, code: str):
    dossier = _mine(request, code)
    action = _action(dossier, request.user, Effect.WITHDRAW)
    if action is None:
        messages.info(request, _("Hồ sơ này không thể rút ở bước hiện tại."))
        return redirect("portal:dossier", code=code)
    status = 200
    if request.method == "POST":
        form = WithdrawForm(request.POST)
        if form.is_valid():
            try:
                services.dossier_act(actor=request.user, dossier_id=dossier.pk, action=action.code,
                                     note=form.cleaned_data["note"].strip(),
                                     idempotency_key=_scoped(request, form.cleaned_data["key"]))
            except (InvalidInput, Conflict, DossierError) as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(request, _("Đã rút hồ sơ %(code)s.") % {"code": dossier.code})
                return redirect("portal:dossier", code=code)
        status = 422
    else:
        form = WithdrawForm(initial={"key": new_key()})
    return render(request, "portal/withdraw.html", {
        "dossier": dossier, "form": form, "errors": form.error_list(), "fields": form.views()}, status=status)


# --- The data store --------------------------------------------------------------------------------

@never_cache
@require_GET
@citizen_required
def store(request):
    facts = citizen_store.citizen_facts(request.user)
    documents = list(citizen_store.citizen_documents(request.user))
    for document in documents:
        document.size_label = size_label(document.size)
    return render(request, "portal/store.html", {
        "facts": [{"view": f, "updated": when(f.updated_at)} for f in facts.values()],
        "documents": documents, "e_results": citizen_store.citizen_e_results(request.user),
        "dossier_count": citizen_store.citizen_dossiers(request.user).count(),
        "document_form": DocumentForm(), "document_fields": DocumentForm().views(),
    })


@never_cache
@require_http_methods(["GET", "POST"])
@citizen_required
def store_facts(request):
    from tinhso.web.portal.filing import unit_choices

    current = citizen_store.citizen_fact_values(request.user)
    status = 200
    if request.method == "POST":
        form = FactsForm(request.POST, unit_choices=unit_choices)
        if form.is_valid():
            values = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
            try:
                changed = citizen_store.citizen_facts_save(owner=request.user, values=values, source=FactSource.TYPED,
                                                           ip=client_ip(request))
            except InvalidInput as exc:
                for d in exc.details or []:
                    form.add_error(d["field"] if d["field"] in form.fields else None, d["message"])
            else:
                messages.success(request, _("Đã lưu %(n)d thông tin.") % {"n": len(changed)} if changed
                                 else _("Không có thông tin nào thay đổi."))
                return redirect("portal:store")
        status = 422
    else:
        form = FactsForm(initial=current, unit_choices=unit_choices)
    return render(request, "portal/store_facts.html", {
        "form": form, "errors": form.error_list(), "fields": form.views()}, status=status)


@never_cache
@require_POST
@citizen_required
def store_document_add(request):
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            citizen_store.citizen_document_add(owner=request.user, title=form.cleaned_data["title"], name=upload.name,
                                               data=upload, declared_type=upload.content_type)
        except AttachmentRejected as exc:
            form.add_error("file", exc.message)
        else:
            messages.success(request, _("Đã lưu giấy tờ vào kho dữ liệu."))
            return redirect("portal:store")
    facts = citizen_store.citizen_facts(request.user)
    documents = list(citizen_store.citizen_documents(request.user))
    for document in documents:
        document.size_label = size_label(document.size)
    return render(request, "portal/store.html", {
        "facts": [{"view": f, "updated": when(f.updated_at)} for f in facts.values()],
        "documents": documents, "e_results": citizen_store.citizen_e_results(request.user),
        "dossier_count": citizen_store.citizen_dossiers(request.user).count(),
        "document_form": form, "document_fields": form.views(), "errors": form.error_list(),
    }, status=422)


@require_GET
@citizen_required
def store_document_download(request, document_id: int):
    document = citizen_store.citizen_documents(request.user).filter(pk=document_id).first()
    if document is None:
        raise Http404
    response = FileResponse(citizen_store.blob_open(citizen_store.CITIZEN_STORAGE, document.storage_path),
                            content_type=document.content_type, as_attachment=True, filename=document.name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@never_cache
@require_POST
@citizen_required
def store_document_delete(request, document_id: int):
    try:
        citizen_store.citizen_document_delete(owner=request.user, document_id=document_id)
    except DossierError:
        raise Http404 from None
    messages.success(request, _("Đã xóa giấy tờ khỏi kho dữ liệu."))
    return redirect("portal:store")
