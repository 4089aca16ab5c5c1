"""Full recompute and incremental update of the Decision 766 measurements.

Full (`measurements_recompute`): one pass over the year's dossiers → month cells (kept in
`MonthCell`) → every scope and period → `Measurement` rows, written only where they changed; rows of
the year no longer produced are removed. Run nightly (kpi/tasks.py) and by `tinhso kpi_recompute`.

Incremental (`measurements_update`): reads what was appended since its cursors — dossier events,
ratings, PAKN, attachments (the ratings, PAKN and files that change items 4.x and 5.x do not always
come with a dossier event) — the way notifications read events: ids become visible at commit, not
in id order, so a cursor moves only past rows older than `TINHSO_KPI_SCAN_LAG_SECONDS`, and
younger ones are read again next time (recomputing a cell twice changes nothing). The dossiers
touched give the (agency, month) cells to recount — the month of their cohort date and, once
accepted, of their submission — with one grouped query restricted to those agencies and months;
then only the scopes of the agencies whose cells changed (or whose PAKN arrived), for the periods
holding the months that changed, are assembled again from the cells and written. Rows appended
while a dossier is touched are the only trigger: changes without one (a PAKN answered, a payment
noted, an outbox message delivered, time passing over open dossiers) wait for the nightly full
recompute.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Q
from django.utils import timezone

from tinhso.core.models import Agency
from tinhso.dossiers.models import Attachment, Dossier, DossierEvent, Feedback, Rating
from tinhso.kpi.engine import places as placing
from tinhso.kpi.engine.assemble import Run, measurement_rows, tally, year_periods
from tinhso.kpi.engine.catalogue import catalogue_read
from tinhso.kpi.engine.cells import cells_count, months_filter
from tinhso.kpi.engine.facts import Judgement
from tinhso.kpi.models import EngineCursor, Measurement, MeasurementScope, MonthCell, scope_key
from tinhso.kpi.periods import VN, Period
from tinhso.kpi.selectors import version_766
from tinhso.kpi.services import MeasurementRow

#: The append-only tables the incremental update follows: (cursor name, model, time field, dossier field).
SOURCES = (
    ("events", DossierEvent, "at", "dossier_id"),
    ("ratings", Rating, "rated_at", "dossier_id"),
    ("feedback", Feedback, "submitted_at", "dossier_id"),
    ("attachments", Attachment, "uploaded_at", "dossier_id"),
)


@dataclass
class Result:
    year: int
    version: str
    cells: int = 0
    rows: int = 0
    written: int = 0
    deleted: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


def _lag() -> dt.timedelta:
    return dt.timedelta(seconds=getattr(settings, "TINHSO_KPI_SCAN_LAG_SECONDS", 120))


def _places(day: dt.date) -> dict[int, placing.Place]:
    return placing.agency_places(Agency.objects.values_list("pk", flat=True), day=day)


def _scope_agencies(places, keys) -> dict:
    by_key = placing.agencies_of(places)
    found = {}
    for key in keys:
        if key[0] == MeasurementScope.PROCEDURE:
            found[key] = by_key.get(placing.key_of(MeasurementScope.PROVINCE, key[1]), set())
        else:
            found[key] = by_key.get(key, set())
    return found


def _rows_of(cells: dict) -> list[tuple[int, int, int, dict]]:
    return [(agency, procedure, month, counts) for (agency, procedure, month), counts in cells.items()]


def _cells_save(year: int, cells: dict, *, now: dt.datetime) -> None:
    if connection.vendor == "postgresql":
        # COPY: a model instance and a JSON adaptation per cell cost more than the rows themselves.
        names = ", ".join(connection.ops.quote_name(c) for c in
                          ("year", "month", "agency_id", "procedure_id", "counts", "judged_at", "computed_at"))
        with connection.cursor() as cursor, cursor.cursor.copy(
                f"COPY {connection.ops.quote_name(MonthCell._meta.db_table)} ({names}) FROM STDIN") as copy:
            for (agency, procedure, month), counts in cells.items():
                copy.write_row((year, month, agency, procedure, json.dumps(counts), now, now))
        return
    MonthCell.objects.bulk_create([
        MonthCell(year=year, month=month, agency_id=agency, procedure_id=procedure, counts=counts,
                  judged_at=now, computed_at=now)
        for (agency, procedure, month), counts in cells.items()], batch_size=2000)


_COLUMNS = ["indicator_id", "period", "period_kind", "period_year", "period_start", "period_end", "scope_level",
            "unit_id", "agency_id", "procedure_id", "scope", "numerator", "denominator", "value", "points", "note",
            "computed_at"]
#: What makes a stored row different from a new one (not `computed_at`).
_COMPARED = ["period_start", "period_end", "numerator", "denominator", "value", "points", "note"]


def _values(rows: Iterable[MeasurementRow], computed) -> Iterator[tuple]:
    """The rows as table tuples; what every row of a period or of a scope shares is made once."""
    ops = connection.ops
    periods: dict[int, tuple] = {}
    scopes: dict[tuple, str] = {}
    for row in rows:
        period = row.period
        shared = periods.get(id(period))
        if shared is None:
            shared = periods[id(period)] = (period, period.key, period.kind.value, period.year,
                                            ops.adapt_datefield_value(period.start_date),
                                            ops.adapt_datefield_value(period.end_date))
        where = (row.scope_level, row.unit_id, row.agency_id, row.procedure_id)
        scope = scopes.get(where)
        if scope is None:
            scope = scopes[where] = scope_key(*where)
        yield (row.indicator_id, *shared[1:], *where, scope,
               row.numerator, row.denominator, row.value, row.points, row.note, computed)


def _stored(run: Run, periods: list[Period], levels: set[str], scopes: set[str] | None):
    rows = Measurement.objects.filter(indicator_id__in=[i.pk for i in run.indicators.values()],
                                      period__in=[p.key for p in periods], scope_level__in=sorted(levels))
    return rows.filter(scope__in=sorted(scopes)) if scopes is not None else rows


def _write(rows: Iterable[MeasurementRow], *, run: Run, periods: list[Period], levels: set[str],
           scopes: set[str] | None, now: dt.datetime) -> tuple[int, int, int]:
    """Store the rows that differ from what is there, and remove the rows of these indicators,
    periods, levels (and `scopes`, if given) that were not produced. Returns (produced, written,
    deleted). The same upsert as `kpi.services.measurements_store` on (indicator, period, scope),
    without a model instance per row: the rows come from the engine, whose scopes are well formed by
    construction. Runs inside the caller's transaction."""
    ops = connection.ops
    table = ops.quote_name(Measurement._meta.db_table)
    names = ", ".join(ops.quote_name(c) for c in _COLUMNS)
    updates = ", ".join(f"{ops.quote_name(c)} = excluded.{ops.quote_name(c)}" for c in _COLUMNS[2:] if c != "scope")
    upsert = f"ON CONFLICT (indicator_id, period, scope) DO UPDATE SET {updates}"
    computed = ops.adapt_datetimefield_value(now)
    if connection.vendor == "postgresql":
        return _write_postgresql(rows, table=table, names=names, upsert=upsert, computed=computed,
                                 stored=_stored(run, periods, levels, scopes))
    before = {(ind, period, scope): (pk, start, end, num, den, value, points, note)
              for pk, ind, period, scope, start, end, num, den, value, points, note
              in _stored(run, periods, levels, scopes).values_list("pk", "indicator_id", "period", "scope",
                                                                    *_COMPARED)}
    changed, produced = [], set()
    for value in _values(rows, computed):
        key = (value[0], value[1], value[10])
        produced.add(key)
        old = before.get(key)  # (pk, start, end, numerator, denominator, value, points, note)
        if old is None or str(old[1]) != str(value[4]) or str(old[2]) != str(value[5]) or old[7] != value[15] \
                or not all(_same(a, b) for a, b in zip(old[3:7], value[11:15], strict=True)):
            changed.append(value)
    with connection.cursor() as cursor:
        for start in range(0, len(changed), 2000):
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(_COLUMNS))}) {upsert}",
                               changed[start:start + 2000])
    stale = [old[0] for key, old in before.items() if key not in produced]
    deleted = 0
    for start in range(0, len(stale), 1000):
        deleted += Measurement.objects.filter(pk__in=stale[start:start + 1000]).delete()[0]
    return len(produced), len(changed), deleted


def _write_postgresql(rows, *, table: str, names: str, upsert: str, computed, stored) -> tuple[int, int, int]:
    """COPY the rows into a temporary table (the caller has called `Run.prefetch`), then let the
    server upsert only those that differ
    (`IS DISTINCT FROM`) and delete the stored ones not produced: no stored row comes to Python,
    and a statement per row would cost the server more than the row itself."""
    # The rows stream into the COPY as they are assembled, so that the server stores them while
    # Python assembles the next ones: the caller has read beforehand what assembling reads from the
    # database (`Run.prefetch`), since a connection busy with a COPY can run nothing else.
    produced = 0
    with connection.cursor() as cursor:
        empty = not stored.exists()
        target = table if empty else "kpi_measurement_in"
        if not empty:
            cursor.execute(f"CREATE TEMPORARY TABLE kpi_measurement_in ON COMMIT DROP AS "
                           f"SELECT {names} FROM {table} WITH NO DATA")
        with cursor.cursor.copy(f"COPY {target} ({names}) FROM STDIN") as copy:
            for value in _values(rows, computed):
                copy.write_row(value)
                produced += 1
        if empty:
            # Nothing was stored for these indicators, periods and scopes (a first run, a new year):
            # the rows went straight into the table, no comparison to make. Statistics now, not when
            # autovacuum comes by: the next run's joins are planned on them.
            cursor.execute(f"ANALYZE {table}")
            return produced, produced, 0
        # A temporary table has no statistics until analysed, and without an index the delete below
        # probes it by scanning: both, or the planner may join the stored rows to it by nested loops
        # over scans (quadratic; minutes at 30,000 rows).
        cursor.execute("CREATE INDEX ON kpi_measurement_in (indicator_id, period, scope)")
        cursor.execute("ANALYZE kpi_measurement_in")
        # Rows equal to the stored ones are left out by a read-only anti-join first: an upsert that
        # finds nothing to change still locks (writes) the stored row.
        same = " AND ".join(f"m.{c} IS NOT DISTINCT FROM i.{c}" for c in _COMPARED)
        cursor.execute(f"INSERT INTO {table} ({names}) SELECT {', '.join('i.' + c for c in _COLUMNS)} "
                       f"FROM kpi_measurement_in i WHERE NOT EXISTS (SELECT 1 FROM {table} m WHERE "
                       f"m.indicator_id = i.indicator_id AND m.period = i.period AND m.scope = i.scope AND {same}) "
                       f"{upsert}")
        written = cursor.rowcount
        where, params = stored.values("pk").query.sql_with_params()
        cursor.execute(f"DELETE FROM {table} WHERE id IN ({where}) AND NOT EXISTS (SELECT 1 FROM kpi_measurement_in i "
                       f"WHERE i.indicator_id = {table}.indicator_id AND i.period = {table}.period "
                       f"AND i.scope = {table}.scope)", params)
        deleted = cursor.rowcount
        cursor.execute("DROP TABLE kpi_measurement_in")
    return produced, written, deleted


def _same(a, b) -> bool:
    return (a is None) == (b is None) and (a is None or a == b)


def _cells_replace(year: int, cells: dict, *, now: dt.datetime, where: Q | None = None) -> None:
    """Make the stored cells of the year (or those `where` selects) the ones given: cells whose counts
    are unchanged are left alone (a nightly recompute rewrites only the months that moved)."""
    stored = MonthCell.objects.filter(year=year)
    if where is not None:
        stored = stored.filter(where)
    gone, kept = [], set()
    for pk, agency, procedure, month, counts in stored.values_list("pk", "agency_id", "procedure_id", "month",
                                                                   "counts"):
        if cells.get((agency, procedure, month)) == counts:
            kept.add((agency, procedure, month))
        else:
            gone.append(pk)
    for start in range(0, len(gone), 1000):
        MonthCell.objects.filter(pk__in=gone[start:start + 1000]).delete()
    _cells_save(year, {key: counts for key, counts in cells.items() if key not in kept}, now=now)


def measurements_recompute(*, year: int, version: str | None = None, scopes: Iterable[str] | None = None,
                           now: dt.datetime | None = None, day: dt.date | None = None) -> Result:
    """Recompute every Decision 766 component of `version` (default TINHSO_KPI_766_VERSION) for every
    scope (`scopes`: levels, default all) and period of `year`, as of `now`, on the units in force on
    `day` (default today). Idempotent: a second run writes nothing."""
    now = now or timezone.now()
    today = now.astimezone(VN).date()
    day = day or today
    version = version or version_766()
    levels = set(scopes or placing.LEVELS)
    result = Result(year=year, version=version)
    clock = time.perf_counter()
    catalogue = catalogue_read()
    cells = cells_count(year=year, catalogue=catalogue.facts, judgement=Judgement(year, now))
    result.cells = len(cells)
    result.seconds["pass"] = time.perf_counter() - clock

    clock = time.perf_counter()
    run = Run(version=version, catalogue=catalogue, now=now, year=year)
    places = _places(day)
    tallies = tally(_rows_of(cells), places, levels=levels)
    keys = set(tallies) | {k for k in placing.deployment_scopes(day=day) if k[0] in levels}
    periods = year_periods(year, today=today)
    rows = measurement_rows(run, keys, tallies, periods, _scope_agencies(places, keys))
    run.prefetch(keys, tallies, periods)
    with transaction.atomic():
        _cells_replace(year, cells, now=now)
        result.rows, result.written, result.deleted = _write(rows, run=run, periods=periods, levels=levels,
                                                             scopes=None, now=now)
    result.seconds["assemble+write"] = time.perf_counter() - clock
    return result


# --- Incremental ------------------------------------------------------------------------------------


@dataclass
class UpdateResult:
    dossiers: int = 0
    cells: int = 0
    scopes: int = 0
    written: int = 0
    cursors: dict[str, tuple[int, int]] = field(default_factory=dict)
    bootstrapped: bool = False


def _cursors_locked() -> dict[str, EngineCursor] | None:
    found = {c.name: c for c in EngineCursor.objects.select_for_update().filter(name__in=[s[0] for s in SOURCES])}
    return found if len(found) == len(SOURCES) else None


def _settled_max(model, time_field: str, after: int, now: dt.datetime, upto: int | None) -> int | None:
    rows = model.objects.filter(id__gt=after, **{f"{time_field}__lt": now - _lag()})
    if upto is not None:
        rows = rows.filter(id__lte=upto)
    return rows.aggregate(m=Max("id"))["m"]


def _bootstrap(now: dt.datetime) -> None:
    """No cursor yet: start every cursor at the rows already settled and recompute the year in full."""
    for name, model, time_field, _f in SOURCES:
        last = _settled_max(model, time_field, 0, now, None) or 0
        EngineCursor.objects.update_or_create(name=name, defaults={"last_id": last})


def measurements_update(*, version: str | None = None, now: dt.datetime | None = None, day: dt.date | None = None,
                        batch_size: int = 5000) -> UpdateResult:
    """Apply what was appended since the last call (see the module docstring). One transaction, under
    the cursors' row locks, so two updates never overlap."""
    now = now or timezone.now()
    today = now.astimezone(VN).date()
    day = day or today
    version = version or version_766()
    result = UpdateResult()
    with transaction.atomic():
        cursors = _cursors_locked()
        if cursors is None:
            _bootstrap(now)
            result.bootstrapped = True
            measurements_recompute(year=today.year, version=version, now=now, day=day)
            return result
        dossier_ids: set[int] = set()
        feedback_months: set[tuple[int, int, int]] = set()  # (year, month, agency) for items 5.1–5.3
        for name, model, time_field, dossier_field in SOURCES:
            cursor = cursors[name]
            values = [dossier_field, "id"] + (["agency_id", time_field] if model is Feedback else [])
            batch = list(model.objects.filter(id__gt=cursor.last_id).order_by("id").values_list(*values)[:batch_size])
            for row in batch:
                if row[0] is not None:
                    dossier_ids.add(row[0])
                if model is Feedback:
                    local = row[3].astimezone(VN)
                    feedback_months.add((local.year, local.month, row[2]))
            last = _settled_max(model, time_field, cursor.last_id, now,
                                batch[-1][1] if len(batch) == batch_size else None)
            before = cursor.last_id
            if last is not None and last > cursor.last_id:
                cursor.last_id = last
                cursor.save(update_fields=["last_id", "updated_at"])
            result.cursors[name] = (before, cursor.last_id)
        result.dossiers = len(dossier_ids)
        touched: dict[int, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))  # year → month → agencies
        for accepted, submitted, agency in Dossier.objects.filter(pk__in=sorted(dossier_ids)).values_list(
                "accepted_at", "submitted_at", "competent_agency_id"):
            for moment in {accepted or submitted, submitted}:
                local = moment.astimezone(VN)
                touched[local.year][local.month].add(agency)
        forced: dict[int, set[tuple[int, int]]] = defaultdict(set)  # year → {(agency, month)} with new PAKN
        for year, month, agency in feedback_months:
            touched[year].setdefault(month, set()).add(agency)
            forced[year].add((agency, month))
        for year in sorted(touched):
            if year > today.year:
                continue
            counted = _update_year(year=year, months=touched[year], forced=forced[year], version=version, now=now,
                                   day=day)
            result.cells += counted[0]
            result.scopes += counted[1]
            result.written += counted[2]
    return result


def _update_year(*, year: int, months: dict[int, set[int]], version: str, now: dt.datetime,
                 day: dt.date, forced: set[tuple[int, int]] = frozenset()) -> tuple[int, int, int]:
    """Recount the cells of `months` ({month: agencies}) of `year`, then assemble and write the scopes
    of the agencies whose cells changed (or, `forced`, whose PAKN did: {(agency, month)}), for the
    periods holding the months that changed. A recount that changes no cell changes no figure —
    most events (a step inside the agency) move no counter — so nothing is assembled for it."""
    today = now.astimezone(VN).date()
    catalogue = catalogue_read()
    wanted_cells = {(agency, month) for month, agencies in months.items() for agency in agencies}
    cells = {key: counts for key, counts in cells_count(
        year=year, catalogue=catalogue.facts, judgement=Judgement(year, now), where=months_filter(year, months)
    ).items() if (key[0], key[2]) in wanted_cells}
    recounted = Q(pk__in=[])
    for month, agencies in months.items():
        recounted |= Q(month=month, agency_id__in=sorted(agencies))
    before = {(agency, procedure, month): counts for agency, procedure, month, counts in
              MonthCell.objects.filter(recounted, year=year).values_list("agency_id", "procedure_id", "month", "counts")}
    _cells_replace(year, cells, now=now, where=recounted)
    differ = [key for key in before.keys() | cells.keys() if before.get(key) != cells.get(key)]
    active = {(agency, month) for agency, _p, month in differ} | set(forced)
    if not active:
        return len(cells), 0, 0
    changed_months = {month for _a, month in active}

    places = _places(day)
    procedures = {procedure for _a, procedure, _m in differ}
    touched: set = set()  # every scope the agencies whose cells changed add up into
    for agency in {a for a, _m in active}:
        place = places.get(agency)
        if place is None:
            continue
        touched |= {m.key for m in place.members}
        if place.province_id is not None:
            touched |= {(MeasurementScope.PROCEDURE, place.province_id, None, p) for p in procedures}
    scope_agencies = _scope_agencies(places, touched)
    readers = set().union(*scope_agencies.values()) if scope_agencies else set()
    year_cells = list(MonthCell.objects.filter(year=year, agency_id__in=sorted(readers)).values_list(
        "agency_id", "procedure_id", "month", "counts"))
    tallies = tally(year_cells, places, levels=set(placing.LEVELS), wanted=touched)
    # As the full recompute: scopes with something counted in the year, and the deployment's units;
    # a touched scope left with nothing loses its rows.
    keys = touched & (set(tallies) | set(placing.deployment_scopes(day=day)))
    run = Run(version=version, catalogue=catalogue, now=now, year=year)
    # A scope measured before needs only the periods holding the months recounted; one appearing for
    # the first time this year gets every period, as the full recompute gives it.
    measured_rows = Measurement.objects.filter(scope__in=sorted(scope_key(*key) for key in touched))
    total = run.indicators.get("766.TOTAL")
    if total is not None:  # every measured scope has the year's total (one index lookup each)
        measured_rows = measured_rows.filter(indicator=total, period=str(year))
    else:
        measured_rows = measured_rows.filter(period_year=year, indicator_id__in=[i.pk for i in run.indicators.values()])
    measured = set(measured_rows.values_list("scope", flat=True).distinct())
    written = 0
    for group, periods in ((lambda scope: scope in measured, _periods_of(year, changed_months, today=today)),
                           (lambda scope: scope not in measured, year_periods(year, today=today))):
        chosen = {key for key in touched if group(scope_key(*key))}
        if not chosen:
            continue
        rows = measurement_rows(run, keys & chosen, tallies, periods, scope_agencies)
        run.prefetch(keys & chosen, tallies, periods)
        written += _write(rows, run=run, periods=periods, levels=set(placing.LEVELS),
                          scopes={scope_key(*key) for key in chosen}, now=now)[1]
    return len(cells), len(keys), written


def _periods_of(year: int, months: set[int], *, today: dt.date) -> list[Period]:
    """The periods of the year that hold one of `months` (measured on `today`)."""
    keys = {Period.month(year, m).key for m in months} | {Period.quarter(year, (m - 1) // 3 + 1).key for m in months}
    return [p for p in year_periods(year, today=today)
            if p.key in keys or p.kind.value in ("year", "ytd")]

