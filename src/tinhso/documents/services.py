"""Writes and renderings of the documents module: official forms as PDF, signed e-results.

- `form_render` prints one official form (kinds.FormKind) of a dossier — or the register of an
  agency over a period — as PDF bytes, in the set of TINHSO_FORMS_SET.
- `result_issue` renders the dossier's result document, signs it with the competent agency's key
  (PAdES B-B), stores it as the dossier's result attachment and records a `ResultDocument`.
  Idempotent per dossier: issuing again returns the first result.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tinhso.accounts.models import Role, User
from tinhso.accounts.selectors import user_roles
from tinhso.catalog.workflow import Effect, compiled
from tinhso.core.audit import audit_record
from tinhso.core.models import Agency
from tinhso.documents import formatting as fmt
from tinhso.documents import selectors
from tinhso.documents.kinds import form_spec, forms_set_current
from tinhso.documents.models import ResultDocument
from tinhso.documents.pdf import render_pdf
from tinhso.documents.signing import AgencySigner
from tinhso.dossiers.attachments import attachment_inspect, attachment_store
from tinhso.dossiers.errors import ActionNotAllowed, Forbidden, NotFound
from tinhso.dossiers.models import Attachment, Dossier, Status
from tinhso.dossiers.selectors import dossiers_visible_to, may_view_register

RESULT_COMPONENT = "KQ"


# --- Official forms ------------------------------------------------------------------------------

def form_render(
    *,
    kind: str,
    dossier_id: int | None = None,
    actor: User | None = None,
    agency: Agency | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    supplement_id: int | None = None,
    forms_set: str | None = None,
) -> bytes:
    """The official form `kind` as a PDF.

    Per-dossier forms need `dossier_id`; the register needs `agency`, `start` and `end`. With an
    `actor`, the dossier must be visible to them (dossiers.selectors.dossiers_visible_to) and the
    register theirs to read (may_view_register), otherwise NotFound — exactly as a dossier read.
    Without an actor the caller is the platform itself (a background task). FormUnavailable
    (a NotFound) when there is nothing to print, e.g. no supplement request yet.
    """
    chosen = forms_set or forms_set_current()
    spec = form_spec(kind, chosen)
    if spec is None:
        raise selectors.FormUnavailable(
            _("Bộ biểu mẫu %(set)s không có biểu mẫu này.") % {"set": chosen})
    dossier = None
    if spec.per_dossier:
        if dossier_id is None:
            raise NotFound(_("Không tìm thấy hồ sơ."))
        if actor is not None and not dossiers_visible_to(actor).filter(pk=dossier_id).exists():
            raise NotFound(_("Không tìm thấy hồ sơ."))
        dossier = selectors.dossier_for_documents(dossier_id)
    elif actor is not None and (agency is None or not may_view_register(actor, agency)):
        raise NotFound(_("Không tìm thấy sổ theo dõi."))
    # Official documents are written in Vietnamese whatever the reader's language.
    with translation.override("vi"):
        context = selectors.form_context(spec, forms_set=chosen, dossier=dossier, agency=agency, start=start,
                                         end=end, supplement_id=supplement_id)
        return render_pdf(spec.template, context)


# --- E-results -----------------------------------------------------------------------------------

def result_code(dossier: Dossier) -> str:
    """The public code of the dossier's e-result, printed under its QR: "KQ-" + the dossier code
    (one result per dossier; the tracking page already shows the dossier code)."""
    return f"KQ-{dossier.code}"


def result_name(dossier: Dossier) -> str:
    """The result document's name from the procedure's list of results (an electronic one first)."""
    results = list(dossier.procedure_version.results or [])
    chosen = next((r for r in results if r.get("electronic")), results[0] if results else None)
    if chosen and chosen.get("name"):
        return str(chosen["name"])
    return _("Kết quả giải quyết thủ tục hành chính")


def _answer(value: Any, prop: dict) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if prop.get("format") == "date" and isinstance(value, str):
        try:
            return dt.date.fromisoformat(value).strftime("%d/%m/%Y")
        except ValueError:
            return value
    if isinstance(value, list):
        return "; ".join(_answer(v, prop.get("items") or {}) for v in value)
    if isinstance(value, dict):
        props = prop.get("properties") or {}
        return "; ".join(f"{(props.get(k) or {}).get('title', k)}: {_answer(v, props.get(k) or {})}"
                         for k, v in value.items())
    return str(value)


def result_rows(dossier: Dossier) -> list[tuple[str, str]]:
    """(label, value) of the applicant's form, in the order of the procedure's JSON Schema."""
    schema = dossier.procedure_version.form_schema or {}
    props = schema.get("properties") or {}
    data = dossier.form_data or {}
    keys = [k for k in props if k in data] + [k for k in data if k not in props]
    rows = []
    for key in keys:
        prop = props.get(key) or {}
        text = _answer(data.get(key), prop)
        if text:
            rows.append((str(prop.get("title") or key), text))
    return rows


def _may_issue(actor: User | None, dossier: Dossier) -> None:
    """The competent agency's leader signs (or the platform, actor None, in a background task
    after the approval). Anyone else: NotFound if they cannot see the dossier, Forbidden if they can."""
    if actor is None:
        return
    if user_roles(actor).filter(agency_id=dossier.competent_agency_id, role=Role.LEADER).exists():
        return
    if not dossiers_visible_to(actor).filter(pk=dossier.pk).exists():
        raise NotFound(_("Không tìm thấy hồ sơ."))
    raise Forbidden(_("Chỉ lãnh đạo %(agency)s được ký kết quả giải quyết hồ sơ này.")
                    % {"agency": dossier.competent_agency.name})


def _issuable(dossier: Dossier) -> None:
    """After the approval (status 9 or 10), or at the step whose action issues the result (the
    leader signs, then approves)."""
    if dossier.status in (Status.PROCESSED, Status.RETURNED):
        return
    ended = dossier.status in (Status.REFUSED, Status.WITHDRAWN, Status.STOPPED)
    if not ended and any(a.effect == Effect.RESULT_ISSUED
                         for a in compiled(dossier.workflow).actions_from(dossier.state)):
        return
    raise ActionNotAllowed(_("Hồ sơ %(code)s chưa đến bước ký kết quả.") % {"code": dossier.code})


def result_render(dossier: Dossier, *, code: str, name: str, signer_info, signed_at: dt.datetime,
                  signed_by: str) -> bytes:
    """The unsigned result PDF: a generic decision/certificate page of the competent agency."""
    agency = dossier.competent_agency
    context = {
        "national_name": fmt.NATIONAL_NAME, "national_motto": fmt.NATIONAL_MOTTO,
        "issuer": selectors.issuer_lines(agency, desk=False), "number": code,
        "date_line": fmt.date_line(fmt.place_of(agency), signed_at),
        "document_title": name, "code": dossier.code, "result_code": code,
        "procedure_name": dossier.procedure_version.name, "procedure_code": dossier.procedure.code,
        "legal_basis": list(dossier.procedure_version.legal_basis or []),
        "applicant": {"name": dossier.applicant_name, "id_number": dossier.applicant_id_number,
                      "address": dossier.applicant_address},
        "received_at": fmt.time_and_date(dossier.accepted_at or dossier.submitted_at),
        "agency_name": agency.name, "rows": result_rows(dossier),
        "signer": signer_info, "signed_at": timezone.localtime(signed_at).strftime("%H:%M %d/%m/%Y"),
        "signed_by": signed_by, "verification_url": selectors.verification_url(code),
        "qr": fmt.qr_data_uri(selectors.verification_url(code)),
    }
    with translation.override("vi"):
        return render_pdf("documents/result.html", context)


def result_issue(*, dossier_id: int, actor: User | None, ip: str = "") -> ResultDocument:
    """Render, sign and store the dossier's e-result; the existing one if it was issued already.

    Raises NotFound / Forbidden (who), ActionNotAllowed (not at the signing step, or the dossier
    was refused, withdrawn or stopped), SigningUnavailable (the agency's key cannot be used).
    The signed file is written before the transaction (content-addressed, like every attachment);
    if a concurrent call wins, the loser's file is an orphan that `attachments_gc` removes.
    """
    existing = ResultDocument.objects.filter(dossier_id=dossier_id).first()
    if existing is not None:
        return existing
    dossier = selectors.dossier_for_documents(dossier_id)
    _may_issue(actor, dossier)
    _issuable(dossier)
    code, name = result_code(dossier), result_name(dossier)
    signed_by = (actor.full_name or actor.get_username()) if actor is not None else ""
    with AgencySigner(dossier.competent_agency) as agency_signer:
        info = agency_signer.info
        signed_at = timezone.now()
        pdf = result_render(dossier, code=code, name=name, signer_info=info, signed_at=signed_at, signed_by=signed_by)
        signed = agency_signer.sign(pdf, reason=f"{name} — hồ sơ {dossier.code}",
                                    location=fmt.place_of(dossier.competent_agency))
    inspected = attachment_inspect(name=f"{name} {code}.pdf", data=signed)
    path = attachment_store(inspected=inspected, data=signed)
    try:
        with transaction.atomic():
            # Serialises issuers of one dossier (the row lock dossier transitions take too).
            Dossier.objects.select_for_update().filter(pk=dossier.pk).values_list("pk", flat=True).first()
            existing = ResultDocument.objects.filter(dossier_id=dossier.pk).first()
            if existing is not None:
                return existing
            now = timezone.now()
            attachment = Attachment.objects.create(
                dossier=dossier, component_code=RESULT_COMPONENT, name=inspected.safe_name, storage_path=path,
                size=inspected.size, content_type=inspected.content_type, sha256=inspected.sha256,
                uploaded_by=actor, uploaded_at=now, is_result=True)
            result = ResultDocument.objects.create(
                dossier=dossier, attachment=attachment, code=code, name=name, agency=dossier.competent_agency,
                sha256=inspected.sha256, signer_name=info.name, signer_organisation=info.organisation,
                certificate_serial=info.serial, signed_at=signed_at, issued_by=actor)
            audit_record(action="dossier.result_signed", actor=actor, object_type="dossier",
                         object_id=dossier.code, data={"result": code, "sha256": inspected.sha256,
                                                       "certificate_serial": info.serial}, ip=ip)
            return result
    except IntegrityError:
        winner = ResultDocument.objects.filter(dossier_id=dossier.pk).first()
        if winner is None:
            raise
        return winner
