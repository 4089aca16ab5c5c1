"""Writes of the one-stop lifecycle: intake from every channel, and workflow transitions.

Every write is one transaction. A transition locks the dossier row (`select_for_update`), checks
the action against the pinned workflow version and the actor's roles in the agency holding the
dossier, applies the action's legal effect, appends one `DossierEvent` (a line of the control slip)
and one outbox message in the national sync shape, all or nothing. Repeated requests carry an
idempotency key: the same key returns the first result instead of acting twice.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from django.db import IntegrityError, transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.accounts.models import AgencyRole, Role, User
from tinhso.accounts.selectors import user_roles
from tinhso.catalog.models import (
    Channel,
    Procedure,
    ProcedureAssignment,
    ProcedureVersion,
    VersionStatus,
    WorkflowDefinition,
)
from tinhso.catalog.workflow import (
    APPLICANT,
    EXCEPTIONAL_EFFECTS,
    REASON_REQUIRED,
    SYSTEM,
    ActionSpec,
    CompiledWorkflow,
    Effect,
    Holder,
    StateSpec,
    compiled,
)
from tinhso.core.calendar import WorkingCalendar, calendar_for
from tinhso.core.models import Agency
from tinhso.dossiers import rules
from tinhso.dossiers.codes import code_assign, code_assign_supported, dossier_code_next
from tinhso.dossiers.errors import ActionNotAllowed, Conflict, DossierError, Forbidden, InvalidInput, NotFound
from tinhso.dossiers.models import (
    Attachment,
    Dossier,
    DossierEvent,
    OutboxMessage,
    Source,
    Status,
    Supplement,
)

SYNC_TOPIC = "dvcqg.dossier"    # the full sync message {hoSo, tienTrinhDongBo}
STATUS_TOPIC = "dvcqg.status"   # a status update: hoSo's status fields and one process step

#: Which intake channels each source may use (KenhThucHien, regulations.md §2.2).
SOURCE_CHANNEL = {Source.COUNTER: Channel.IN_PERSON, Source.POST: Channel.POSTAL, Source.ONLINE: Channel.ONLINE}


@dataclass(frozen=True)
class Applicant:
    name: str
    id_number: str
    kind: str = "citizen"
    phone: str = ""
    email: str = ""
    address: str = ""


@dataclass(frozen=True)
class IncomingFile:
    """A file arriving with a dossier or a supplement. `data` is the bytes, or a file object that
    can be rewound (an upload): it is read twice, once to inspect and once to store."""

    name: str
    data: bytes | IO[bytes]
    component_code: str = ""
    digitised: bool = False
    reused: bool = False
    from_citizen_store: bool = False
    replaced_result_code: str = ""
    is_result: bool = False
    #: attachments.attachment_inspect() of `data` when the caller has already checked it.
    inspected: Any = None


@dataclass(frozen=True)
class ActorContext:
    """Who acts and in which capacities on this dossier (roles in the holding agency, applicant,
    integration system)."""

    user: User | None
    roles: frozenset[str] = field(default_factory=frozenset)
    role_used: str = ""


# --- Process caches of what a transition reads but rarely changes ---------------------------
# A transition needs the actor's roles, the agencies involved, the procedure version and the
# workflow. Published versions and workflows never change (catalog services forbid it), so they
# are cached for the life of the process; roles and agencies are cached briefly and dropped at
# once when this process saves one (other processes see a change within the TTL).

_TTL = 10.0
_roles_cache: dict[tuple[int, dt.date], tuple[float, list[tuple[int, str, str]]]] = {}
_agency_cache: dict[int, tuple[float, Agency]] = {}
_version_cache: dict[int, ProcedureVersion] = {}
_current_cache: dict[str, tuple[float, int | None]] = {}
_assigned_cache: dict[int, tuple[float, list[int]]] = {}


def _held_roles(user: User, on: dt.date) -> list[tuple[int, str, str]]:
    key = (user.pk, on)
    hit = _roles_cache.get(key)
    if hit is not None and time.monotonic() - hit[0] < _TTL:
        return hit[1]
    roles = list(user_roles(user, on).values_list("agency_id", "role", "agency__kind"))
    _roles_cache[key] = (time.monotonic(), roles)
    return roles


def _agency(agency_id: int) -> Agency:
    hit = _agency_cache.get(agency_id)
    if hit is not None and time.monotonic() - hit[0] < _TTL:
        return hit[1]
    agency = Agency.objects.get(pk=agency_id)
    _agency_cache[agency_id] = (time.monotonic(), agency)
    return agency


def _version(version_id: int) -> ProcedureVersion:
    version = _version_cache.get(version_id)
    if version is None:
        version = ProcedureVersion.objects.select_related("procedure__field", "workflow").get(pk=version_id)
        if version.status != VersionStatus.DRAFT and version.workflow.status == VersionStatus.PUBLISHED:
            _version_cache[version_id] = version
    return version


def caches_clear(**kwargs: Any) -> None:
    from tinhso.dossiers import selectors

    _roles_cache.clear()
    _agency_cache.clear()
    _version_cache.clear()
    _current_cache.clear()
    _assigned_cache.clear()
    selectors.workflows_cache_clear()


for _model in (AgencyRole, User, Agency, Procedure, ProcedureVersion, ProcedureAssignment, WorkflowDefinition):
    post_save.connect(caches_clear, sender=_model, dispatch_uid=f"dossiers-cache-{_model.__name__}")
    post_delete.connect(caches_clear, sender=_model, dispatch_uid=f"dossiers-cache-del-{_model.__name__}")


# --- Reading the actor's capacities ---------------------------------------------------------

def _capacities(user: User | None, dossier: Dossier, *, on: dt.date) -> set[str]:
    """The workflow roles `user` may use on `dossier` now: official roles held in the agency that
    holds the dossier, `applicant` for the person who filed, `system` for a connected system of
    the province (Role.INTEGRATION in the receiving or competent agency, or in the province's
    People's Committee)."""
    if user is None or not user.is_active:
        return set()
    found: set[str] = set()
    for agency_id, role, kind in _held_roles(user, on):
        if agency_id == dossier.holder_agency_id and role != Role.INTEGRATION:
            found.add(role)
        if role == Role.INTEGRATION and (
            agency_id in (dossier.receiving_agency_id, dossier.competent_agency_id) or kind == "ubnd_tinh"
        ):
            found.add(SYSTEM)
    if dossier.applicant_id is not None and dossier.applicant_id == user.pk:
        found.add(APPLICANT)
    return found


def actions_for(dossier: Dossier, user: User | None, *, workflow: CompiledWorkflow | None = None,
                on: dt.date | None = None) -> list[ActionSpec]:
    """The actions `user` may take on `dossier` in its current state."""
    wf = workflow or compiled(dossier.workflow)
    caps = _capacities(user, dossier, on=on or timezone.localdate())
    return [a for a in wf.actions_from(dossier.state) if caps.intersection(a.roles)]


# --- Time -------------------------------------------------------------------------------------

def _calendar(agency: Agency) -> WorkingCalendar:
    return calendar_for(agency=agency)


def _state_due(dossier: Dossier, state: StateSpec, entered: dt.datetime, version: ProcedureVersion,
               holder: Agency) -> dt.datetime | None:
    """When the holder of `state` must hand the dossier on: its fixed allowance, or its share of
    the procedure's time limit counted in office time."""
    allowance = state.allowance
    if allowance is None or state.terminal:
        return None
    cal = _calendar(holder)
    if allowance.share is None:
        return cal.deadline(entered, allowance.amount, allowance.unit)
    start = dossier.accepted_at or entered
    total_due = dossier.due_at or cal.deadline(start, version.processing_amount, version.processing_unit)
    total = cal.working_hours_between(cal.start_of_counting(start), total_due)
    return cal.add_working_hours(entered, total * float(allowance.share))


# --- Intake -----------------------------------------------------------------------------------

def _inspect_files(files: Sequence[IncomingFile]):
    from tinhso.dossiers.attachments import AttachmentRejected, attachment_inspect

    inspected, problems = [], []
    for i, incoming in enumerate(files):
        if incoming.inspected is not None:
            inspected.append(incoming.inspected)
            continue
        try:
            inspected.append(attachment_inspect(name=incoming.name, data=incoming.data))
        except AttachmentRejected as exc:
            problems.append({"field": f"files.{i}", "message": str(exc.message), "code": exc.code})
    if problems:
        raise InvalidInput(_("Tệp đính kèm không được chấp nhận."), details=problems, code="attachment_rejected")
    return inspected


def _store_files(*, dossier: Dossier, files: Sequence[IncomingFile], inspected, actor: User | None,
                 at: dt.datetime, supplement: Supplement | None = None) -> list[Attachment]:
    from tinhso.dossiers.attachments import attachment_store

    rows = []
    for incoming, info in zip(files, inspected, strict=True):
        path = attachment_store(inspected=info, data=incoming.data)
        rows.append(Attachment(
            dossier=dossier, component_code=incoming.component_code, name=info.safe_name, storage_path=path,
            size=info.size, content_type=info.content_type, sha256=info.sha256, digitised=incoming.digitised,
            reused=incoming.reused or bool(incoming.replaced_result_code),
            from_citizen_store=incoming.from_citizen_store, replaced_result_code=incoming.replaced_result_code,
            supplement=supplement, uploaded_by=actor, uploaded_at=at, is_result=incoming.is_result,
        ))
    Attachment.objects.bulk_create(rows)
    if any(row.digitised for row in rows) and not dossier.has_digitised_components:
        dossier.has_digitised_components = True
    return rows


def _published_version(procedure_code: str) -> ProcedureVersion:
    hit = _current_cache.get(procedure_code)
    if hit is not None and time.monotonic() - hit[0] < _TTL:
        version_id = hit[1]
    else:
        version_id = Procedure.objects.filter(code=procedure_code, is_active=True).values_list(
            "current_version_id", flat=True).first()
        _current_cache[procedure_code] = (time.monotonic(), version_id)
    version = _version(version_id) if version_id is not None else None
    if version is None or version.status != VersionStatus.PUBLISHED:
        raise InvalidInput(_("Không tìm thấy thủ tục “%(code)s” đang áp dụng.") % {"code": procedure_code},
                           details=[{"field": "procedure", "message": _("Thủ tục không tồn tại hoặc chưa công bố.")}])
    return version


def _assigned(procedure_id: int) -> list[int]:
    hit = _assigned_cache.get(procedure_id)
    if hit is not None and time.monotonic() - hit[0] < _TTL:
        return hit[1]
    agencies = list(ProcedureAssignment.objects.filter(procedure_id=procedure_id).order_by("pk")
                    .values_list("agency_id", flat=True))
    _assigned_cache[procedure_id] = (time.monotonic(), agencies)
    return agencies


def _competent_agency(version: ProcedureVersion, receiving: Agency, competent: Agency | None) -> Agency:
    assigned = _assigned(version.procedure_id)
    if competent is not None:
        if competent.pk not in assigned:
            raise InvalidInput(
                _("%(agency)s không có thẩm quyền giải quyết thủ tục này.") % {"agency": competent.name},
                details=[{"field": "competent_agency", "message": _("Cơ quan không có thẩm quyền.")}])
        return competent
    if receiving.pk in assigned:
        return receiving
    if len(assigned) == 1:
        return _agency(assigned[0])
    raise InvalidInput(_("Cần chọn cơ quan có thẩm quyền giải quyết."),
                       details=[{"field": "competent_agency", "message": _("Chưa chọn cơ quan giải quyết.")}])


def _validate_form(version: ProcedureVersion, form_data: dict[str, Any]) -> None:
    from tinhso.catalog.schemas import form_data_validate

    problems = form_data_validate(version, form_data)
    if problems:
        raise InvalidInput(_("Tờ khai có thông tin chưa hợp lệ."), details=[
            {"field": f"form_data.{p['field']}" if p.get("field") else "form_data", "message": p["message"]}
            for p in problems])


def _validate_applicant(applicant: Applicant) -> None:
    problems = []
    if not applicant.name.strip():
        problems.append({"field": "applicant.name", "message": _("Chưa nhập họ và tên chủ hồ sơ.")})
    if not applicant.id_number.strip():
        problems.append({"field": "applicant.id_number", "message": _("Chưa nhập số giấy tờ tùy thân.")})
    elif applicant.kind == "citizen" and not (applicant.id_number.isdigit() and len(applicant.id_number) == 12):
        problems.append({"field": "applicant.id_number",
                         "message": _("Số định danh cá nhân phải gồm đúng 12 chữ số.")})
    if problems:
        raise InvalidInput(_("Thông tin chủ hồ sơ chưa hợp lệ."), details=problems)


def _may_receive(actor: User | None, agency: Agency, source: str, *, on: dt.date) -> None:
    if source == Source.ONLINE:
        if actor is None or not actor.is_authenticated:
            raise Forbidden(_("Cần đăng nhập để nộp hồ sơ trực tuyến."))
        return
    if actor is None:
        raise Forbidden(_("Không có quyền tiếp nhận hồ sơ."))
    wanted = Role.INTEGRATION if source == Source.NATIONAL_PORTAL else Role.RECEIVING_OFFICER
    held = [(agency_id, kind) for agency_id, role, kind in _held_roles(actor, on) if role == wanted]
    ok = any(agency_id == agency.pk or (source == Source.NATIONAL_PORTAL and kind == "ubnd_tinh")
             for agency_id, kind in held)
    if not ok:
        raise Forbidden(_("Bạn không có vai trò tiếp nhận hồ sơ tại %(agency)s.") % {"agency": agency.name})


def dossier_intake(
    *,
    actor: User | None,
    procedure_code: str,
    receiving_agency: Agency,
    applicant: Applicant,
    source: str,
    form_data: dict[str, Any] | None = None,
    files: Sequence[IncomingFile] = (),
    competent_agency: Agency | None = None,
    channel: int | None = None,
    summary: str = "",
    accept: bool = False,
    assignee: User | None = None,
    idempotency_key: str | None = None,
    code: str | None = None,
    submitted_at: dt.datetime | None = None,
    applicant_user: User | None = None,
    vneid_authenticated: bool = False,
    paid_online: int = 0,
    external_id: str = "",
    validate_form: bool = True,
    linked_files: Sequence[dict[str, str]] = (),
) -> tuple[Dossier, bool]:
    """Receive a dossier. Returns (dossier, created): a repeated request (same idempotency key, or
    for the national portal the same dossier code) returns the first dossier and False.

    At the counter (`accept=True`) the officer files for the citizen, scans the papers (flagged
    digitised) and accepts in the same transaction: the receipt then carries the dossier code and
    the appointment date. Files are checked (size, type from content) before anything is written;
    a failure anywhere leaves no dossier and uses no dossier code.
    """
    now = timezone.now()
    today = timezone.localdate()
    if idempotency_key:
        existing = Dossier.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing, False
    if code:
        existing = Dossier.objects.filter(code=code).first()
        if existing is not None:
            return existing, False
    _may_receive(actor, receiving_agency, source, on=today)
    version = _published_version(procedure_code)
    competent = _competent_agency(version, receiving_agency, competent_agency)
    _validate_applicant(applicant)
    form = form_data or {}
    if validate_form:
        _validate_form(version, form)
    inspected = _inspect_files(files)
    channel = channel or SOURCE_CHANNEL.get(source, Channel.ONLINE)
    if channel not in Channel.values or int(channel) not in version.channels:
        raise InvalidInput(_("Thủ tục này không tiếp nhận qua kênh đã chọn."),
                           details=[{"field": "channel", "message": _("Kênh không được hỗ trợ.")}])
    submitted = submitted_at or now
    wf = compiled(version.workflow)
    start = wf.state(wf.start)
    try:
        with transaction.atomic():
            # The daily number is taken last, just before commit: its row lock then queues
            # concurrent intakes of the agency for a moment, not for the whole intake.
            dossier_code = code or f"~{uuid.uuid4().hex}"
            holder = receiving_agency if start.holder == Holder.RECEIVING else competent
            if source == Source.ONLINE and applicant_user is None:
                applicant_user = actor
            dossier = Dossier(
                code=dossier_code, procedure=version.procedure, procedure_version=version,
                workflow=version.workflow, state=wf.start, status=start.status, channel=int(channel), source=source,
                receiving_agency=receiving_agency, competent_agency=competent, holder_agency=holder,
                applicant=applicant_user, applicant_name=applicant.name.strip(),
                applicant_id_number=applicant.id_number.strip(), applicant_kind=applicant.kind,
                applicant_phone=applicant.phone, applicant_email=applicant.email,
                applicant_address=applicant.address, summary=summary or version.name[:500], form_data=form,
                submitted_at=submitted, state_entered_at=now, fee_total=version.fee_total,
                paid_online=paid_online, vneid_authenticated=vneid_authenticated,
                external_id=external_id, idempotency_key=idempotency_key or None,
            )
            dossier.state_due_at = _state_due(dossier, start, now, version, holder)
            dossier.save(force_insert=True)
            stored = _store_files(dossier=dossier, files=files, inspected=inspected, actor=actor, at=now)
            event = _append_event(
                dossier, at=now, action="nop_ho_so", action_name=_("Nộp hồ sơ"), effect="submit",
                from_state="", status=Status.SUBMITTED, actor=actor,
                actor_role=SYSTEM if source == Source.NATIONAL_PORTAL else (
                    APPLICANT if source == Source.ONLINE else Role.RECEIVING_OFFICER),
                from_agency=None, to_agency=holder, to_user=None, timeliness_value="",
                state_entered_at=None, state_due_at=None,
                data={"source": source, "channel": int(channel), "files": len(files),
                      **({"linked_files": list(linked_files)} if linked_files else {})},
            )
            events = [event]
            if not accept:
                dossier.save(update_fields=["event_seq", "has_digitised_components", "updated_at"])
            else:  # the acceptance saves the same columns with its own
                accept_action = next((a for a in start.actions if a.effect == Effect.ACCEPT), None)
                if accept_action is None:
                    raise ActionNotAllowed(_("Quy trình không có bước tiếp nhận."))
                events.append(_transition(dossier, wf, accept_action, actor=actor, role_used=(
                    SYSTEM if source == Source.NATIONAL_PORTAL else Role.RECEIVING_OFFICER),
                    at=now, note="", data={}, assignee=assignee, idempotency_key=None, files=(), inspected=(),
                    outbox=False))
            # A new dossier's files and supplements are known: the sync message need not read them.
            dossier._prefetched_objects_cache = {"attachments": stored, "supplements": []}
            try:
                messages = [_outbox_message(dossier, e) for e in events]
            finally:
                del dossier._prefetched_objects_cache
            if code is None and code_assign_supported():
                # One statement numbers the dossier and its messages: the agency's number row is
                # held only for it and the COMMIT (dossiers/codes.py).
                OutboxMessage.objects.bulk_create(messages)
                provisional = dossier.code
                dossier.code = code_assign(
                    dossier_id=dossier.pk, provisional=provisional, agency=receiving_agency,
                    day=timezone.localtime(now).date(), outbox_ids=[m.pk for m in messages])
                for message in messages:
                    _replace_code(message.payload, provisional, dossier.code)
            else:
                if code is None:
                    provisional = dossier.code
                    dossier.code = dossier_code_next(agency=receiving_agency, day=timezone.localtime(now).date())
                    Dossier.objects.filter(pk=dossier.pk).update(code=dossier.code)
                    for message in messages:
                        _replace_code(message.payload, provisional, dossier.code)
                OutboxMessage.objects.bulk_create(messages)
    except IntegrityError:
        # A concurrent request with the same idempotency key or national code won the race.
        winner = Dossier.objects.filter(idempotency_key=idempotency_key).first() if idempotency_key else None
        if winner is None and code:
            winner = Dossier.objects.filter(code=code).first()
        if winner is None:
            raise
        return winner, False
    return dossier, True


def dossier_intake_national(*, actor: User, inbound) -> tuple[Dossier, bool]:
    """A dossier filed on the national portal (dossiers.national.InboundDossier). Idempotent on
    the portal's dossier code (MaHoSo): the same dossier sent again is the same dossier.

    The portal's e-form is its own, so its data is kept as sent, not checked against our form
    schema; files sent by link only (no content) are listed in the submission event, not fetched.
    """
    from tinhso.dossiers.national import NationalMessageInvalid

    existing = Dossier.objects.filter(code=inbound.code).first()
    if existing is not None:
        return existing, False
    agencies = {a.code: a for a in Agency.objects.filter(
        code__in=[c for c in (inbound.receiving_agency_code, inbound.competent_agency_code) if c])}
    receiving = agencies.get(inbound.receiving_agency_code)
    if receiving is None:
        raise NationalMessageInvalid([{"field": "hoSo.MaDonViTiepNhan",
                                       "message": _("Không có cơ quan mang mã này trong tỉnh.")}])
    competent = None
    if inbound.competent_agency_code:
        competent = agencies.get(inbound.competent_agency_code)
        if competent is None:
            raise NationalMessageInvalid([{"field": "hoSo.DonViXuLy",
                                           "message": _("Không có cơ quan mang mã này trong tỉnh.")}])
    if not Procedure.objects.filter(code=inbound.procedure_code, current_version__isnull=False).exists():
        raise NationalMessageInvalid([{"field": "hoSo.MaTTHC",
                                       "message": _("Thủ tục này chưa có trong danh mục của tỉnh.")}])
    files = [IncomingFile(name=f.name, data=f.data, component_code=f.component_code, digitised=f.digitised,
                          reused=f.reused, from_citizen_store=f.from_citizen_store,
                          replaced_result_code=f.replaced_result_code, inspected=f.inspected)
             for f in inbound.files if f.data is not None]
    linked = [{"name": f.name, "url": f.url, "component_code": f.component_code}
              for f in inbound.files if f.data is None]
    dossier, created = dossier_intake(
        actor=actor, procedure_code=inbound.procedure_code, receiving_agency=receiving,
        competent_agency=competent, source=Source.NATIONAL_PORTAL, channel=inbound.channel,
        applicant=Applicant(name=inbound.applicant_name, id_number=inbound.applicant_id_number,
                            kind=inbound.applicant_kind, phone=inbound.applicant_phone,
                            email=inbound.applicant_email, address=inbound.applicant_address),
        form_data=inbound.form_data, files=files, summary=inbound.summary, code=inbound.code,
        submitted_at=inbound.submitted_at, vneid_authenticated=inbound.vneid_authenticated,
        paid_online=inbound.paid_online, external_id=inbound.code, validate_form=False,
        linked_files=linked,
    )
    if created and inbound.has_digitised_components and not dossier.has_digitised_components:
        Dossier.objects.filter(pk=dossier.pk).update(has_digitised_components=True)
        dossier.has_digitised_components = True
    return dossier, created


def _replace_code(payload: dict[str, Any], old: str, new: str) -> None:
    payload["hoSo"]["MaHoSo"] = new
    for step in payload.get("tienTrinhDongBo", []):
        if step.get("MaHoSo") == old:
            step["MaHoSo"] = new


# --- Transitions ------------------------------------------------------------------------------

@dataclass
class _Batch:
    """The rows of several transitions, written together just before the transaction commits:
    one multi-row INSERT for the events, one for the outbox, one batched UPDATE for the dossiers."""

    dossiers: list[Dossier] = field(default_factory=list)
    events: list[DossierEvent] = field(default_factory=list)
    messages: list[OutboxMessage] = field(default_factory=list)

    def write(self) -> None:
        from django.db import connection

        if not self.dossiers:
            return
        DossierEvent.objects.bulk_create(self.events)
        for message in self.messages:
            message.event_id = message.event.pk
        OutboxMessage.objects.bulk_create(self.messages)
        now = timezone.now()
        fields = [Dossier._meta.get_field(name) for name in TRANSITION_FIELDS]
        # psycopg adapts these columns' Python values (str, int, bool, aware datetime, timedelta)
        # itself; other databases get Django's conversion.
        native = connection.vendor == "postgresql"
        rows = []
        for dossier in self.dossiers:
            dossier.updated_at = now
            values = [getattr(dossier, f.attname) for f in fields] if native else [
                f.get_db_prep_save(getattr(dossier, f.attname), connection) for f in fields]
            rows.append(values + [dossier.pk])
        quote = connection.ops.quote_name
        table = quote(Dossier._meta.db_table)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # One statement for the whole batch, one array parameter per column:
                # UPDATE … FROM unnest(%s::type[], …) — the statement text is the same for any size.
                casts = [f.db_type(connection) if not f.remote_field else f.target_field.rel_db_type(connection)
                         for f in fields] + ["bigint"]
                names = [quote(f.column) for f in fields]
                sets = ", ".join(f"{name} = v.{name}" for name in names)
                arrays = ", ".join(f"%s::{cast}[]" for cast in casts)
                sql = f"UPDATE {table} AS d SET {sets} FROM unnest({arrays}) AS v({', '.join(names)}, id) WHERE d.id = v.id"
                cursor.execute(sql, [list(column) for column in zip(*rows)])
            else:
                sets = ", ".join(f"{quote(f.column)} = %s" for f in fields)
                cursor.executemany(f"UPDATE {table} SET {sets} WHERE id = %s", rows)


def _append_event(dossier: Dossier, *, at, action, action_name, effect, from_state, status, actor, actor_role,
                  from_agency, to_agency, to_user, timeliness_value, state_entered_at, state_due_at,
                  note: str = "", data: dict | None = None, idempotency_key: str | None = None,
                  batch: _Batch | None = None) -> DossierEvent:
    dossier.event_seq += 1
    event = DossierEvent(
        dossier=dossier, seq=dossier.event_seq, at=at, action=action, action_name=str(action_name)[:120],
        effect=str(effect), from_state=from_state, to_state=dossier.state, status=int(status), actor=actor,
        actor_name=(actor.full_name or actor.get_username()) if actor is not None else "",
        actor_role=actor_role, from_agency=from_agency, to_agency=to_agency, to_user=to_user,
        state_entered_at=state_entered_at, state_due_at=state_due_at, timeliness=timeliness_value,
        note=note, data=data or {}, idempotency_key=idempotency_key,
    )
    if batch is None:
        event.save(force_insert=True)
    return event


#: Events that change the dossier's documents: the outbox carries the full sync message for them;
#: other steps carry a status update (national.national_status_payload).
FULL_MESSAGE_EFFECTS = {"submit", Effect.SUPPLEMENT_REQUEST, Effect.SUPPLEMENT_RECEIVED}


def _outbox_message(dossier: Dossier, event: DossierEvent) -> OutboxMessage:
    from tinhso.dossiers.national import national_status_payload, national_sync_payload

    if event.effect in FULL_MESSAGE_EFFECTS or event.data.get("files"):
        payload = national_sync_payload(dossier, events=[event])
        # The message reports the status of this step (acceptance is "2 Được tiếp nhận" even though
        # the dossier moves straight on to "4 Đang xử lý").
        payload["hoSo"]["TrangThaiHoSo"] = str(event.status)
        topic = SYNC_TOPIC
    else:
        payload = national_status_payload(
            dossier, event, procedure_code=_version(dossier.procedure_version_id).procedure.code,
            receiving_code=_agency(dossier.receiving_agency_id).code,
            competent_code=_agency(dossier.competent_agency_id).code,
            to_agency_name=_agency(event.to_agency_id).name)
        topic = STATUS_TOPIC
    return OutboxMessage(topic=topic, dossier=dossier, event=event, created_at=event.at, payload=payload)


def _outbox(dossier: Dossier, event: DossierEvent) -> None:
    _outbox_message(dossier, event).save(force_insert=True)


def _dt_from(value: Any, field_name: str) -> dt.datetime:
    if isinstance(value, dt.datetime):
        moment = value
    else:
        try:
            moment = dt.datetime.fromisoformat(str(value))
        except ValueError:
            raise InvalidInput(_("Ngày giờ không hợp lệ."), details=[
                {"field": field_name, "message": _("Nhập ngày giờ theo dạng YYYY-MM-DDTHH:MM.")}]) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _apply_effect(dossier: Dossier, action: ActionSpec, *, at: dt.datetime, actor: User | None, note: str,
                  data: dict[str, Any], version: ProcedureVersion) -> dict[str, Any]:
    """The legal effect of an action on the dossier's own columns. Returns what the event keeps."""
    effect = action.effect
    kept: dict[str, Any] = {}
    if effect == Effect.ACCEPT:
        cal = _calendar(dossier.competent_agency)
        dossier.accepted_at = at
        dossier.due_at = cal.deadline(at, version.processing_amount, version.processing_unit)
        kept["due_at"] = timezone.localtime(dossier.due_at).isoformat()
    elif effect == Effect.SUPPLEMENT_REQUEST:
        Supplement.objects.create(dossier=dossier, requested_at=at, requested_by=actor, content=note,
                                  due_at_before=dossier.due_at)
        dossier.supplement_count += 1
        dossier.supplement_requested_at = at
        kept["supplement_number"] = dossier.supplement_count
    elif effect == Effect.SUPPLEMENT_RECEIVED:
        open_request = dossier.supplements.filter(received_at__isnull=True).order_by("-requested_at").first()
        if open_request is not None:
            paused = at - open_request.requested_at
            dossier.supplement_duration += paused
            open_request.received_at = at
            open_request.received_by = actor
            open_request.answer = note
            open_request.due_at_after = dossier.due_at + dossier.supplement_duration if dossier.due_at else None
            open_request.save(update_fields=["received_at", "received_by", "answer", "due_at_after"])
            kept["paused_seconds"] = int(paused.total_seconds())
        dossier.supplement_requested_at = None
    elif effect == Effect.EXTEND:
        if "new_due_at" not in data:
            raise InvalidInput(_("Cần nhập ngày hẹn trả mới."),
                               details=[{"field": "new_due_at", "message": _("Chưa nhập ngày hẹn trả mới.")}])
        new_due = _dt_from(data["new_due_at"], "new_due_at")
        if dossier.due_at is not None and new_due <= dossier.due_at:
            raise InvalidInput(_("Ngày hẹn trả mới phải sau ngày hẹn hiện tại."), details=[
                {"field": "new_due_at", "message": _("Ngày hẹn mới phải sau ngày hẹn hiện tại.")}])
        kept["previous_due_at"] = timezone.localtime(dossier.due_at).isoformat() if dossier.due_at else None
        kept["new_due_at"] = timezone.localtime(new_due).isoformat()
        dossier.due_at = new_due
        dossier.extension_count += 1
    elif effect in (Effect.REFUSE, Effect.STOP, Effect.WITHDRAW, Effect.RESULT_ISSUED):
        dossier.finished_at = dossier.finished_at or at
    elif effect == Effect.RESULT_RETURNED:
        dossier.returned_at = at
        dossier.finished_at = dossier.finished_at or at
    if effect in (Effect.REFUSE, Effect.STOP, Effect.WITHDRAW) and dossier.supplement_requested_at:
        dossier.supplement_requested_at = None
    return kept


def _event_status(action: ActionSpec, target: StateSpec) -> int:
    # Acceptance is reported as "Được tiếp nhận" even when the next step is already "Đang xử lý".
    return Status.ACCEPTED if action.effect == Effect.ACCEPT else target.status


def _check_gate(dossier: Dossier, state: StateSpec, action: ActionSpec, version: ProcedureVersion,
                present: set[str] | None = None) -> None:
    """Document gate: leaving a state that requires documents (other than to give up on the
    dossier) needs a file for every required component. `present`: the components the dossier
    has files for, when the caller has read them already (a batch reads them in one query)."""
    if not state.documents_required or action.effect in (
        Effect.REFUSE, Effect.STOP, Effect.WITHDRAW, Effect.SUPPLEMENT_REQUEST, Effect.EXTEND,
    ):
        return
    required = {c["code"] for c in version.components if c.get("required")}
    if present is None:
        present = set(dossier.attachments.filter(component_code__in=required).values_list("component_code",
                                                                                            flat=True))
    missing = [c for c in version.components if c["code"] in required - present]
    if missing:
        raise InvalidInput(_("Hồ sơ còn thiếu thành phần bắt buộc."), code="documents_missing", details=[
            {"field": f"components.{c['code']}", "message": _("Thiếu: %(name)s") % {"name": c["name"]}}
            for c in missing])


def _transition(dossier: Dossier, wf: CompiledWorkflow, action: ActionSpec, *, actor: User | None, role_used: str,
                at: dt.datetime, note: str, data: dict[str, Any], assignee: User | None,
                idempotency_key: str | None, files: Sequence[IncomingFile], inspected,
                outbox: bool = True, batch: _Batch | None = None,
                present: set[str] | None = None) -> DossierEvent:
    """Move a locked dossier along `action`. Caller holds the transaction and the row lock.

    With `batch`, the dossier, event and outbox rows are collected for `_Batch.write` instead of
    written one by one; nothing is collected when the action is refused, so a refused dossier in
    a batch leaves no trace (only the supplement effects write rows early: the caller gives them
    a savepoint)."""
    version = dossier.procedure_version
    source_state = wf.state(dossier.state)
    target = wf.state(action.to)
    if action.effect in REASON_REQUIRED and not note.strip():
        raise InvalidInput(_("Cần ghi rõ lý do."), details=[{"field": "note", "message": _("Chưa nhập lý do.")}])
    _check_gate(dossier, source_state, action, version, present)
    kept = _apply_effect(dossier, action, at=at, actor=actor, note=note, data=data, version=version)
    if files:
        supplement = (dossier.supplements.filter(received_at=at).first()
                      if action.effect == Effect.SUPPLEMENT_RECEIVED else None)
        _store_files(dossier=dossier, files=files, inspected=inspected, actor=actor, at=at, supplement=supplement)
    from_agency = dossier.holder_agency
    holder = _agency(dossier.receiving_agency_id if target.holder == Holder.RECEIVING
                     else dossier.competent_agency_id)
    step_status = rules.timeliness(at, dossier.state_due_at)
    entered, due = dossier.state_entered_at, dossier.state_due_at
    if assignee is not None and not _may_hold(assignee, holder, wf, target):
        raise InvalidInput(_("Người được giao không có vai trò xử lý bước này tại %(agency)s.")
                           % {"agency": holder.name},
                           details=[{"field": "assignee", "message": _("Không thể giao cho người này.")}])
    dossier.state = target.code
    dossier.status = target.status
    dossier.holder_agency = holder
    dossier.assignee = assignee
    dossier.state_entered_at = at
    dossier.state_due_at = _state_due(dossier, target, at, version, holder)
    if files:
        kept["files"] = len(files)
    event = _append_event(
        dossier, at=at, action=action.code, action_name=action.name, effect=action.effect,
        from_state=source_state.code, status=_event_status(action, target), actor=actor, actor_role=role_used,
        from_agency=from_agency, to_agency=holder, to_user=assignee, timeliness_value=step_status,
        state_entered_at=entered, state_due_at=due, note=note, data=kept, idempotency_key=idempotency_key,
        batch=batch,
    )
    if batch is None:
        dossier.save(update_fields=TRANSITION_FIELDS)
        if outbox:
            _outbox(dossier, event)
    else:
        batch.dossiers.append(dossier)
        batch.events.append(event)
        if outbox:
            batch.messages.append(_outbox_message(dossier, event))
    return event


#: The columns a transition may change (the applicant's facts and the form are never rewritten).
TRANSITION_FIELDS = [
    "state", "status", "holder_agency", "assignee", "state_entered_at", "state_due_at", "event_seq",
    "accepted_at", "due_at", "finished_at", "returned_at", "supplement_count", "supplement_requested_at",
    "supplement_duration", "extension_count", "has_digitised_components", "updated_at",
]


def holding_roles(state: StateSpec) -> set[str]:
    """Official roles that can hold a dossier in `state`: those that do the step's work there."""
    return {r for a in state.actions if a.effect not in EXCEPTIONAL_EFFECTS for r in a.roles} - {APPLICANT, SYSTEM}


def _may_hold(user: User, agency: Agency, wf: CompiledWorkflow, state: StateSpec) -> bool:
    roles = holding_roles(state)
    return user.is_official and any(
        agency_id == agency.pk and role in roles for agency_id, role, _kind in _held_roles(user, timezone.localdate()))


def _roles_of(caps: Iterable[str], action: ActionSpec) -> str:
    usable = [r for r in action.roles if r in caps]
    return usable[0] if usable else ""


def _attach_cached(dossier: Dossier) -> None:
    version = _version(dossier.procedure_version_id)
    dossier.procedure_version = version
    if version.workflow_id == dossier.workflow_id:
        dossier.workflow = version.workflow
    for name in ("holder_agency", "receiving_agency", "competent_agency"):
        setattr(dossier, name, _agency(getattr(dossier, f"{name}_id")))


def dossier_act(
    *,
    actor: User | None,
    dossier_id: int | None = None,
    code: str | None = None,
    action: str,
    note: str = "",
    data: dict[str, Any] | None = None,
    assignee: User | None = None,
    files: Sequence[IncomingFile] = (),
    idempotency_key: str | None = None,
    expected_seq: int | None = None,
) -> DossierEvent:
    """Take `action` on a dossier. One transaction under the dossier's row lock.

    - The same idempotency key again returns the first event (for the same action) — a double
      click or a retried request acts once.
    - `expected_seq` (the event number the actor last saw) turns a race into a clear conflict:
      of two officers acting at once, the second is told the dossier has just changed.
    - 403 when the actor holds no capacity for the action; 409 with the allowed actions when the
      action does not exist in the current state.
    """
    inspected = _inspect_files(files) if files else ()
    at = timezone.now()
    with transaction.atomic():
        lookup = {"pk": dossier_id} if dossier_id is not None else {"code": code}
        # The row alone, without the form data: the version, workflow and agencies come from the
        # process caches (a transition never rewrites the applicant's form).
        dossier = Dossier.objects.select_for_update().defer("form_data").filter(**lookup).first()
        if dossier is None:
            raise NotFound(_("Không tìm thấy hồ sơ."))
        _attach_cached(dossier)
        if idempotency_key:
            previous = DossierEvent.objects.filter(dossier=dossier, idempotency_key=idempotency_key).first()
            if previous is not None:
                return _replayed(previous, action)
        wf, spec, role_used = _action_checked(dossier, actor, action, expected_seq, on=timezone.localdate())
        return _transition(dossier, wf, spec, actor=actor, role_used=role_used, at=at, note=note or "",
                           data=data or {}, assignee=assignee, idempotency_key=idempotency_key or None,
                           files=files, inspected=inspected)


def _replayed(previous: DossierEvent, action: str) -> DossierEvent:
    if previous.action != action:
        raise Conflict(_("Mã chống gửi lặp này đã dùng cho một thao tác khác."), code="idempotency_key_reused")
    return previous


def _action_checked(dossier: Dossier, actor: User | None, action: str, expected_seq: int | None, *,
                    on: dt.date) -> tuple[CompiledWorkflow, ActionSpec, str]:
    """The workflow, the action and the role the actor uses for it — or the refusal."""
    wf = compiled(dossier.workflow)
    # A stale view first: an officer whose page is out of date is told so, even when the
    # dossier has meanwhile moved to another agency and out of their hands.
    if expected_seq is not None and expected_seq != dossier.event_seq:
        raise Conflict(_("Hồ sơ %(code)s vừa được người khác xử lý. Vui lòng tải lại để xem trạng thái mới.")
                       % {"code": dossier.code}, details={"event_seq": dossier.event_seq,
                                                         "state": dossier.state,
                                                         "state_name": wf.state(dossier.state).name})
    caps = _capacities(actor, dossier, on=on)
    if not caps:
        raise Forbidden(_("Bạn không có quyền xử lý hồ sơ %(code)s ở bước hiện tại.") % {"code": dossier.code})
    spec = wf.action(dossier.state, action)
    if spec is None:
        allowed = [a for a in wf.actions_from(dossier.state) if caps.intersection(a.roles)]
        known = next((a.name for (_s, code), a in wf.actions.items() if code == action), action)
        raise ActionNotAllowed(
            _("Không thể thực hiện “%(action)s” khi hồ sơ đang ở bước “%(state)s”.")
            % {"action": known, "state": wf.state(dossier.state).name},
            details={"state": dossier.state, "allowed_actions": [
                {"code": a.code, "name": a.name} for a in allowed]})
    role_used = _roles_of(caps, spec)
    if not role_used:
        raise Forbidden(_("Vai trò của bạn không được thực hiện “%(action)s”.") % {"action": spec.name})
    return wf, spec, role_used


@dataclass(frozen=True)
class BatchOutcome:
    """What happened to one dossier of `dossier_act_many`: its event, or why it was left alone."""

    dossier_id: int
    code: str
    event: DossierEvent | None = None
    error: DossierError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


#: Effects that write rows before the transition is complete (a supplement request or answer):
#: in a batch each gets a savepoint, so that a refusal later in its checks leaves nothing behind.
_EARLY_WRITES = {Effect.SUPPLEMENT_REQUEST, Effect.SUPPLEMENT_RECEIVED}


def dossier_act_many(
    *,
    actor: User | None,
    dossier_ids: Sequence[int],
    action: str,
    note: str = "",
    data: dict[str, Any] | None = None,
    assignee: User | None = None,
    idempotency_key: str | None = None,
    expected_seqs: dict[int, int] | None = None,
) -> list[BatchOutcome]:
    """Take the same `action` on many dossiers at once — a leader approving the morning's
    dossiers, a receiving officer accepting a pile — in one transaction.

    Each dossier goes through exactly the checks of `dossier_act` (capacity, state, role,
    document gate, reason, assignee) and gets its own control-slip event and outbox message; a
    dossier that fails a check is reported in its outcome and left unchanged, the others move
    on. The rows are locked in id order (two overlapping batches cannot deadlock) and written
    with one INSERT per table and one batched UPDATE. The idempotency key applies per dossier:
    repeating the batch returns the first events and acts on no dossier twice.
    """
    ids = list(dict.fromkeys(dossier_ids))
    at = timezone.now()
    on = timezone.localdate()
    note, data = note or "", data or {}
    outcomes: dict[int, BatchOutcome] = {}
    batch = _Batch()
    with transaction.atomic():
        dossiers = list(Dossier.objects.select_for_update().defer("form_data").filter(pk__in=ids).order_by("pk"))
        previous: dict[int, DossierEvent] = {}
        if idempotency_key:
            previous = {e.dossier_id: e for e in DossierEvent.objects.filter(
                dossier_id__in=ids, idempotency_key=idempotency_key)}
        for dossier in dossiers:
            _attach_cached(dossier)
        gated = [d.pk for d in dossiers if compiled(d.workflow).state(d.state).documents_required]
        present: dict[int, set[str]] = {pk: set() for pk in gated}
        if gated:
            for dossier_id, component in Attachment.objects.filter(dossier_id__in=gated).order_by().values_list(
                    "dossier_id", "component_code").distinct():
                present[dossier_id].add(component)
        for dossier in dossiers:
            try:
                if dossier.pk in previous:
                    event = _replayed(previous[dossier.pk], action)
                else:
                    wf, spec, role_used = _action_checked(
                        dossier, actor, action, (expected_seqs or {}).get(dossier.pk), on=on)
                    kwargs = dict(actor=actor, role_used=role_used, at=at, note=note, data=data, assignee=assignee,
                                  idempotency_key=idempotency_key or None, files=(), inspected=(), batch=batch,
                                  present=present.get(dossier.pk))
                    if spec.effect in _EARLY_WRITES:
                        with transaction.atomic():
                            event = _transition(dossier, wf, spec, **kwargs)
                    else:
                        event = _transition(dossier, wf, spec, **kwargs)
                outcomes[dossier.pk] = BatchOutcome(dossier.pk, dossier.code, event=event)
            except DossierError as error:
                outcomes[dossier.pk] = BatchOutcome(dossier.pk, dossier.code, error=error)
        batch.write()
    missing = NotFound(_("Không tìm thấy hồ sơ."))
    return [outcomes.get(pk) or BatchOutcome(pk, "", error=missing) for pk in ids]


def dossier_accept_many(*, actor: User | None, dossier_ids: Sequence[int],
                        idempotency_key: str = "bulk-accept") -> list[BatchOutcome]:
    """Accept a pile of dossiers waiting at reception (bulk accept). Procedures may name their
    acceptance action differently: one batch per action; a dossier no longer waiting for
    acceptance is reported, not acted on. Outcomes in the order given."""
    ids = list(dict.fromkeys(dossier_ids))
    batches: dict[str, list[int]] = {}
    outcomes: dict[int, BatchOutcome] = {}
    from tinhso.dossiers.selectors import workflows_compiled

    rows = list(Dossier.objects.filter(pk__in=ids).values_list("pk", "code", "state", "workflow_id"))
    workflows = workflows_compiled({row[3] for row in rows})
    for pk, code, state, workflow_id in rows:
        accept = next((a for a in workflows[workflow_id].actions_from(state) if a.effect == Effect.ACCEPT), None)
        if accept is None:
            outcomes[pk] = BatchOutcome(pk, code, error=ActionNotAllowed(
                _("Hồ sơ không còn ở bước chờ tiếp nhận."), details={"state": state}))
        else:
            batches.setdefault(accept.code, []).append(pk)
    for action, batch_ids in batches.items():
        for outcome in dossier_act_many(actor=actor, dossier_ids=batch_ids, action=action,
                                        idempotency_key=idempotency_key):
            outcomes[outcome.dossier_id] = outcome
    missing = NotFound(_("Không tìm thấy hồ sơ."))
    return [outcomes.get(pk) or BatchOutcome(pk, "", error=missing) for pk in ids]


def dossier_assign(*, actor: User, dossier_id: int, assignee: User | None) -> Dossier:
    """Mark (or unmark) the official who holds the dossier in its current step. Anyone with a
    role in the holding agency may re-assign (DIGIT's inbox semantics)."""
    with transaction.atomic():
        dossier = Dossier.objects.select_for_update(of=("self",)).select_related(
            "workflow", "holder_agency").get(pk=dossier_id)
        if not (_capacities(actor, dossier, on=timezone.localdate()) - {APPLICANT, SYSTEM}):
            raise Forbidden(_("Bạn không có quyền giao hồ sơ này."))
        wf = compiled(dossier.workflow)
        if assignee is not None and not _may_hold(assignee, dossier.holder_agency, wf, wf.state(dossier.state)):
            raise InvalidInput(_("Người được giao không có vai trò xử lý bước này."),
                               details=[{"field": "assignee", "message": _("Không thể giao cho người này.")}])
        dossier.assignee = assignee
        dossier.save(update_fields=["assignee", "updated_at"])
    return dossier


def dossier_payment_record(*, dossier_id: int, amount: int, paid_at: dt.datetime, reference: str) -> Dossier:
    """Record that the dossier's fees were paid online through the province's payment gateway
    (DuocThanhToanTrucTuyen = 2; 1 is kept for a payment made on the national portal). Called by
    the payments module in the transaction that confirms the payment; idempotent."""
    if amount <= 0:
        raise InvalidInput(_("Số tiền thanh toán không hợp lệ."),
                           details=[{"field": "amount", "message": _("Số tiền phải lớn hơn 0.")}])
    with transaction.atomic():
        dossier = Dossier.objects.select_for_update(of=("self",)).defer("form_data").filter(pk=dossier_id).first()
        if dossier is None:
            raise NotFound(_("Không tìm thấy hồ sơ."))
        if dossier.paid_online == 0:
            dossier.paid_online = 2
            dossier.save(update_fields=["paid_online", "updated_at"])
    return dossier


__all__ = [
    "SYNC_TOPIC",
    "Applicant",
    "IncomingFile",
    "actions_for",
    "dossier_act",
    "dossier_act_many",
    "dossier_accept_many",
    "BatchOutcome",
    "dossier_assign",
    "dossier_intake",
    "dossier_intake_national",
    "dossier_payment_record",
    "STATUS_TOPIC",
]
