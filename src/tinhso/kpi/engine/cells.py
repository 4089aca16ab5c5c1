"""The one pass: every component's counters for every agency × procedure × month of a year.

One SQL statement over the dossiers of the year (or of some agencies and months, for an incremental
update): the inner query — written by the ORM — computes each dossier's facts once (kpi/engine/
facts.py); the outer one sums the counters' conditions (`SUM(CASE WHEN … THEN 1 ELSE 0 END)`, the
same conditional aggregation as `Count(filter=…)`) grouped by competent agency, procedure and month.
The inner query is fenced (`OFFSET 0` on PostgreSQL) so that the planner does not inline it and
evaluate a fact once per counter that reads it. Nothing but the grouped rows reaches Python.

A second, small query counts dossiers whose full sync message was delivered (item 1.4), from the
outbox side.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Count, Q
from django.db.models.functions import ExtractMonth

from tinhso.dossiers.models import Dossier, OutboxMessage, Source
from tinhso.kpi.engine.components import all_counters
from tinhso.kpi.engine.facts import (
    SYNC_TOPIC,
    VARIANTS,
    Catalogue,
    Judgement,
    cohort_in,
    cohort_month,
    dossier_facts,
)
from tinhso.kpi.periods import VN, Period

CellKey = tuple[int, int, int]  # (agency id, procedure id, month)


def counter_columns() -> list[tuple[str, str]]:
    """[(counter name as stored, SQL condition)], variant counters once per kind of period."""
    columns = []
    for counter in all_counters():
        if counter.cond.varies:
            columns += [(f"{counter.name}.{v}", counter.cond.sql(v)) for v in VARIANTS]
        else:
            columns.append((counter.name, counter.cond.sql()))
    return columns


def no_jit(cursor) -> None:
    """PostgreSQL compiles a statement it estimates costly (the per-dossier subqueries inflate the
    estimate) to machine code first; for this pass the compiling took longer than the pass itself
    (0.3 s of 0.34 s for one fact at 100,000 dossiers). Off for the transaction."""
    if connection.vendor == "postgresql":
        cursor.execute("SET LOCAL jit = off")


def _year_window(year: int) -> Q:
    span = Period.of_year(year)
    return cohort_in(span.start, span.end)


def months_filter(year: int, months: dict[int, Iterable[int]]) -> Q:
    """The cohort of some agencies in some months: {month: agency ids}."""
    condition = Q(pk__in=[])
    for month, agency_ids in sorted(months.items()):
        span = Period.month(year, month)
        condition |= cohort_in(span.start, span.end) & Q(competent_agency_id__in=sorted(set(agency_ids)))
    return condition


def _seconds(value) -> float:
    if value is None:
        return 0.0
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return int(value) / 1_000_000  # SQLite: microseconds


def cells_count(*, year: int, catalogue: Catalogue, judgement: Judgement,
                where: Q | None = None) -> dict[CellKey, dict[str, float]]:
    """{(agency, procedure, month): {counter: count}} for the year's dossiers (and `where`). Only
    non-zero counts are kept; `dur` is in seconds (item 2.2)."""
    facts = dossier_facts(catalogue=catalogue, judgement=judgement)
    inner = Dossier.objects.filter(_year_window(year))
    if where is not None:
        inner = inner.filter(where)
    inner = inner.annotate(f_month=cohort_month(), **facts).values(
        "competent_agency_id", "procedure_id", "f_month", *facts).order_by()
    sql, params = inner.query.sql_with_params()
    fence = " OFFSET 0" if connection.vendor == "postgresql" else ""
    columns = counter_columns()
    sums = ", ".join(f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)" for _name, condition in columns)
    outer = (f"SELECT competent_agency_id, procedure_id, f_month, {sums}, SUM(f_dur) "
             f"FROM ({sql}{fence}) AS d GROUP BY competent_agency_id, procedure_id, f_month")
    cells: dict[CellKey, dict[str, float]] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        no_jit(cursor)
        cursor.execute(outer, params)
        for row in cursor.fetchall():
            counts = {name: int(value) for (name, _c), value in zip(columns, row[3:-1], strict=True) if value}
            seconds = _seconds(row[-1])
            if seconds:
                counts["dur"] = round(seconds)
            cells[(row[0], row[1], int(row[2]))] = counts
    for key, sent in _delivered(year=year, where=where).items():
        cells.setdefault(key, {})["sent"] = sent
    return cells


def _delivered(*, year: int, where: Q | None) -> dict[CellKey, int]:
    """Dossiers accepted in the year, not received from the national portal, whose full sync message
    was delivered (item 1.4: "Hồ sơ đã đồng bộ"), per cell — from the outbox side."""
    span = Period.of_year(year)
    dossiers = Dossier.objects.filter(accepted_at__gte=span.start, accepted_at__lt=span.end).exclude(
        source=Source.NATIONAL_PORTAL)
    if where is not None:
        dossiers = dossiers.filter(where)
    rows = (OutboxMessage.objects.filter(topic=SYNC_TOPIC, sent_at__isnull=False, dossier__in=dossiers)
            .values("dossier__competent_agency_id", "dossier__procedure_id",
                    month=ExtractMonth("dossier__accepted_at", tzinfo=VN))
            .annotate(n=Count("dossier_id", distinct=True)).order_by())
    found: dict[CellKey, int] = defaultdict(int)
    for row in rows:
        found[(row["dossier__competent_agency_id"], row["dossier__procedure_id"], row["month"])] += row["n"]
    return found
