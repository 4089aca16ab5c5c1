"""Reads for the documents: the data each official form prints, gathered from the dossier module's
models and selectors only (never written here), and the issued e-results.

Who may read: the caller checks it with `dossier_visible` (the rule of
`dossiers.selectors.dossiers_visible_to`: applicant, or an official of an agency the dossier
passed through) or, for the register, `dossiers.selectors.may_view_register`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.accounts.models import User
from tinhso.catalog.models import Channel
from tinhso.catalog.workflow import Effect
from tinhso.core.models import Agency, AgencyKind
from tinhso.documents import formatting as fmt
from tinhso.documents.kinds import FormKind, FormSpec
from tinhso.documents.models import ResultDocument
from tinhso.documents.words import money_in_digits, money_in_words
from tinhso.dossiers import selectors as dossier_selectors
from tinhso.dossiers.errors import NotFound
from tinhso.dossiers.models import Dossier, DossierEvent, Status, Supplement, Timeliness

SERVICE_CENTRES = (AgencyKind.PROVINCE_SERVICE_CENTRE, AgencyKind.COMMUNE_SERVICE_CENTRE)


class FormUnavailable(NotFound):
    """The form does not exist (yet) for this dossier: no supplement request, refusal, extension
    or stop to print, or a form the chosen set does not have."""

    code = "form_unavailable"


# --- Links printed on the documents ---------------------------------------------------------

def tracking_url(code: str) -> str:
    """The public tracking page of a dossier (the QR of form 01)."""
    return f"{settings.TINHSO_BASE_URL}/tra-cuu/{code}/"


def verification_url(code: str) -> str:
    """The public verification page of an e-result (the QR printed on the result)."""
    return f"{settings.TINHSO_BASE_URL}/xac-thuc/{code}/"


# --- Who may read -----------------------------------------------------------------------------

def dossier_visible(user: User, *, code: str) -> Dossier | None:
    """The dossier with `code` if `user` may read it (dossiers.selectors.dossier_get_for, without
    its audit entry: the download views write their own)."""
    return dossier_selectors.dossier_get_for(user, code=code, audit=False)


def dossier_for_documents(dossier_id: int) -> Dossier:
    dossier = (Dossier.objects.select_related(
        "procedure", "procedure_version", "receiving_agency__unit", "receiving_agency__parent",
        "competent_agency__unit", "competent_agency__parent", "applicant").filter(pk=dossier_id).first())
    if dossier is None:
        raise NotFound(_("Không tìm thấy hồ sơ."))
    return dossier


# --- The header every form shares -------------------------------------------------------------

def issuer_lines(agency: Agency, *, desk: bool) -> list[str]:
    """The issuing body at the top left (printed upper case). A one-stop desk form (01–03, 06, 07) is issued
    by the desk: the service centre under its People's Committee, or "Bộ phận tiếp nhận và trả kết
    quả" under the agency; a letter of the agency (04, 05, the result) by the agency under its
    superior when it has one."""
    parent = agency.parent.name if agency.parent_id and agency.parent else ""
    if desk and agency.kind not in SERVICE_CENTRES:
        lines = [agency.name, "Bộ phận tiếp nhận và trả kết quả"]
    else:
        lines = [parent, agency.name] if parent else [agency.name]
    return [line for line in lines if line]


def desk_name(agency: Agency) -> str:
    """The one-stop desk as a sentence names it."""
    if agency.kind in SERVICE_CENTRES:
        return agency.name
    return f"Bộ phận tiếp nhận và trả kết quả, {agency.name}"


def _sequence(dossier: Dossier) -> str:
    """The daily number at the end of the dossier code (Circular 01/2018/TT-VPCP Art. 19)."""
    return dossier.code.rsplit("-", 1)[-1]


def _number(dossier: Dossier, agency: Agency) -> str:
    suffix = "TTPVHCC" if agency.kind in SERVICE_CENTRES else "BPMC"
    return f"{_sequence(dossier)}/{suffix}"


def header(spec: FormSpec, *, agency: Agency, at, number: str) -> dict[str, Any]:
    return {
        "national_name": fmt.NATIONAL_NAME, "national_motto": fmt.NATIONAL_MOTTO,
        "issuer": issuer_lines(agency, desk=spec.kind not in (FormKind.APOLOGY, FormKind.STOP)),
        "desk_name": desk_name(agency), "number": number, "date_line": fmt.date_line(fmt.place_of(agency), at),
        "form_number": spec.number, "form_title": spec.title, "circular": spec.circular,
        "landscape": spec.landscape,
    }


# --- What the dossier says --------------------------------------------------------------------

def _applicant(dossier: Dossier) -> dict[str, str]:
    return {"name": dossier.applicant_name, "id_number": dossier.applicant_id_number,
            "address": dossier.applicant_address, "phone": dossier.applicant_phone,
            "email": dossier.applicant_email}


def _fees(dossier: Dossier) -> dict[str, Any]:
    items = [{"name": fee.get("name") or fee.get("code") or _("Phí, lệ phí"),
              "digits": money_in_digits(int(fee.get("amount") or 0)),
              "words": money_in_words(int(fee.get("amount") or 0))}
             for fee in dossier.procedure_version.fees or [] if int(fee.get("amount") or 0) > 0]
    total = int(dossier.fee_total or 0)
    return {"items": items, "total": total, "total_digits": money_in_digits(total),
            "total_words": money_in_words(total)}


def _components(dossier: Dossier) -> list[dict[str, Any]]:
    received: dict[str, int] = {}
    for component_code in dossier.attachments.filter(is_result=False).values_list("component_code", flat=True):
        received[component_code] = received.get(component_code, 0) + 1
    return [{"name": c.get("name", ""), "originals": c.get("originals", 0), "copies": c.get("copies", 0),
             "files": received.get(c.get("code"), 0)} for c in dossier.procedure_version.components or []]


def _result_channel(dossier: Dossier) -> str:
    if dossier.channel == Channel.ONLINE:
        return _("Trực tuyến, trên Cổng dịch vụ công (kết quả điện tử)")
    if dossier.channel == Channel.POSTAL:
        return _("Qua dịch vụ bưu chính công ích, theo địa chỉ của người nộp")
    return _("Bộ phận tiếp nhận và trả kết quả, %(agency)s") % {"agency": dossier.receiving_agency.name}


def _last_event(dossier: Dossier, effect: str) -> DossierEvent | None:
    return dossier.events.filter(effect=effect).order_by("-seq").first()


def _lines(text: str) -> list[str]:
    return [line.strip(" -•\t") for line in (text or "").splitlines() if line.strip(" -•\t")]


def _base(spec: FormSpec, dossier: Dossier, *, agency: Agency, at, number: str) -> dict[str, Any]:
    return {**header(spec, agency=agency, at=at, number=number), "dossier": dossier,
            "code": dossier.code, "applicant": _applicant(dossier),
            "procedure_name": dossier.procedure_version.name, "procedure_code": dossier.procedure.code,
            "receiving_agency": dossier.receiving_agency.name, "competent_agency": dossier.competent_agency.name}


def _receipt(spec: FormSpec, dossier: Dossier) -> dict[str, Any]:
    accept = _last_event(dossier, Effect.ACCEPT)
    received = dossier.accepted_at or dossier.submitted_at
    version = dossier.procedure_version
    return {
        **_base(spec, dossier, agency=dossier.receiving_agency, at=received,
                number=_number(dossier, dossier.receiving_agency)),
        "accepted": dossier.accepted_at is not None,
        "received_at": fmt.time_and_date(received),
        "due_at": fmt.time_and_date(dossier.due_at), "due_date": fmt.date_short(dossier.due_at),
        "time_limit": fmt.duration(version.processing_amount, version.processing_unit),
        "components": _components(dossier), "fees": _fees(dossier), "result_channel": _result_channel(dossier),
        "receiver": (accept.actor_name if accept else "") or "",
        "sequence": _sequence(dossier),
        "tracking_url": tracking_url(dossier.code), "qr": fmt.qr_data_uri(tracking_url(dossier.code)),
    }


def _supplement(spec: FormSpec, dossier: Dossier, supplement_id: int | None) -> dict[str, Any]:
    rows = Supplement.objects.filter(dossier=dossier).select_related("requested_by")
    request = (rows.filter(pk=supplement_id) if supplement_id else rows.order_by("-requested_at")).first()
    if request is None:
        raise FormUnavailable(_("Hồ sơ chưa có yêu cầu bổ sung, hoàn thiện."))
    guide = request.requested_by.full_name or request.requested_by.username if request.requested_by else ""
    return {
        **_base(spec, dossier, agency=dossier.receiving_agency, at=request.requested_at,
                number=_number(dossier, dossier.receiving_agency)),
        "requested_at": fmt.time_and_date(request.requested_at), "items": _lines(request.content),
        "guide": guide, "received_at": fmt.time_and_date(dossier.accepted_at or dossier.submitted_at),
    }


def _ending(spec: FormSpec, dossier: Dossier, effect: str, missing: str) -> dict[str, Any]:
    event = _last_event(dossier, effect)
    if event is None:
        raise FormUnavailable(missing)
    return {"event": event, "reason_lines": _lines(event.note), "signer": event.actor_name,
            "at": fmt.time_and_date(event.at),
            "received_at": fmt.time_and_date(dossier.accepted_at or dossier.submitted_at),
            "legal_basis": list(dossier.procedure_version.legal_basis or [])}


def _refusal(spec: FormSpec, dossier: Dossier) -> dict[str, Any]:
    found = _ending(spec, dossier, Effect.REFUSE, _("Hồ sơ không bị từ chối."))
    return {**_base(spec, dossier, agency=dossier.receiving_agency, at=found["event"].at,
                    number=_number(dossier, dossier.receiving_agency)), **found}


def _apology(spec: FormSpec, dossier: Dossier, forms_set: str) -> dict[str, Any]:
    found = _ending(spec, dossier, Effect.EXTEND, _("Hồ sơ chưa có văn bản xin lỗi, gia hạn."))
    data = found["event"].data or {}
    previous = dt.datetime.fromisoformat(data["previous_due_at"]) if data.get("previous_due_at") else None
    new = dt.datetime.fromisoformat(data["new_due_at"]) if data.get("new_due_at") else None
    return {**_base(spec, dossier, agency=dossier.competent_agency, at=found["event"].at, number="……"),
            **found, "previous_due": fmt.time_and_date(previous), "previous_due_date": fmt.date_short(previous),
            "new_due": fmt.time_and_date(new), "new_due_date": fmt.date_short(new),
            "extension_wording": forms_set == "2025"}


def _stop(spec: FormSpec, dossier: Dossier) -> dict[str, Any]:
    found = _ending(spec, dossier, Effect.STOP, _("Hồ sơ không bị dừng giải quyết."))
    return {**_base(spec, dossier, agency=dossier.competent_agency, at=found["event"].at, number="……"), **found}


TIMELINESS = dict(Timeliness.choices)


def control_slip_rows(dossier: Dossier) -> list[dict[str, Any]]:
    """One row per hand-over of the dossier (its DossierEvent rows, in order): who gave it, who
    received it, when, and whether the step was handed on early, on time or late (rules.timeliness,
    kept on each event)."""
    rows = []
    for event in dossier_selectors.dossier_events(dossier):
        if event.from_agency_id:
            giver, giver_person = event.from_agency.name, event.actor_name
        else:  # the submission: the applicant hands the dossier in (an officer may type it for them)
            giver, giver_person = _("Người nộp hồ sơ"), dossier.applicant_name
        receiver = event.to_agency.name
        to_person = (event.to_user.full_name or event.to_user.username) if event.to_user_id else ""
        rows.append({
            "seq": event.seq, "action": event.action_name, "at": fmt.time_and_date(event.at),
            "giver": giver, "giver_person": giver_person, "receiver": receiver, "receiver_person": to_person,
            "timeliness": str(TIMELINESS.get(event.timeliness, "")) if event.timeliness else "",
            "note": event.note,
        })
    return rows


def _control_slip(spec: FormSpec, dossier: Dossier) -> dict[str, Any]:
    rows = control_slip_rows(dossier)
    partners = sorted({r["receiver"] for r in rows} - {dossier.receiving_agency.name, dossier.competent_agency.name})
    return {**_base(spec, dossier, agency=dossier.receiving_agency,
                    at=dossier.accepted_at or dossier.submitted_at, number=_number(dossier, dossier.receiving_agency)),
            "rows": rows, "partners": partners, "due_at": fmt.time_and_date(dossier.due_at)}


def register_rows(*, agency: Agency, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """The register's rows (dossiers.selectors.register and the on-time verdicts), with the moments
    the dossier went to the competent agency and came back (hand-overs between agencies)."""
    dossiers = list(dossier_selectors.register(agency=agency, start=start, end=end))
    verdicts = dossier_selectors.dossier_verdicts(dossiers)
    moves: dict[int, list[DossierEvent]] = {}
    for event in (DossierEvent.objects.filter(dossier__in=dossiers).exclude(from_agency_id=None)
                  .order_by("dossier_id", "seq").only("dossier_id", "at", "from_agency_id", "to_agency_id")):
        if event.from_agency_id != event.to_agency_id:
            moves.setdefault(event.dossier_id, []).append(event)
    labels = {True: _("Đúng hạn"), False: _("Quá hạn"), None: ""}
    rows = []
    for i, d in enumerate(dossiers, 1):
        handed = moves.get(d.pk, [])
        sent = next((e.at for e in handed if e.to_agency_id == d.competent_agency_id), None)
        back = next((e.at for e in handed if e.from_agency_id == d.competent_agency_id), None)
        note = str(labels[verdicts[d.pk].on_time])
        if d.status in (Status.REFUSED, Status.WITHDRAWN, Status.STOPPED):
            note = f"{d.get_status_display()}. {note}".strip(". ")
        rows.append({
            "n": i, "code": d.code, "procedure": d.procedure.name, "applicant": d.applicant_name,
            "contact": ", ".join(x for x in (d.applicant_address, d.applicant_phone) if x),
            "competent": d.competent_agency.name,
            "received": _short(d.accepted_at or d.submitted_at), "due": _short(d.due_at),
            "sent": _short(sent), "back": _short(back), "returned": _short(d.returned_at), "note": note,
        })
    return rows


def _short(moment: dt.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%H:%M %d/%m/%Y") if moment else ""


def _register(spec: FormSpec, *, agency: Agency, start: dt.date, end: dt.date) -> dict[str, Any]:
    return {**header(spec, agency=agency, at=timezone.now(), number=""), "agency": agency,
            "start": fmt.date_short(start), "end": fmt.date_short(end),
            "rows": register_rows(agency=agency, start=start, end=end)}


def form_context(spec: FormSpec, *, forms_set: str, dossier: Dossier | None = None, agency: Agency | None = None,
                 start: dt.date | None = None, end: dt.date | None = None,
                 supplement_id: int | None = None) -> dict[str, Any]:
    """Everything the template of `spec` prints. FormUnavailable when there is nothing to print."""
    if spec.kind == FormKind.REGISTER:
        if agency is None or start is None or end is None:
            raise FormUnavailable(_("Cần chọn cơ quan và khoảng thời gian của sổ theo dõi."))
        return _register(spec, agency=agency, start=start, end=end)
    if dossier is None:
        raise FormUnavailable(_("Không tìm thấy hồ sơ."))
    builders = {
        FormKind.RECEIPT: lambda: _receipt(spec, dossier),
        FormKind.SUPPLEMENT: lambda: _supplement(spec, dossier, supplement_id),
        FormKind.REFUSAL: lambda: _refusal(spec, dossier),
        FormKind.APOLOGY: lambda: _apology(spec, dossier, forms_set),
        FormKind.STOP: lambda: _stop(spec, dossier),
        FormKind.CONTROL_SLIP: lambda: _control_slip(spec, dossier),
    }
    return builders[FormKind(spec.kind)]()


# --- E-results --------------------------------------------------------------------------------

def result_for_dossier(dossier: Dossier) -> ResultDocument | None:
    return ResultDocument.objects.select_related("attachment", "agency").filter(dossier=dossier).first()


def result_by_code(code: str) -> ResultDocument | None:
    """An issued e-result by its result code or by its dossier's code (what the QR and the
    tracking page carry)."""
    text = (code or "").strip().upper()
    if not text or len(text) > 80:
        return None
    found = ResultDocument.objects.select_related("attachment", "agency", "dossier")
    return found.filter(code=text).first() or found.filter(dossier__code=text).first()


def result_by_sha256(sha256: str) -> ResultDocument | None:
    return ResultDocument.objects.select_related("dossier").filter(sha256=sha256).first()


def forms_for_dossier(dossier: Dossier) -> list[FormSpec]:
    """The official forms that exist for `dossier` now, in their official order: the receipt and
    the control slip always; the supplement request, refusal, apology and stop notice once the
    step that issues them has happened (one query for the effects)."""
    from tinhso.documents.kinds import form_specs

    effects = set(DossierEvent.objects.filter(dossier=dossier, effect__in=[
        Effect.SUPPLEMENT_REQUEST, Effect.REFUSE, Effect.EXTEND, Effect.STOP]).values_list("effect", flat=True))
    wanted = {FormKind.RECEIPT: True, FormKind.CONTROL_SLIP: True,
              FormKind.SUPPLEMENT: Effect.SUPPLEMENT_REQUEST in effects, FormKind.REFUSAL: Effect.REFUSE in effects,
              FormKind.APOLOGY: Effect.EXTEND in effects, FormKind.STOP: Effect.STOP in effects}
    return [spec for spec in form_specs() if wanted.get(spec.kind)]
