"""The incremental update gives the same measurements as a full recompute (a hypothesis test).

Random dossier lives (test_766_sql_verdict.life_from) unfold over a few batches: at each batch's
moment the dossiers are as their lives say by then — new ones filed, others accepted, sent back for
supplements, finished, their results attached, rated, complained about — each change written as
`dossiers.services` writes it (the dossier's columns, and an appended event, rating, PAKN or file).
After each batch the incremental update runs; a full recompute right after must then find nothing
to change: no measurement written or removed, the same month cells.
"""

from __future__ import annotations

import copy
import datetime as dt
import random
from collections import Counter

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kpi.test_766_sql_verdict as verdicts
from tinhso.dossiers.models import Attachment, Dossier, Feedback, Rating, Status, Supplement
from tinhso.kpi.models import Measurement, MonthCell
from tinhso.kpi.services import measurements_recompute, measurements_update

pytestmark = pytest.mark.django_db
BASE, Rollback, cut, event_rows, life_from, write_life, world = (
    verdicts.BASE, verdicts.Rollback, verdicts.cut, verdicts.event_rows, verdicts.life_from, verdicts.write_life,
    verdicts.world)
NOW = BASE + dt.timedelta(days=150)


def _events(life) -> Counter:
    events = [(life.submitted, Status.SUBMITTED)]
    if life.accepted is not None:
        events.append((life.accepted, Status.ACCEPTED))
    for requested, received in life.supplements:
        events.append((requested, Status.SUPPLEMENT_REQUESTED))
        if received is not None:
            events.append((received, Status.IN_PROGRESS))
    statuses = {"processed": Status.PROCESSED, "returned": Status.RETURNED, "refused": Status.REFUSED,
                "stopped": Status.STOPPED, "withdrawn": Status.WITHDRAWN}
    if life.terminal == "processed_returned":
        events += [(life.terminal_at, Status.PROCESSED), (life.terminal_at + 600, Status.RETURNED)]
    elif life.terminal in statuses:
        events.append((life.terminal_at, statuses[life.terminal]))
    return Counter(events)


def advance(dossier: Dossier, life, world) -> None:
    """Bring an existing dossier to what its life says now: columns rewritten, new events appended."""
    fresh = write_life(life, world)  # the columns the services would hold now, on a scratch row
    columns = ["status", "accepted_at", "due_at", "finished_at", "returned_at", "supplement_count",
               "supplement_requested_at", "supplement_duration"]
    Dossier.objects.filter(pk=dossier.pk).update(**{c: getattr(fresh, c) for c in columns})
    Supplement.objects.filter(dossier=dossier).delete()
    Supplement.objects.filter(dossier=fresh).update(dossier=dossier)
    known = Counter(((int((e.at - BASE).total_seconds() // 60)), e.status) for e in dossier.events.all())
    new = sorted((_events(life) - known).elements())
    fresh.delete()
    event_rows(dossier, new, world.agencies[life.agency], start_seq=dossier.events.count() + 1)


def snapshot_cells():
    return sorted((c.year, c.month, c.agency_id, c.procedure_id, tuple(sorted(c.counts.items())))
                  for c in MonthCell.objects.all())


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1), batches=st.integers(2, 3))
def test_incremental_update_equals_a_full_recompute_after_every_batch(world, seed, batches, settings):
    settings.TINHSO_KPI_SCAN_LAG_SECONDS = 0
    rng = random.Random(seed)
    plans = [life_from(rng, agencies=2, versions=2) for _ in range(14)]
    moments = sorted(rng.sample(range(20 * 1440, 150 * 1440), batches))
    try:
        with transaction.atomic():
            assert measurements_update(now=NOW).bootstrapped
            rows: dict[int, Dossier] = {}
            for batch, moment in enumerate(moments):
                for index, plan in enumerate(plans):
                    life = cut(copy.deepcopy(plan), moment)
                    if life is None:
                        continue
                    if index not in rows:
                        rows[index] = write_life(life, world)
                    elif _events(life) != Counter(
                            ((int((e.at - BASE).total_seconds() // 60)), e.status) for e in rows[index].events.all()):
                        advance(rows[index], life, world)
                    dossier = rows[index]
                    dossier.refresh_from_db()
                    if dossier.status in (Status.PROCESSED, Status.RETURNED) and not dossier.attachments.exists():
                        Attachment.objects.create(dossier=dossier, name="kq.pdf", storage_path="x", size=1,
                                                  content_type="application/pdf", sha256="0" * 64, is_result=True,
                                                  reused=rng.random() < 0.3, uploaded_at=dossier.finished_at)
                        if rng.random() < 0.5:
                            Rating.objects.create(dossier=dossier, satisfied=rng.random() < 0.6,
                                                  rated_at=dossier.finished_at + dt.timedelta(hours=1))
                    if dossier.accepted_at and rng.random() < 0.1 and not dossier.feedback.exists():
                        sent = dossier.accepted_at + dt.timedelta(hours=2)
                        Feedback.objects.create(dossier=dossier, kind="tre_han", title="t", content="c",
                                                agency=dossier.competent_agency, submitted_at=sent, assigned_at=sent,
                                                refuse_due_at=sent + dt.timedelta(days=2),
                                                answer_due_at=sent + dt.timedelta(days=21))
                update = measurements_update(now=NOW)
                assert not update.bootstrapped
                before = snapshot_cells()
                full = measurements_recompute(year=2026, now=NOW)
                assert (full.written, full.deleted) == (0, 0), f"batch {batch}: the incremental update missed something"
                assert snapshot_cells() == before
            assert Measurement.objects.filter(indicator__code="766.2.1").exists()
            raise Rollback
    except Rollback:
        pass
