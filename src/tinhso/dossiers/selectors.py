"""Reads of dossiers: who may see which dossier, the officer inbox, search, the register.

Visibility (least privilege, every read of personal data checked):
- the applicant sees their own dossiers;
- an official sees a dossier when they hold any role in an agency that received it, is competent
  for it, holds it now, or held it at some step (its event log);
- a leader of the provincial People's Committee sees every dossier: the province answers for its
  Decision 766 index as a whole, and its leaders follow any number on the monitor down to the
  dossiers behind it (docs/decisions.md, "Provincial leaders read every dossier"); each read is
  audited like any other;
- nobody else — the caller gets "not found", never "forbidden", so codes cannot be probed.

The inbox follows DIGIT's semantics (anchors.md §1): a dossier appears to every official whose role
can do the work of its current step at the holding agency (exceptional actions — refuse, stop,
extend, withdraw — do not count); once assigned to one person it appears only
in that person's inbox, though the others can still find it by search and act on it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from tinhso.accounts.models import Role, User
from tinhso.accounts.selectors import user_roles
from tinhso.catalog.models import VersionStatus, WorkflowDefinition
from tinhso.catalog.workflow import EXCEPTIONAL_EFFECTS, compiled
from tinhso.core.audit import audit_record
from tinhso.core.calendar import calendar_for
from tinhso.core.models import Agency, AgencyKind
from tinhso.core.search import folded_search
from tinhso.dossiers import rules
from tinhso.dossiers.models import Dossier, DossierEvent, Status, Supplement

OPEN_STATUSES = [Status.SUBMITTED, Status.ACCEPTED, Status.IN_PROGRESS, Status.SUPPLEMENT_REQUESTED,
                 Status.FINANCIAL_REQUESTED, Status.PROCESSED]


def _reading_roles(user: User) -> list[tuple[int, str, str]]:
    """(agency id, role, agency kind) of the official's current roles that read dossiers: one query."""
    if not getattr(user, "is_authenticated", False) or not user.is_official:
        return []
    return list(user_roles(user).exclude(role=Role.INTEGRATION).values_list("agency_id", "role", "agency__kind"))


def _oversees(roles: list[tuple[int, str, str]]) -> bool:
    return any(role == Role.LEADER and kind == AgencyKind.PROVINCE_PEOPLES_COMMITTEE for _a, role, kind in roles)


def oversees_province(user: User) -> bool:
    """A current leader role in the provincial People's Committee (see the module docstring)."""
    return _oversees(_reading_roles(user))


def dossiers_visible_to(user: User) -> QuerySet[Dossier]:
    """Every dossier `user` may read (see the module docstring)."""
    return visible_only(Dossier.objects.all(), user)


def visible_only(rows: QuerySet[Dossier], user: User) -> QuerySet[Dossier]:
    """`rows` narrowed to the dossiers `user` may read, as conditions on `rows` itself (no
    `pk IN (…)` subquery, and none at all for a reader of every dossier)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return rows.none()
    if not user.is_official:
        return rows.filter(applicant=user)
    roles = _reading_roles(user)
    if _oversees(roles):
        return rows
    agencies = sorted({agency for agency, _role, _kind in roles})
    if not agencies:
        return rows.none()
    touched = DossierEvent.objects.filter(dossier=OuterRef("pk"), to_agency_id__in=agencies)
    return rows.filter(
        Q(receiving_agency_id__in=agencies) | Q(competent_agency_id__in=agencies)
        | Q(holder_agency_id__in=agencies) | Exists(touched)
    )


def dossier_get_for(user: User, *, code: str, ip: str = "", audit: bool = True) -> Dossier | None:
    """One dossier by code if `user` may read it (None otherwise). An official's read of a
    dossier (personal data) is written to the audit log."""
    dossier = (dossiers_visible_to(user).filter(code=code)
               .select_related("procedure", "procedure_version", "workflow", "receiving_agency",
                               "competent_agency", "holder_agency", "assignee", "applicant").first())
    if dossier is not None and audit and user.is_official:
        audit_record(action="dossier.viewed", actor=user, object_type="dossier", object_id=dossier.code, ip=ip)
    return dossier


def dossier_events(dossier: Dossier) -> QuerySet[DossierEvent]:
    """The control slip: every step in order, with who handed to whom."""
    return dossier.events.select_related("from_agency", "to_agency", "to_user", "actor").order_by("seq")


# --- Inbox ------------------------------------------------------------------------------------

class InboxFilter:
    ALL = "all"
    DUE_SOON = "due_soon"
    LATE = "late"
    SUPPLEMENT = "supplement"
    PAYMENT = "payment"
    CHOICES = (ALL, DUE_SOON, LATE, SUPPLEMENT, PAYMENT)


#: Actions that are possible in a step but are not its work do not put the dossier in an inbox
#: (otherwise every leader would see every dossier in progress, since a leader may refuse or stop).
EXCEPTIONAL = EXCEPTIONAL_EFFECTS


def _acting_states(roles: set[str]) -> Q:
    """(workflow, state) pairs in which one of `roles` has an action that is the step's work,
    over published workflows."""
    condition = Q(pk__in=[])
    for workflow_id, wf in _published_workflows():
        states = [code for code, state in wf.states.items()
                  if any(roles.intersection(a.roles) and a.effect not in EXCEPTIONAL for a in state.actions)]
        if states:
            condition |= Q(workflow_id=workflow_id, state__in=states)
    return condition


def _published_workflows():
    """(id, compiled workflow) of every published definition: one query for the ids."""
    ids = list(WorkflowDefinition.objects.filter(status=VersionStatus.PUBLISHED).values_list("id", flat=True))
    flows = workflows_compiled(ids)
    return [(i, flows[i]) for i in ids]


def workflows_compiled(ids) -> dict:
    """{id: compiled workflow}; a published definition is read from the database only the first
    time (published definitions never change; see catalog.workflow)."""
    wanted = set(ids)
    found = {i: _COMPILED[i] for i in wanted if i in _COMPILED}
    for workflow in WorkflowDefinition.objects.filter(pk__in=wanted - found.keys()):
        found[workflow.pk] = compiled(workflow)
        if workflow.status == VersionStatus.PUBLISHED:
            _COMPILED[workflow.pk] = found[workflow.pk]
    return found


_COMPILED: dict = {}


def workflows_cache_clear() -> None:
    _COMPILED.clear()


def assignee_candidates(*, agency: Agency, workflow: WorkflowDefinition, state: str) -> QuerySet[User]:
    """Officials who may be given a dossier in `state` at `agency` (the rule the services check)."""
    from tinhso.dossiers.services import holding_roles

    roles = holding_roles(compiled(workflow).state(state))
    return (User.objects.filter(kind="official", is_active=True,
                                pk__in=roles_current_in(agency=agency, roles=roles).values("user_id"))
            .order_by("full_name", "username"))


def roles_current_in(*, agency: Agency, roles: set[str]):
    from tinhso.accounts.selectors import roles_current

    qs = None
    for role in roles:
        part = roles_current(role=role).filter(agency=agency)
        qs = part if qs is None else qs | part
    return qs if qs is not None else user_roles(None)


@dataclass(frozen=True)
class InboxQuery:
    agency: Agency
    mode: str = "role"          # "role": everything my roles can act on; "assigned": only mine
    filter: str = InboxFilter.ALL
    q: str = ""


def inbox(user: User, query: InboxQuery) -> QuerySet[Dossier]:
    """The dossiers waiting for `user` at `query.agency`, most urgent first."""
    roles = set(user_roles(user).filter(agency=query.agency).exclude(role=Role.INTEGRATION)
                .values_list("role", flat=True))
    if not roles:
        return Dossier.objects.none()
    base = Dossier.objects.filter(holder_agency=query.agency, status__in=OPEN_STATUSES)
    if query.mode == "assigned":
        base = base.filter(assignee=user)
    else:
        base = base.filter(_acting_states(roles)).filter(Q(assignee__isnull=True) | Q(assignee=user))
    base = _apply_filter(base, query.filter, query.agency)
    if query.q:
        base = dossier_search(base, query.q)
    return base.select_related("procedure", "assignee").order_by("state_due_at", "id")


def _apply_filter(qs: QuerySet[Dossier], name: str, agency: Agency) -> QuerySet[Dossier]:
    now = timezone.now()
    if name == InboxFilter.LATE:
        return qs.filter(Q(state_due_at__lt=now) | Q(due_at__lt=now))
    if name == InboxFilter.DUE_SOON:
        soon = calendar_for(agency=agency).add_working_hours(now, settings.TINHSO_DUE_SOON_HOURS)
        return qs.filter(state_due_at__gte=now, state_due_at__lte=soon)
    if name == InboxFilter.SUPPLEMENT:
        return qs.filter(status=Status.SUPPLEMENT_REQUESTED)
    if name == InboxFilter.PAYMENT:
        return qs.filter(status=Status.FINANCIAL_REQUESTED)
    return qs


def dossier_search(qs: QuerySet[Dossier], q: str) -> QuerySet[Dossier]:
    """By dossier code (whole or its start), identification number (exact), or applicant name
    (accent-insensitive words)."""
    text = q.strip()
    if not text:
        return qs
    compact = text.replace(" ", "")
    if compact.isdigit() and len(compact) in (9, 10, 12, 13, 14):
        return qs.filter(applicant_id_number=compact)
    if "-" in text and " " not in text:
        # The whole code, its start (agency and day) or its end (day and number).
        return qs.filter(Q(code__startswith=text.upper()) | Q(code__endswith=text.upper()))
    return folded_search(qs, text, field="applicant_name_folded")


# --- On-time verdicts ------------------------------------------------------------------------

_TERMINAL = [Status.PROCESSED, Status.RETURNED, Status.STOPPED, Status.REFUSED, Status.WITHDRAWN]


def dossier_verdicts(dossiers: list[Dossier], *, period_end: dt.datetime | None = None) -> dict[int, rules.Verdict]:
    """On-time verdicts (Decision 766 item 2.1, rules.on_time_verdict) of many dossiers, from their
    events and supplements, with two queries whatever their number."""
    ids = [d.pk for d in dossiers]
    firsts: dict[int, dict[int, dt.datetime]] = {}
    for dossier_id, status, at in (DossierEvent.objects.filter(dossier_id__in=ids, status__in=_TERMINAL)
                                   .order_by("dossier_id", "seq").values_list("dossier_id", "status", "at")):
        firsts.setdefault(dossier_id, {}).setdefault(status, at)
    spans: dict[int, list[rules.SupplementSpan]] = {}
    for dossier_id, requested, received in Supplement.objects.filter(dossier_id__in=ids).values_list(
            "dossier_id", "requested_at", "received_at"):
        spans.setdefault(dossier_id, []).append(rules.SupplementSpan(requested, received))
    now = period_end or timezone.now()
    out = {}
    for d in dossiers:
        f = firsts.get(d.pk, {})
        out[d.pk] = rules.on_time_verdict(
            accepted_at=d.accepted_at, due_at=d.due_at, supplements=spans.get(d.pk, ()), period_end=now,
            terminals=rules.Terminals(processed_at=f.get(Status.PROCESSED), returned_at=f.get(Status.RETURNED),
                                      stopped_at=f.get(Status.STOPPED), refused_at=f.get(Status.REFUSED),
                                      withdrawn_at=f.get(Status.WITHDRAWN)))
    return out


def dossier_verdict(dossier: Dossier, *, period_end: dt.datetime | None = None) -> rules.Verdict:
    return dossier_verdicts([dossier], period_end=period_end)[dossier.pk]


# --- Register ---------------------------------------------------------------------------------

def register(*, agency: Agency, start: dt.date, end: dt.date) -> QuerySet[Dossier]:
    """The dossier register (sổ theo dõi hồ sơ, Mẫu 07 of Circular 03/2025) of an agency for the
    days start..end inclusive: dossiers it received, in order of code."""
    lo = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    hi = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min))
    return (Dossier.objects.filter(receiving_agency=agency, submitted_at__gte=lo, submitted_at__lt=hi)
            .select_related("procedure", "competent_agency").order_by("submitted_at", "code"))


def may_view_register(user: User, agency: Agency) -> bool:
    return user_roles(user).filter(agency=agency).exclude(role=Role.INTEGRATION).exists()
