"""Drill-down: the dossiers behind a number — those a component counted for a scope and period, and
those of them that lost the point, with the reason where the rule has one.

The lists are filtered by the very conditions the one pass summed (kpi/engine/components.py,
`Drill`), over the same facts (kpi/engine/facts.py), with the one moment of the period at which open
dossiers are judged; so the late dossiers listed for a commune's March are exactly the ones its
on-time ratio counted late. Reasons of item 2.1 come from `dossiers.rules.on_time_verdict` itself,
for the page shown only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.accounts.models import User
from tinhso.catalog.models import Procedure
from tinhso.core.audit import audit_record
from tinhso.core.models import AdministrativeUnit, Agency
from tinhso.core.selectors import unit_subtree_ids, units_on
from tinhso.dossiers import rules
from tinhso.dossiers.models import Dossier
from tinhso.dossiers.selectors import dossier_verdicts, visible_only
from tinhso.kpi.engine import places as placing
from tinhso.kpi.engine.catalogue import catalogue_read
from tinhso.kpi.engine.cells import no_jit
from tinhso.kpi.engine.components import COMPONENTS, Drill
from tinhso.kpi.engine.facts import Catalogue, Judgement, cohort_in, dossier_facts
from tinhso.kpi.errors import InvalidInput, NotFound
from tinhso.kpi.periods import VN, Period, PeriodError
from tinhso.kpi.scopes import in_force

MAX_PAGE_SIZE = 200


def _drill(code: str) -> Drill:
    component = COMPONENTS.get(code)
    if component is None:
        raise NotFound(_("Không có chỉ tiêu %(code)s trong bộ chỉ số 766.") % {"code": code}, code="indicator_not_found")
    if component.drill is None:
        raise InvalidInput(_("Chỉ tiêu %(code)s không đếm theo hồ sơ nên không có danh sách hồ sơ.") % {"code": code},
                           code="no_dossier_list")
    return component.drill


def _agencies(*, unit: AdministrativeUnit | None, agency: Agency | None, period: Period, day: dt.date) -> set[int]:
    """The agencies whose dossiers add up into the unit (kpi/engine/places.py): those located in it
    or below it today, and those of old units the lineage brings into it."""
    if agency is not None:
        return {agency.pk}
    if unit is None:
        raise InvalidInput(_("Cần chọn đơn vị hành chính hoặc cơ quan."), code="scope_required")
    below = Q(unit_id__in=unit_subtree_ids(unit=unit, day=day)) if in_force(unit, day) else Q(unit=unit)
    candidates = Agency.objects.filter(below | ~Q(unit__in=units_on(day))).values_list("pk", flat=True)
    key = placing.key_of(unit.level, unit.pk)
    found = set()
    for place in placing.agency_places(candidates, day=day).values():
        for member in place.members:
            if member.key == key and (member.until is None or period.start_date < member.until):
                found.add(place.agency_id)
    return found


def component_dossiers(*, code: str, period: Period | str, unit: AdministrativeUnit | None = None,
                       agency: Agency | None = None, procedure: Procedure | None = None, lost: bool = False,
                       now: dt.datetime | None = None, day: dt.date | None = None) -> QuerySet[Dossier]:
    """The dossiers component `code` counted for the scope (a unit — province, commune, old unit —
    or an agency; optionally one procedure) and period; with `lost`, those that did not score.
    On PostgreSQL, evaluate it in a transaction after `cells.no_jit` (as `component_dossier_page`
    does): the per-dossier subqueries make the planner compile the statement, which takes longer
    than running it."""
    drill = _drill(code)
    now = now or timezone.now()
    if isinstance(period, str):
        try:
            period = Period.parse(period, today=now.astimezone(VN).date())
        except PeriodError as error:
            raise InvalidInput(str(error), code="invalid_period") from None
    day = day or now.astimezone(VN).date()
    agencies = _agencies(unit=unit, agency=agency, period=period, day=day)
    rows = Dossier.objects.filter(cohort_in(period.start, period.end), competent_agency_id__in=sorted(agencies))
    if procedure is not None:
        rows = rows.filter(procedure=procedure)
    condition = drill.counted & ~drill.scored if lost else drill.counted
    wanted = condition.facts() | drill.counted.facts()
    # The catalogue is read only when a fact needs it (3.3, 3.5, 3.6, 4.1, 4.2): reading it is most of
    # the cost of a page otherwise.
    catalogue = catalogue_read().facts if wanted & {"paper", "feeproc"} else Catalogue(frozenset(), frozenset())
    facts = dossier_facts(catalogue=catalogue, at=Judgement(period.year, now).of_period(period),
                          with_sync="sent" in wanted)
    names = {f"f_{name}" for name in wanted}
    return rows.annotate(**{name: expression for name, expression in facts.items() if name in names}).filter(
        condition.q())


@dataclass(frozen=True)
class DrillRow:
    dossier: Dossier
    reason: str
    late_by: dt.timedelta | None = None


def _duration(delta: dt.timedelta) -> str:
    days, seconds = delta.days, delta.seconds
    hours, minutes = seconds // 3600, seconds % 3600 // 60
    parts = []
    if days:
        parts.append(_("%(n)s ngày") % {"n": days})
    if hours:
        parts.append(_("%(n)s giờ") % {"n": hours})
    if minutes and not days:
        parts.append(_("%(n)s phút") % {"n": minutes})
    return " ".join(parts) or _("dưới 1 phút")


def verdict_reason(verdict: rules.Verdict, dossier: Dossier) -> tuple[str, dt.timedelta | None]:
    if verdict.reason == rules.Reason.SEVERAL_SUPPLEMENTS:
        return _("Yêu cầu bổ sung hồ sơ %(n)s lần (từ 2 lần tính quá hạn)") % {"n": dossier.supplement_count}, None
    if verdict.reason == rules.Reason.AFTER_APPOINTMENT and verdict.end is not None and dossier.due_at:
        late = verdict.end - dossier.due_at
        return _("Trễ %(late)s so với ngày hẹn trả") % {"late": _duration(late)}, late
    return "", None


def drill_reasons(code: str, dossiers: list[Dossier], *, period: Period, now: dt.datetime,
                  lost: bool) -> list[DrillRow]:
    """Each dossier with why it lost the point (`lost`; else no reason): late by the on-time rule
    (2.1, and 5.4's lateness), rated not satisfied or complained about (5.4, from the dossier's own
    flags), else the component's general reason."""
    if not lost:
        return [DrillRow(dossier, "") for dossier in dossiers]
    at = Judgement(period.year, now).of_period(period)
    verdicts = dossier_verdicts(dossiers, period_end=at) if code in ("766.2.1", "766.5.4") else {}
    rows = []
    for dossier in dossiers:
        parts, late_by = [], None
        verdict = verdicts.get(dossier.pk)
        if verdict is not None and verdict.on_time is False:
            text, late_by = verdict_reason(verdict, dossier)
            parts.append(text or _("Quá hạn"))
        if code == "766.5.4" and dossier.has_dislike:
            parts.append(_("Bị đánh giá không hài lòng"))
        if code == "766.5.4" and dossier.has_complaint:
            parts.append(_("Có phản ánh, kiến nghị về việc tiếp nhận, giải quyết"))
        rows.append(DrillRow(dossier, "; ".join(parts) or str(COMPONENTS[code].drill.lost), late_by))
    return rows


def component_dossier_page(*, code: str, period: Period | str, unit: AdministrativeUnit | None = None,
                           agency: Agency | None = None, procedure: Procedure | None = None, lost: bool = False,
                           page: int = 1, page_size: int = 50, user: User | None = None,
                           now: dt.datetime | None = None, day: dt.date | None = None) -> tuple[Page, list[DrillRow]]:
    """One page of `component_dossiers`, oldest acceptance first, each dossier with why it lost the
    point (`lost`). Given a `user`, only the dossiers that user may read are listed, and the read is
    audited (the list shows applicants' names)."""
    now = now or timezone.now()
    rows = component_dossiers(code=code, period=period, unit=unit, agency=agency, procedure=procedure, lost=lost,
                              now=now, day=day)
    if user is not None:
        rows = visible_only(rows, user)
    rows = rows.select_related("procedure", "competent_agency").order_by("accepted_at", "submitted_at", "pk")
    paginator = Paginator(rows, min(max(page_size, 1), MAX_PAGE_SIZE))
    with transaction.atomic(), connection.cursor() as cursor:
        no_jit(cursor)
        current = paginator.get_page(page)
        dossiers = list(current.object_list)
    period_obj = period if isinstance(period, Period) else Period.parse(period, today=now.astimezone(VN).date())
    reasons = drill_reasons(code, dossiers, period=period_obj, now=now, lost=lost)
    if user is not None and dossiers:
        audit_record(action="kpi.drilldown_viewed", actor=user, object_type="kpi.component", object_id=code,
                     data={"period": str(period), "unit": unit.pk if unit else None,
                           "agency": agency.pk if agency else None, "lost": lost, "page": current.number,
                           "dossiers": [d.code for d in dossiers]})
    return current, reasons
