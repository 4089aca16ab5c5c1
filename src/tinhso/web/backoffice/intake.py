"""Counter intake (tiếp nhận tại quầy): choose the procedure, fill its form, scan the papers, accept
at once; then the receipt (Giấy tiếp nhận hồ sơ và hẹn trả kết quả, Mẫu 01)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from tinhso.accounts.models import Role, User
from tinhso.catalog import selectors as catalog_selectors
from tinhso.catalog.models import Channel, Procedure, ProcedureVersion
from tinhso.catalog.workflow import Effect, Holder, compiled
from tinhso.core.models import Agency
from tinhso.dossiers import selectors, services
from tinhso.dossiers.errors import DossierError, InvalidInput
from tinhso.web.backoffice.common import client_ip, desk_required, officials_for, put_back, scoped_key, when
from tinhso.web.backoffice.forms import APPLICANT_FIELDS, FILE_PREFIX, SCHEMA_PREFIX, IntakeForm, new_key


def _counter_agencies(request) -> list[Agency]:
    return request.desk.where(Role.RECEIVING_OFFICER)


def _counter_procedures(agency: Agency, q: str) -> list[Procedure]:
    """Procedures in force received in person: matching `q` (the start of a code, or the words of
    a name without accents), else those the agency decides."""
    if q and q.replace(".", "").isdigit():
        qs = catalog_selectors.procedure_search("").filter(code__startswith=q)
    elif q:
        qs = catalog_selectors.procedure_search(q)
    else:
        qs = catalog_selectors.procedure_search("").filter(assignments__agency=agency)
    return [p for p in qs[:100] if Channel.IN_PERSON in (p.current_version.channels or [])]


@never_cache
@require_GET
@desk_required
def intake_start(request):
    agencies = _counter_agencies(request)
    if not agencies:
        return render(request, "backoffice/no_access.html", {"official": True, "counter": True}, status=403)
    agency = request.desk.pick(request.GET.get("co_quan"), agencies)
    q = (request.GET.get("q") or "").strip()[:100]
    return render(request, "backoffice/intake_start.html", {
        "agencies": agencies, "agency": agency, "q": q, "procedures": _counter_procedures(agency, q)})


def _competent_choices(procedure: Procedure, agency: Agency) -> list[tuple[str, str]]:
    """The competent agencies to choose from, or [] when the service can tell (the receiving
    agency decides the procedure itself, or only one agency does)."""
    assigned = list(catalog_selectors.procedure_competent_agencies(procedure))
    if len(assigned) <= 1 or any(a.pk == agency.pk for a in assigned):
        return []
    return [(a.code, a.name) for a in assigned]


def _intake_assignees(procedure: Procedure, version: ProcedureVersion, agency: Agency,
                      competent: list[tuple[str, str]]):
    """Who may be given the dossier on acceptance: officials acting in the step after acceptance,
    at the agency that will hold it (all candidate competent agencies while none is chosen)."""
    wf = compiled(version.workflow)
    accept = next((a for a in wf.state(wf.start).actions if a.effect == Effect.ACCEPT), None)
    if accept is None or not accept.assign:
        return []
    target = wf.state(accept.to)
    assigned = [a.pk for a in catalog_selectors.procedure_competent_agencies(procedure)]
    if target.holder == Holder.RECEIVING or agency.pk in assigned or not assigned:
        agency_ids = [agency.pk]
    elif competent:
        agency_ids = assigned
    else:
        agency_ids = assigned[:1]
    return officials_for(agency_ids, target)


def _intake_field(form: IntakeForm, file_fields: list[str]):
    applicant = {service: mine for mine, service in APPLICANT_FIELDS.items()}

    def field_of(name: str) -> str | None:
        if name in applicant:
            return applicant[name]
        if name.startswith("form_data."):
            return SCHEMA_PREFIX + name.split(".")[1]
        if name.startswith("files."):
            index = name.split(".")[1]
            return file_fields[int(index)] if index.isdigit() and int(index) < len(file_fields) else None
        if name.startswith("components."):
            return FILE_PREFIX + name.split(".", 1)[1]
        return name if name in ("competent_agency", "assignee") else None

    return field_of


def _intake_submit(request, form: IntakeForm, agency: Agency, procedure: Procedure):
    cd = form.cleaned_data
    accept = request.POST.get("tiep_nhan") != "cho"
    files, file_fields = [], []
    for name, component in form.component_names.items():
        for upload in cd.get(name) or []:
            files.append(services.IncomingFile(name=upload.name, data=upload, component_code=component, digitised=True))
            file_fields.append(name)
    competent = Agency.objects.filter(code=cd["competent_agency"]).first() if cd.get("competent_agency") else None
    assignee = User.objects.filter(pk=cd["assignee"], is_active=True).first() if accept and cd.get("assignee") else None
    try:
        dossier, _created = services.dossier_intake(
            actor=request.user, procedure_code=procedure.code, receiving_agency=agency, source="counter",
            applicant=services.Applicant(kind=cd["applicant_kind"], name=cd["applicant_name"],
                                         id_number=cd["applicant_id_number"], phone=cd.get("applicant_phone") or "",
                                         email=cd.get("applicant_email") or "",
                                         address=cd.get("applicant_address") or ""),
            form_data=form.form_data(), files=files, competent_agency=competent, accept=accept, assignee=assignee,
            idempotency_key=scoped_key(request, cd["key"]))
    except InvalidInput as exc:
        put_back(form, exc, _intake_field(form, file_fields))
        return None
    except DossierError as exc:
        form.add_error(None, str(exc.message))
        return None
    return redirect("backoffice:receipt", code=dossier.code)


@never_cache
@require_http_methods(["GET", "POST"])
@desk_required
def intake_form(request, procedure_code: str):
    agencies = _counter_agencies(request)
    if not agencies:
        return render(request, "backoffice/no_access.html", {"official": True, "counter": True}, status=403)
    agency = request.desk.pick(request.POST.get("co_quan") or request.GET.get("co_quan"), agencies)
    procedure = catalog_selectors.procedure_get(procedure_code)
    version = catalog_selectors.procedure_current_version(procedure) if procedure and procedure.is_active else None
    if version is None or Channel.IN_PERSON not in version.channels:
        raise Http404
    competent = _competent_choices(procedure, agency)
    options = {"version": version, "competent": competent,
               "assignees": _intake_assignees(procedure, version, agency, competent)}
    status = 200
    if request.method == "POST":
        form = IntakeForm(request.POST, request.FILES, **options)
        if form.is_valid():
            done = _intake_submit(request, form, agency, procedure)
            if done is not None:
                return done
        status = 422
    else:
        form = IntakeForm(initial={"key": new_key()}, **options)
    routing = [n for n in ("competent_agency", "assignee") if n in form.fields]
    return render(request, "backoffice/intake_form.html", {
        "form": form, "agency": agency, "agencies": agencies, "procedure": procedure, "version": version,
        "errors": form.error_list(), "applicant_fields": form.views(list(APPLICANT_FIELDS)),
        "questions": form.views(list(form.schema_names)), "components": form.views(list(form.component_names)),
        "routing": form.views(routing), "refile": form.is_bound and form.files_chosen(),
    }, status=status)


@never_cache
@require_GET
@desk_required
def receipt(request, code: str):
    """Giấy tiếp nhận hồ sơ và hẹn trả kết quả (Mẫu 01), to print at the counter."""
    dossier = selectors.dossier_get_for(request.user, code=code, ip=client_ip(request))
    if dossier is None:
        raise Http404
    received: dict[str, int] = {}
    for component_code in dossier.attachments.values_list("component_code", flat=True):
        received[component_code] = received.get(component_code, 0) + 1
    components = [{"name": c["name"], "files": received.get(c["code"], 0), "originals": c.get("originals", 0),
                   "copies": c.get("copies", 0)} for c in dossier.procedure_version.components or []]
    accepted_by = dossier.events.filter(effect=Effect.ACCEPT).values_list("actor_name", flat=True).first()
    return render(request, "backoffice/receipt.html", {
        "dossier": dossier, "components": components, "accepted_by": accepted_by,
        "received_at": when(dossier.accepted_at or dossier.submitted_at), "due": when(dossier.due_at),
    })
