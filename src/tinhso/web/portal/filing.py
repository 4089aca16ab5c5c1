"""Filing a dossier online (nộp hồ sơ trực tuyến): the GOV.UK task-list pattern over a draft.

start → task list → applicant → (agency) → the form's pages → files → (fee) → check answers →
submit → receipt. Every page saves to the draft (server-side, resumable from "Hồ sơ của tôi");
a page with errors answers 422 with an error summary and the inline messages, everything typed
kept. Submission is `citizen_store.draft_submit` (idempotent per draft).
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from tinhso.catalog import selectors as catalog_selectors
from tinhso.catalog.models import Channel, ProcedureVersion
from tinhso.core.models import Agency
from tinhso.core.selectors import deployment_province, unit_children
from tinhso.dossiers import citizen_store
from tinhso.dossiers.attachments import AttachmentRejected, size_label
from tinhso.dossiers.errors import DossierError, InvalidInput, NotFound
from tinhso.dossiers.models import Draft
from tinhso.web.portal.common import (
    VNEID_SESSION_KEY,
    citizen_required,
    client_ip,
    day,
    filing_required,
    vnd,
)
from tinhso.web.portal.forms import AgencyForm, ApplicantForm, SaveFactsForm, SchemaPageForm, UploadForm
from tinhso.web.portal.views import time_limit
from tinhso.web.schema_forms import FormPage, field_view, form_pages, schema_defaults, schema_questions

BACK_TO_CHECK = "kiem-tra"

def unit_choices() -> list[tuple[str, str]]:
    """The communes of the deployment's province, for the form's `unit` questions."""
    province = deployment_province()
    if province is None:
        return []
    return [(u.code, u.name) for u in unit_children(unit=province, day=timezone.localdate()).order_by("name")]


# --- The draft's tasks ----------------------------------------------------------------------------

@dataclass
class Task:
    key: str
    title: str
    url: str
    status: str
    hint: str = ""

    @property
    def status_label(self) -> str:
        return str({"done": _("Đã xong"), "started": _("Đang làm"), "todo": _("Chưa bắt đầu"),
                    "cannot": _("Chưa thể bắt đầu")}[self.status])


@dataclass
class Flow:
    """Everything the filing pages need to know about a draft's procedure and progress."""

    draft: Draft
    version: ProcedureVersion
    pages: list[FormPage]
    agencies: list[Agency]

    @property
    def needs_agency(self) -> bool:
        return len(self.agencies) > 1

    @property
    def has_fee(self) -> bool:
        return self.version.fee_total > 0

    def url(self, name: str, *args) -> str:
        return reverse(f"portal:{name}", args=[self.draft.public_id, *args])

    def sections(self) -> list[list[FormPage]]:
        groups: dict[int, list[FormPage]] = {}
        for page in self.pages:
            groups.setdefault(page.section, []).append(page)
        return list(groups.values())

    def page_done(self, page: FormPage) -> bool:
        return f"page-{page.index}" in self.draft.done

    def files_done(self) -> bool:
        return "files" in self.draft.done and not citizen_store.draft_missing_components(self.draft)

    def tasks(self) -> list[Task]:
        done = set(self.draft.done)
        tasks = [Task("applicant", _("Thông tin người nộp hồ sơ"), self.url("draft_applicant"),
                      "done" if "applicant" in done else "todo")]
        if self.needs_agency:
            tasks.append(Task("agency", _("Nơi giải quyết hồ sơ"), self.url("draft_agency"),
                              "done" if "agency" in done and self.draft.agency_id else "todo"))
        for pages in self.sections():
            finished = [p for p in pages if self.page_done(p)]
            first = next((p for p in pages if not self.page_done(p)), pages[0])
            status = "done" if len(finished) == len(pages) else ("started" if finished else "todo")
            tasks.append(Task(f"section-{pages[0].section}", pages[0].title, self.url("draft_page", first.index),
                              status))
        files_status = "done" if self.files_done() else ("started" if self.draft.files.exists() else "todo")
        tasks.append(Task("files", _("Giấy tờ kèm theo"), self.url("draft_files"), files_status))
        if self.has_fee:
            tasks.append(Task("fee", _("Phí, lệ phí"), self.url("draft_fee"), "done" if "fee" in done else "todo"))
        return tasks

    def complete(self) -> bool:
        return all(t.status == "done" for t in self.tasks())

    def page_of(self, name: str) -> FormPage | None:
        return next((p for p in self.pages if name in p.names), None)


def _flow(draft: Draft) -> Flow:
    version = draft.procedure_version
    agencies = list(catalog_selectors.procedure_competent_agencies(version.procedure))
    return Flow(draft=draft, version=version, pages=form_pages(version.form_schema, version.form_ui),
                agencies=agencies)


def _draft(request, draft_id) -> Draft:
    draft = citizen_store.draft_get(request.user, draft_id)
    if draft is None:
        raise Http404
    if draft.dossier_id is None and citizen_store.draft_outdated(draft):
        draft = citizen_store.draft_rebase(draft=draft)
        messages.warning(request, _("Thủ tục vừa được cập nhật theo quy định mới. Các câu trả lời vẫn được giữ; "
                                    "hãy kiểm tra lại từng phần."))
    return draft


def _submitted(draft: Draft):
    return redirect("portal:receipt", code=draft.dossier.code) if draft.dossier_id else None


def _back_to_check(request) -> bool:
    return (request.GET.get("ve") or request.POST.get("ve")) == BACK_TO_CHECK


def _after(request, flow: Flow, default: str):
    if _back_to_check(request) and flow.complete():
        return redirect(flow.url("draft_check"))
    return redirect(default)


def _context(flow: Flow, **extra):
    return {"draft": flow.draft, "version": flow.version, "flow": flow,
            "back_to_check": BACK_TO_CHECK, **extra}


# --- Start ---------------------------------------------------------------------------------------

@never_cache
@require_http_methods(["GET", "POST"])
@filing_required
@citizen_required
def start(request, code: str):
    """Before you start (what you need), the drafts already begun for this procedure, and a POST
    button that opens a new draft."""
    procedure = catalog_selectors.procedure_get(code)
    version = catalog_selectors.procedure_current_version(procedure) if procedure and procedure.is_active else None
    if version is None or Channel.ONLINE not in (version.channels or []):
        raise Http404
    if request.method == "POST":
        agencies = list(catalog_selectors.procedure_competent_agencies(procedure))
        if not agencies:
            messages.error(request, _("Thủ tục này chưa có cơ quan giải quyết trên cổng; hãy thử lại sau."))
            return redirect("portal:procedure", code=code)
        draft = citizen_store.draft_create(owner=request.user, version=version,
                                           agency=agencies[0] if len(agencies) == 1 else None)
        return redirect("portal:draft", draft_id=draft.public_id)
    drafts = [d for d in citizen_store.drafts_open(request.user) if d.procedure_version.procedure_id == procedure.pk]
    return render(request, "portal/start.html", {
        "procedure": procedure, "version": version, "drafts": drafts, "components": version.components or [],
        "time_limit": time_limit(version)})


# --- Task list -----------------------------------------------------------------------------------

@never_cache
@require_http_methods(["GET"])
@filing_required
@citizen_required
def draft_tasks(request, draft_id):
    draft = _draft(request, draft_id)
    if (done := _submitted(draft)) is not None:
        return done
    flow = _flow(draft)
    tasks = flow.tasks()
    finished = sum(1 for t in tasks if t.status == "done")
    return render(request, "portal/draft_tasks.html", _context(
        flow, tasks=tasks, finished=finished, total=len(tasks), complete=finished == len(tasks)))


# --- Applicant and agency -------------------------------------------------------------------------

def _locked(user) -> dict[str, str]:
    return {"name": user.full_name or "", "id_number": user.personal_id or user.tax_code or ""}


@never_cache
@require_http_methods(["GET", "POST"])
@filing_required
@citizen_required
def draft_applicant(request, draft_id):
    draft = _draft(request, draft_id)
    if (done := _submitted(draft)) is not None:
        return done
    flow = _flow(draft)
    locked = _locked(request.user)
    status = 200
    if request.method == "POST":
        form = ApplicantForm(request.POST, locked=locked)
        if form.is_valid():
            citizen_store.draft_update(draft=draft, applicant=form.values(), done="applicant")
            following = flow.url("draft_agency") if flow.needs_agency and "agency" not in draft.done \
                else flow.url("draft")
            return _after(request, flow, following)
        status = 422
    else:
        form = ApplicantForm(initial=draft.applicant, locked=locked)
    return render(request, "portal/draft_applicant.html", _context(
        flow, form=form, errors=form.error_list(), fields=form.views(),
        locked=[(str(ApplicantForm.base_fields[k].label), v) for k, v in form.locked.items()]), status=status)


@never_cache
@require_http_methods(["GET", "POST"])
@filing_required
@citizen_required
def draft_agency(request, draft_id):
    draft = _draft(request, draft_id)
    if (done := _submitted(draft)) is not None:
        return done
    flow = _flow(draft)
    if not flow.needs_agency:
        return redirect(flow.url("draft"))
    status = 200
    if request.method == "POST":
        form = AgencyForm(request.POST, agencies=flow.agencies)
        if form.is_valid():
            agency = next(a for a in flow.agencies if a.code == form.cleaned_data["agency"])
            citizen_store.draft_update(draft=draft, agency=agency, done="agency")
            return _after(request, flow, flow.url("draft"))
        status = 422
    else:
        current = next((a.code for a in flow.agencies if a.pk == draft.agency_id), "")
        form = AgencyForm(initial={"agency": current}, agencies=flow.agencies)
    return render(request, "portal/draft_question.html", _context(
        flow, form=form, errors=form.error_list(), fields=form.views(), heading=form.fields["agency"].label),
        status=status)


# --- The procedure's form, page by page ------------------------------------------------------------

@never_cache
@require_http_methods(["GET", "POST"])
@filing_required
@citizen_required
def draft_page(request, draft_id, number: int):
    draft = _draft(request, draft_id)
    if (done := _submitted(draft)) is not None:
        return done
    flow = _flow(draft)
    if number >= len(flow.pages):
        raise Http404
    page = flow.pages[number]
    options = {"version": flow.version, "page": page, "unit_choices": unit_choices}
    status = 200
    if request.method == "POST":
        form = SchemaPageForm(request.POST, **options)
        if form.is_valid() and form.check_schema(draft.answers):
            citizen_store.draft_update(draft=draft, answers=form.answers(), replace=page.names,
                                       done=f"page-{page.index}")
            following = flow.pages[number + 1] if number + 1 < len(flow.pages) else None
            if following is not None and following.section == page.section:
                target = flow.url("draft_page", following.index)
                if _back_to_check(request):
                    target += f"?ve={BACK_TO_CHECK}"
                return redirect(target)
            return _after(request, flow, flow.url("draft"))
        status = 422
    else:
        # The schema's defaults until the page has been answered (an answer emptied on purpose stays empty).
        defaults = {} if flow.page_done(page) else schema_defaults(flow.version.form_schema)
        form = SchemaPageForm(initial={**defaults, **draft.answers}, **options)
    facts = citizen_store.citizen_fact_values(request.user)
    prefilled = [name for name, key in citizen_store.property_facts(flow.version.form_schema).items()
                 if name in page.names and facts.get(key) and str(draft.answers.get(name, "")) == facts[key]]
    fields = form.views(list(page.names))
    section_pages = [p for p in flow.pages if p.section == page.section]
    return render(request, "portal/draft_page.html", _context(
        flow, form=form, errors=form.error_list(), fields=fields, page=page, prefilled=bool(prefilled),
        single=len(fields) == 1, step=section_pages.index(page) + 1, steps=len(section_pages)), status=status)


# --- Files ---------------------------------------------------------------------------------------

def _file_views(flow: Flow, forms_by_code: dict[str, UploadForm]):
    staged: dict[str, list] = {}
    for row in flow.draft.files.select_related("source_document", "source_attachment").order_by("added_at", "pk"):
        row.size_label = size_label(row.size)
        staged.setdefault(row.component_code, []).append(row)
    return [{"component": c, "form": forms_by_code[c["code"]], "fields": forms_by_code[c["code"]].views(),
             "staged": staged.get(c["code"], [])} for c in flow.version.components or []]


@never_cache
@require_http_methods(["GET", "POST"])
@filing_required
@citizen_required
def draft_files(request, draft_id):
    draft = _draft(request, draft_id)
    if (done := _submitted(draft)) is not None:
        return done
    flow = _flow(draft)
    components = flow.version.components or []
    forms_by_code = {c["code"]: UploadForm(component=c) for c in components}
    errors: list[dict[str, str]] = []
    status = 200
    if request.method == "POST":
        action, _sep, code = (request.POST.get("thao_tac") or "").partition(":")
        try:
            if action == "tai-len" and code in forms_by_code:
                component = next(c for c in components if c["code"] == code)
                form = forms_by_code[code] = UploadForm(request.POST, request.FILES, component=component)
                if form.is_valid():
                    upload = form.cleaned_data["file"]
                    try:
                        staged = citizen_store.draft_file_upload(
                            draft=draft, component_code=code, name=upload.name, data=upload,
                            declared_type=upload.content_type,
                            keep_title=component["name"] if form.cleaned_data.get("keep") else "")
                    except AttachmentRejected as exc:
                        form.add_error("file", exc.message)
                    else:
                        messages.success(request, _("Đã tải lên “%(name)s”.") % {"name": staged.name})
                        return redirect(flow.url("draft_files") + f"#tp-{code}")
                errors = form.error_list()
            elif action == "dung-ket-qua":
                staged = citizen_store.draft_file_reuse_result(
                    draft=draft, component_code=code, attachment_id=int(request.POST.get("ket_qua") or 0))
                messages.success(request, _("Đã dùng kết quả điện tử “%(name)s” thay cho bản sao.")
                                 % {"name": staged.name})
                return redirect(flow.url("draft_files") + f"#tp-{code}")
            elif action == "dung-giay-to":
                staged = citizen_store.draft_file_from_document(
                    draft=draft, component_code=code, document_id=int(request.POST.get("giay_to") or 0))
                messages.success(request, _("Đã đính kèm “%(name)s” từ kho dữ liệu.") % {"name": staged.name})
                return redirect(flow.url("draft_files") + f"#tp-{code}")
            elif action == "xoa":
                citizen_store.draft_file_remove(draft=draft, file_id=int(code or 0))
                messages.success(request, _("Đã bỏ tệp."))
                return redirect(flow.url("draft_files"))
            elif action == "tiep-tuc":
                missing = citizen_store.draft_missing_components(draft)
                if not missing:
                    citizen_store.draft_update(draft=draft, done="files")
                    return _after(request, flow, flow.url("draft"))
                errors = [{"href": f"#id_tp-{c['code']}-file",
                           "message": _("Cần đính kèm: %(name)s.") % {"name": c["name"]}} for c in missing]
                for c in missing:
                    form = forms_by_code[c["code"]] = UploadForm({}, {}, component=c)
                    form.full_clean()
                    form.errors["file"] = form.error_class([_("Cần đính kèm giấy tờ này.")])
            else:
                errors = [{"href": "#main-content", "message": _("Thao tác không hợp lệ, hãy thử lại.")}]
        except (InvalidInput, NotFound, ValueError) as exc:
            details = getattr(exc, "details", None) if isinstance(getattr(exc, "details", None), list) else []
            said = [str(d.get("message")) for d in details if d.get("message")] or [
                str(getattr(exc, "message", "") or _("Thao tác không hợp lệ, hãy thử lại."))]
            errors = [{"href": f"#tp-{code}" if code in forms_by_code else "#main-content", "message": m}
                      for m in said]
        status = 422
    reusable = any(c.get("reusable_result") for c in components)
    e_results = citizen_store.citizen_e_results(request.user) if reusable else []
    documents = list(citizen_store.citizen_documents(request.user))
    return render(request, "portal/draft_files.html", _context(
        flow, errors=errors, items=_file_views(flow, forms_by_code), e_results=e_results, documents=documents,
        max_size=size_label(_max_bytes())), status=status)


def _max_bytes() -> int:
    from django.conf import settings

    return int(settings.TINHSO_ATTACHMENT_MAX_BYTES)


# --- Fee -----------------------------------------------------------------------------------------

@never_cache
@require_http_methods(["GET", "POST"])
@filing_required
@citizen_required
def draft_fee(request, draft_id):
    draft = _draft(request, draft_id)
    if (done := _submitted(draft)) is not None:
        return done
    flow = _flow(draft)
    if request.method == "POST":
        citizen_store.draft_update(draft=draft, done="fee")
        return _after(request, flow, flow.url("draft"))
    fees = [{**f, "amount_label": vnd(f.get("amount") or 0)} for f in flow.version.fees or []]
    return render(request, "portal/draft_fee.html", _context(flow, fees=fees, total=vnd(flow.version.fee_total)))


# --- Check answers and submit ------------------------------------------------------------------------

def _answer_label(made, value) -> str:
    if value in (None, ""):
        return ""
    if isinstance(value, bool):
        return _("Có") if value else _("Không")
    if isinstance(made, forms.DateField):
        return day(value)
    choices = {str(k): str(v) for k, v in getattr(made, "choices", []) or []}
    return choices.get(str(value), str(value))


def _summary(flow: Flow) -> list[dict]:
    """The check-answers page: one summary list per section, a "Thay đổi" link per answer."""
    draft, version = flow.draft, flow.version
    back = f"?ve={BACK_TO_CHECK}"
    locked = {k for k, v in _locked(draft.owner).items() if v}
    groups = [{"title": _("Thông tin người nộp hồ sơ"), "rows": [
        {"key": str(ApplicantForm.base_fields[k].label), "value": draft.applicant.get(k, ""),
         "url": "" if k in locked else flow.url("draft_applicant") + back + f"#id_{k}"}
        for k in ("name", "id_number", "phone", "email", "address")]}]
    if flow.needs_agency:
        groups.append({"title": _("Nơi giải quyết hồ sơ"), "rows": [
            {"key": _("Cơ quan giải quyết"), "value": draft.agency.name if draft.agency_id else "",
             "url": flow.url("draft_agency") + back}]})
    for pages in flow.sections():
        rows = []
        for page in pages:
            questions, _unsupported = schema_questions(version.form_schema, version.form_ui, names=page.names,
                                                       unit_choices=unit_choices)
            for name, made in questions:
                rows.append({"key": str(made.label), "value": _answer_label(made, draft.answers.get(name)),
                             "url": flow.url("draft_page", page.index) + back + f"#id_{name}"})
        groups.append({"title": pages[0].title, "rows": rows})
    return groups


def _problem_href(flow: Flow, field: str) -> str:
    back = f"?ve={BACK_TO_CHECK}"
    head, _sep, rest = field.partition(".")
    if head == "applicant":
        return flow.url("draft_applicant") + back + f"#id_{rest}"
    if head == "form_data":
        page = flow.page_of(rest.split(".")[0])
        return flow.url("draft_page", page.index) + back + f"#id_{rest.split('.')[0]}" if page else flow.url("draft")
    if head in ("files", "components"):
        return flow.url("draft_files") + back
    if head in ("agency", "competent_agency"):
        return flow.url("draft_agency") + back
    return "#main-content"


@never_cache
@require_http_methods(["GET", "POST"])
@filing_required
@citizen_required
def draft_check(request, draft_id):
    draft = _draft(request, draft_id)
    if (done := _submitted(draft)) is not None:
        return done
    flow = _flow(draft)
    if not flow.complete():
        messages.info(request, _("Hãy hoàn thành các phần còn lại trước khi kiểm tra và gửi hồ sơ."))
        return redirect(flow.url("draft"))
    errors: list[dict[str, str]] = []
    status = 200
    if request.method == "POST":
        form = SaveFactsForm(request.POST)
        form.is_valid()
        citizen_store.draft_update(draft=draft, save_facts=bool(form.cleaned_data.get("save_facts")))
        try:
            dossier, _created = citizen_store.draft_submit(
                draft=draft, actor=request.user, vneid_authenticated=bool(request.session.get(VNEID_SESSION_KEY)),
                ip=client_ip(request))
        except InvalidInput as exc:
            details = exc.details if isinstance(exc.details, list) else []
            errors = [{"href": _problem_href(flow, str(d.get("field") or "")), "message": str(d.get("message"))}
                      for d in details] or [{"href": "#main-content", "message": str(exc.message)}]
            status = 422
        except DossierError as exc:
            errors = [{"href": "#main-content", "message": str(exc.message)}]
            status = 422
        else:
            return redirect("portal:receipt", code=dossier.code)
    else:
        form = SaveFactsForm(initial={"save_facts": draft.save_facts})
    files = list(draft.files.order_by("added_at", "pk"))
    names = {c["code"]: c["name"] for c in flow.version.components or []}
    for row in files:
        row.component_name = names.get(row.component_code, row.component_code)
        row.size_label = size_label(row.size)
    return render(request, "portal/draft_check.html", _context(
        flow, groups=_summary(flow), files=files, fee_total=vnd(flow.version.fee_total) if flow.has_fee else "",
        errors=errors, save_field=field_view(form["save_facts"])), status=status)


# --- Delete ----------------------------------------------------------------------------------------

@never_cache
@require_http_methods(["GET", "POST"])
@filing_required
@citizen_required
def draft_delete(request, draft_id):
    draft = _draft(request, draft_id)
    if (done := _submitted(draft)) is not None:
        return done
    if request.method == "POST":
        citizen_store.draft_delete(owner=request.user, draft=draft)
        messages.success(request, _("Đã xóa hồ sơ đang soạn."))
        return redirect("portal:my_dossiers")
    return render(request, "portal/draft_delete.html", {"draft": draft, "version": draft.procedure_version})
