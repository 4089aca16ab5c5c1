"""The on-time rule of Decision 766 item 2.1 in SQL agrees with `dossiers.rules.on_time_verdict`.

Random dossiers are written directly as rows — columns, control-slip events and supplements that
agree with each other the way `dossiers.services` writes them — and each one's verdict at a random
moment is read twice: from the engine's SQL facts (kpi/engine/facts.py, over the dossier's own
columns) and from the pure rule function over its events and supplements (the reading of
`dossiers.selectors.dossier_verdicts`). Then a period's numbers: the engine's month, quarter and
year figures equal the rule applied dossier by dossier, and the drill-down lists exactly the
dossiers the rule finds late.

`random_lives` is also used by test_766_incremental.py.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.factories import commune_unit, province_unit
from dossiers.conftest import procedure_published, workflow_published
from tinhso.catalog.models import ProcedureVersion
from tinhso.core.models import Agency, AgencyKind
from tinhso.dossiers import rules
from tinhso.dossiers.models import Dossier, DossierEvent, Status, Supplement
from tinhso.kpi.engine.catalogue import catalogue_read
from tinhso.kpi.engine.facts import dossier_facts
from tinhso.kpi.models import Measurement
from tinhso.kpi.periods import Period
from tinhso.kpi.selectors import component_dossiers
from tinhso.kpi.services import measurements_recompute

VN = ZoneInfo("Asia/Ho_Chi_Minh")
BASE = dt.datetime(2026, 1, 1, tzinfo=VN)
pytestmark = pytest.mark.django_db


class Rollback(Exception):
    pass


@dataclass
class World:
    agencies: list[Agency]
    versions: list[ProcedureVersion]


@pytest.fixture
def world(db, settings) -> World:
    settings.TINHSO_PROVINCE = "00"  # no deployment communes: only the units the dossiers are in
    province = province_unit()
    agencies = [Agency.objects.create(code=f"000.9{i}.60.H61", name=f"UBND xã Ngẫu Nhiên {i}",
                                      kind=AgencyKind.COMMUNE_PEOPLES_COMMITTEE,
                                      unit=commune_unit(province, f"Xã Ngẫu Nhiên {i}")) for i in range(2)]
    workflow = workflow_published("mot-cua-chuan")
    paper = procedure_published(code="1.001193", name="Đăng ký khai sinh", workflow=workflow, agencies=agencies)
    fees = procedure_published(code="1.004873", name="Cấp bản sao trích lục hộ tịch", workflow=workflow,
                               agencies=agencies, fees=[{"code": "LP", "name": "Lệ phí", "kind": "le_phi",
                                                         "amount": 8000, "note": ""}])
    ProcedureVersion.objects.filter(pk=fees.pk).update(results=[{"code": "BS", "name": "Bản sao", "paper": False,
                                                                 "electronic": True}])
    return World(agencies, [paper, fees])


# --- Random lives ----------------------------------------------------------------------------------

TERMINALS = ["open", "processed", "processed_returned", "returned", "refused", "stopped", "withdrawn"]


@dataclass
class Life:
    """One dossier's whole story, in minutes from BASE."""

    agency: int
    version: int
    submitted: int
    accepted: int | None
    due: int | None
    supplements: list[tuple[int, int | None]] = field(default_factory=list)  # (requested, received)
    terminal: str = "open"
    terminal_at: int | None = None
    channel: int = 1
    flags: dict = field(default_factory=dict)


def life_from(rng: random.Random, *, agencies: int, versions: int, span_days: int = 120) -> Life:
    submitted = rng.randrange(0, span_days * 1440)
    life = Life(agency=rng.randrange(agencies), version=rng.randrange(versions), submitted=submitted, accepted=None,
                due=None, channel=rng.choice([1, 2, 2, 3]))
    if rng.random() < 0.12:  # never accepted: waiting, refused at reception or withdrawn
        life.terminal = rng.choice(["open", "refused", "withdrawn"])
        life.terminal_at = submitted + rng.randrange(1, 3000) if life.terminal != "open" else None
        return life
    life.accepted = submitted + rng.choice([0, 0, rng.randrange(1, 4000)])
    if rng.random() > 0.05:  # an appointment date (always, in practice; rule 6 otherwise)
        life.due = life.accepted + rng.choice([1, 3, 5, 10, 20, 40]) * 1440 + rng.choice([0, 0, 480, -60])
    t = life.accepted
    for _ in range(rng.choice([0, 0, 0, 1, 1, 2, 3])):
        requested = t + rng.randrange(1, 6000)
        received = requested + rng.randrange(1, 9000)
        life.supplements.append((requested, received))
        t = received
    life.terminal = rng.choice(TERMINALS)
    if life.supplements and rng.random() < 0.35:  # the last request still waits for the citizen
        requested, _received = life.supplements[-1]
        life.supplements[-1] = (requested, None)
        t = requested
        if life.terminal in ("processed", "processed_returned", "returned"):
            life.terminal = rng.choice(["open", "withdrawn", "stopped", "refused"])
    if life.terminal != "open":
        life.terminal_at = t + rng.choice([1, rng.randrange(1, 40 * 1440)])
        if life.due is not None and rng.random() < 0.15:
            life.terminal_at = max(t + 1, life.due)  # exactly at the appointment: still on time
    return life


def cut(life: Life, now: int) -> Life | None:
    """The life as known at `now`: what happened later has not happened (None: not yet submitted)."""
    if life.submitted >= now:
        return None
    if life.accepted is not None and life.accepted >= now:
        life.accepted, life.due, life.supplements, life.terminal, life.terminal_at = None, None, [], "open", None
    kept = []
    for requested, received in life.supplements:
        if requested < now:
            kept.append((requested, received if received is not None and received < now else None))
    life.supplements = kept
    if life.terminal_at is not None and life.terminal_at + (600 if life.terminal == "processed_returned" else 0) >= now:
        life.terminal, life.terminal_at = "open", None
    return life


def minute(m: int | None) -> dt.datetime | None:
    return None if m is None else BASE + dt.timedelta(minutes=m)


_seq = iter(range(1, 10**9))


def write_life(life: Life, world: World) -> Dossier:
    """The rows `dossiers.services` would have written for this life (columns, events, supplements)."""
    agency = world.agencies[life.agency]
    version = world.versions[life.version]
    completed = [(r, c) for r, c in life.supplements if c is not None]
    waiting = [r for r, c in life.supplements if c is None]
    terminal_status = {"processed": Status.PROCESSED, "processed_returned": Status.RETURNED,
                       "returned": Status.RETURNED, "refused": Status.REFUSED, "stopped": Status.STOPPED,
                       "withdrawn": Status.WITHDRAWN}.get(life.terminal)
    if terminal_status is not None:
        status = terminal_status
    elif waiting:
        status = Status.SUPPLEMENT_REQUESTED
    elif life.accepted is not None:
        status = Status.IN_PROGRESS
    else:
        status = Status.SUBMITTED
    returned_at = None
    if life.terminal == "processed_returned":
        returned_at = minute(life.terminal_at + 600)
    elif life.terminal == "returned":
        returned_at = minute(life.terminal_at)
    flags = life.flags
    dossier = Dossier.objects.create(
        code=f"R-{next(_seq)}", procedure=version.procedure, procedure_version=version, workflow=version.workflow,
        state="x", status=status, channel=life.channel, source=flags.get("source", "counter"),
        receiving_agency=agency, competent_agency=agency, holder_agency=agency,
        applicant_name="Người Ngẫu Nhiên", applicant_id_number="086085000123", submitted_at=minute(life.submitted),
        accepted_at=minute(life.accepted), due_at=minute(life.due), finished_at=minute(life.terminal_at),
        returned_at=returned_at, state_entered_at=minute(life.submitted), supplement_count=len(life.supplements),
        supplement_requested_at=minute(waiting[0]) if waiting and terminal_status is None else None,
        supplement_duration=sum((dt.timedelta(minutes=c - r) for r, c in completed), dt.timedelta()),
        fee_total=version.fee_total if flags.get("fee", True) else 0, paid_online=flags.get("paid", 0),
        has_digitised_components=flags.get("digitised", False), vneid_authenticated=flags.get("vneid", False),
        applicant=flags.get("applicant"),
    )
    events = [(life.submitted, Status.SUBMITTED)]
    if life.accepted is not None:
        events.append((life.accepted, Status.ACCEPTED))
    for requested, received in life.supplements:
        events.append((requested, Status.SUPPLEMENT_REQUESTED))
        if received is not None:
            events.append((received, Status.IN_PROGRESS))
    if life.terminal == "processed_returned":
        events += [(life.terminal_at, Status.PROCESSED), (life.terminal_at + 600, Status.RETURNED)]
    elif terminal_status is not None:
        events.append((life.terminal_at, terminal_status))
    event_rows(dossier, events, agency)
    Supplement.objects.bulk_create([Supplement(dossier=dossier, requested_at=minute(r), received_at=minute(c),
                                               content="Bổ sung.") for r, c in life.supplements])
    return dossier


def event_rows(dossier: Dossier, events, agency, start_seq: int = 1) -> None:
    DossierEvent.objects.bulk_create([
        DossierEvent(dossier=dossier, seq=start_seq + i, at=minute(at), action="a", action_name="a", to_state="x",
                     status=status, to_agency=agency) for i, (at, status) in enumerate(sorted(events))])


def reference_verdict(dossier: Dossier, at: dt.datetime) -> bool | None:
    """The rule function over the dossier's events and supplements (dossiers.selectors.dossier_verdicts)."""
    firsts: dict[int, dt.datetime] = {}
    for status, moment in dossier.events.order_by("seq").values_list("status", "at"):
        firsts.setdefault(status, moment)
    verdict = rules.on_time_verdict(
        accepted_at=dossier.accepted_at, due_at=dossier.due_at, period_end=at,
        supplements=[rules.SupplementSpan(r, c) for r, c in dossier.supplements.values_list("requested_at",
                                                                                              "received_at")],
        terminals=rules.Terminals(processed_at=firsts.get(Status.PROCESSED), returned_at=firsts.get(Status.RETURNED),
                                  stopped_at=firsts.get(Status.STOPPED), refused_at=firsts.get(Status.REFUSED),
                                  withdrawn_at=firsts.get(Status.WITHDRAWN)))
    return verdict.on_time


def sql_verdict(dossier_ids, at: dt.datetime) -> dict[int, bool | None]:
    facts = dossier_facts(catalogue=catalogue_read().facts, at=at)
    rows = Dossier.objects.filter(pk__in=dossier_ids).annotate(
        f_judged=facts["f_judged"], f_on_fixed=facts["f_on_fixed"], f_on_open=facts["f_on_open"]).values_list(
        "pk", "f_judged", "f_on_fixed", "f_on_open")
    return {pk: (None if not judged else bool(fixed or open_)) for pk, judged, fixed, open_ in rows}


# --- The tests --------------------------------------------------------------------------------------


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1), moments=st.lists(st.integers(0, 200 * 1440), min_size=1, max_size=4))
def test_sql_verdict_equals_the_rule_function_on_random_dossiers(world, seed, moments):
    rng = random.Random(seed)
    try:
        with transaction.atomic():
            dossiers = [write_life(life_from(rng, agencies=2, versions=2), world) for _ in range(12)]
            for m in moments + [d.due_at and int((d.due_at - BASE).total_seconds() // 60) for d in dossiers[:3]]:
                if m is None:
                    continue
                when = minute(m)
                got = sql_verdict([d.pk for d in dossiers], when)
                for dossier in dossiers:
                    assert got[dossier.pk] == reference_verdict(dossier, when), (dossier.code, when)
            raise Rollback
    except Rollback:
        pass


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1))
def test_period_figures_and_the_late_list_follow_the_rule_dossier_by_dossier(world, seed):
    """Months, quarters, the year and the year to date: numerator and denominator of 2.1 are the rule
    applied to each dossier accepted in the period at the period's end (now, for the running ones);
    the drill-down's late dossiers are exactly those the rule finds late."""
    rng = random.Random(seed)
    now_minute = rng.randrange(40 * 1440, 200 * 1440)
    now = minute(now_minute)
    lives = [cut(life_from(rng, agencies=2, versions=2), now_minute) for _ in range(40)]
    try:
        with transaction.atomic():
            dossiers = [write_life(life, world) for life in lives if life is not None]
            measurements_recompute(year=2026, now=now)
            unit = world.agencies[0].unit
            for period in [Period.month(2026, 2), Period.quarter(2026, 1), Period.of_year(2026),
                           Period.ytd(2026, today=now.astimezone(VN).date())]:
                if period.start > now:
                    continue
                judged_at = min(period.end, now)
                mine = [d for d in dossiers if d.competent_agency_id == world.agencies[0].pk
                        and d.accepted_at is not None and period.start <= d.accepted_at < period.end]
                verdicts = {d.pk: reference_verdict(d, judged_at) for d in mine}
                late = {pk for pk, v in verdicts.items() if v is False}
                on_time = sum(1 for v in verdicts.values() if v)
                judged = sum(1 for v in verdicts.values() if v is not None)
                row = Measurement.objects.filter(indicator__code="766.2.1", indicator__version="766-dvcqg-2025",
                                                 period=period.key, scope_level="commune", unit=unit).first()
                if judged:
                    assert (row.numerator, row.denominator) == (Decimal(on_time), Decimal(judged)), period.key
                elif row is not None:
                    assert (row.numerator or 0, row.denominator or 0) == (0, 0), period.key
                listed = set(component_dossiers(code="766.2.1", period=period, unit=unit, lost=True, now=now)
                             .values_list("pk", flat=True))
                assert listed == late, period.key
            raise Rollback
    except Rollback:
        pass
