"""The one pass: every component's counters for every agency × procedure × month of a year.

One SQL statement over the dossiers of the year (or of some agencies and months, for an incremental
update): the inner query — written by the ORM — computes each dossier's facts once (kpi/engine/
facts.py) as true/false columns; the outer one counts the rows satisfying each counter's condition
(`COUNT(*) FILTER (WHERE …)`, Django's `Count(filter=…)`) grouped by competent agency, procedure and
month.
The inner query is fenced (`OFFSET 0` on PostgreSQL) so that the planner does not inline it and
evaluate a fact once per counter that reads it. Nothing but the grouped rows reaches Python.

Dossiers whose full sync message was delivered (item 1.4) are counted in the same pass, from the
column the outbox's trigger keeps on the dossier.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Q

from tinhso.dossiers.models import Dossier
from tinhso.kpi.engine.components import all_counters
from tinhso.kpi.engine.facts import (
    VARIANTS,
    fact,
    Catalogue,
    Judgement,
    cohort_in,
    cohort_month,
    dossier_facts,
)
from tinhso.kpi.periods import Period

CellKey = tuple[int, int, int]  # (agency id, procedure id, month)


#: Dossiers accepted in the year, not received from the national portal, whose full sync message
#: was delivered (item 1.4: "Hồ sơ đã đồng bộ"): the `sync_delivered` column a trigger keeps from
#: the outbox (dossiers migration 0005). Not a component's counter: 1.4 reads it with its own.
SENT = ("sent", fact("acc") & ~fact("nat") & fact("sent"))


def counter_columns(*, boolean: bool = False) -> list[tuple[str, str]]:
    """[(counter name as stored, SQL condition)], variant counters once per kind of period; `boolean`:
    over the pass's true/false fact columns."""
    columns = []
    for counter in all_counters():
        if counter.cond.varies:
            columns += [(f"{counter.name}.{v}", counter.cond.sql(v, boolean=boolean)) for v in VARIANTS]
        else:
            columns.append((counter.name, counter.cond.sql(boolean=boolean)))
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
    facts = dossier_facts(catalogue=catalogue, judgement=judgement, with_sync=True, boolean=True)
    inner = Dossier.objects.filter(_year_window(year))
    if where is not None:
        inner = inner.filter(where)
    inner = inner.annotate(f_month=cohort_month(), **facts).values(
        "competent_agency_id", "procedure_id", "f_month", *facts).order_by()
    sql, params = inner.query.sql_with_params()
    fence = " OFFSET 0" if connection.vendor == "postgresql" else ""
    columns = counter_columns(boolean=True) + [(SENT[0], SENT[1].sql(boolean=True))]
    # Facts as true/false columns and FILTER rather than 0/1 columns and SUM(CASE …): a third less
    # work per dossier for the server (measured at 1,000,000 dossiers; same counts).
    sums = ", ".join(f"COUNT(*) FILTER (WHERE {condition})" for _name, condition in columns)
    outer = (f"SELECT competent_agency_id, procedure_id, f_month, {sums}, SUM(f_dur) "
             f"FROM ({sql}{fence}) AS d GROUP BY competent_agency_id, procedure_id, f_month")
    cells: dict[CellKey, dict[str, float]] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        no_jit(cursor)
        if connection.vendor == "postgresql":
            # ~20,000 groups × 30 counters: more than the default 4 MB, which spills them to disk.
            cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute(outer, params)
        for row in cursor.fetchall():
            counts = {name: int(value) for (name, _c), value in zip(columns, row[3:-1], strict=True) if value}
            seconds = _seconds(row[-1])
            if seconds:
                counts["dur"] = round(seconds)
            cells[(row[0], row[1], int(row[2]))] = counts
    return cells
