"""Generating a synthetic province: `province_generate` (any size) and `province_generate_demo`.

Writes go straight to the tables (see generator.py for what is generated and bulk.py for how):

- PostgreSQL outside a transaction: the generator runs in this thread and a writer thread with
  its own connection COPYs each chunk and commits it, so generating and loading overlap (they
  are two processes' work: Python here, the PostgreSQL backend there). Ids and dossier numbers
  are reserved as the chunk is made, committed at once (a failed run leaves gaps, never
  duplicates). Memory is bounded by two chunks, whatever the number of dossiers.
- PostgreSQL inside a transaction (tests) and SQLite: each chunk is written in this thread, in a
  transaction (a savepoint inside the caller's).
"""

from __future__ import annotations

import datetime as dt
import logging
import queue
import random
import resource
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.synthetic.bulk import TextTable, esc
from tinhso.synthetic.generator import Generator, Intent
from tinhso.synthetic.mix import Mix, ramp
from tinhso.synthetic.models import GenerationRun
from tinhso.synthetic.world import WorldInvalid, world_load

log = logging.getLogger(__name__)

#: Tables in the order they are written (parents first).
TABLE_ORDER = ("users", "dossiers", "events", "supplements", "attachments", "payments", "ratings", "feedback")
DEMO_LABEL = "demo"
DEMO_DOSSIERS = 3000
DEMO_MONTHS = 13
DEMO_SEED = 766


class GenerationInvalid(Exception):
    """Arguments the generator cannot work with (Vietnamese message)."""


@dataclass
class Summary:
    dossiers: int
    rows: dict[str, int]
    seconds: float
    peak_rss_mb: float
    start: dt.date
    end: dt.date
    cutoff: dt.datetime
    proportions: dict[str, float]
    run_id: int | None = None
    mode: str = ""
    intents: dict[str, Intent] | None = field(default=None, repr=False)

    @property
    def rate(self) -> float:
        return self.dossiers / self.seconds if self.seconds else 0.0

    def lines(self) -> list[str]:
        """The figures for people (the command's --report)."""
        out = [(f"Kỳ / period: {self.start:%d/%m/%Y} – {self.end:%d/%m/%Y} "
                f"(đến / cut at {timezone.localtime(self.cutoff):%d/%m/%Y %H:%M}); chế độ / mode: {self.mode}"),
               f"Hồ sơ / dossiers: {self.dossiers:,} trong / in {self.seconds:.1f} s = {self.rate:,.0f} hồ sơ/s",
               "Bản ghi / rows: " + ", ".join(f"{k} {v:,}" for k, v in self.rows.items()),
               f"Bộ nhớ đỉnh / peak RSS: {self.peak_rss_mb:,.0f} MB",
               "Tỷ lệ / proportions: " + ", ".join(f"{k} {v:.1%}" for k, v in self.proportions.items())]
        return out


def _months_back(end: dt.date, months: int) -> dt.date:
    """The day after the same day `months` months before `end` (so the period has `months` months)."""
    index = end.year * 12 + end.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(end.day, last)) + dt.timedelta(days=1)


def _stored_files() -> dict[str, tuple[str, str, str, str]]:
    """Two real PDFs in the dossier file storage that every generated attachment points at (one
    for the applicants' components, one for e-results), so that a download works."""
    from tinhso.dossiers.attachments import attachment_inspect, attachment_store
    from tinhso.dossiers.national import example_pdf

    out = {}
    for key, text in (("scan", "Ho so tong hop - du lieu gia lap"), ("result", "Ket qua tong hop - du lieu gia lap")):
        data = example_pdf(text)
        info = attachment_inspect(name=f"{key}.pdf", data=data)
        path = attachment_store(inspected=info, data=data)
        out[key] = (esc(path), str(info.size), info.content_type, info.sha256)
    return out


class _Writer(threading.Thread):
    """COPYs chunks on its own connection while the generator makes the next one."""

    def __init__(self, *, fk_checks: bool = True):
        super().__init__(name="synthetic-writer", daemon=True)
        self.queue: queue.Queue = queue.Queue(maxsize=1)
        self.error: BaseException | None = None
        self.fk_checks = fk_checks

    def run(self) -> None:
        conn = None
        try:
            conn = connection.get_new_connection(connection.get_connection_params())
            conn.autocommit = False
            with conn.cursor() as cursor:
                # A bulk load: a chunk lost in a crash is simply generated again; no fsync wait per commit.
                cursor.execute("SET synchronous_commit = off")
            if not self.fk_checks:
                # pg_restore --disable-triggers does the same: no per-row foreign-key triggers.
                # Needs a superuser; the rows reference only what they were generated from.
                with conn.cursor() as cursor:
                    cursor.execute("SET session_replication_role = replica")
            while True:
                batch = self.queue.get()
                if batch is None:
                    return
                if self.error is not None:
                    continue
                with conn.cursor() as cursor:
                    for table, rows in batch:
                        table.write_postgres(cursor, rows)
                conn.commit()
        except BaseException as error:  # noqa: BLE001 - handed to the main thread
            self.error = error
            while self.queue.get() is not None:  # drain so that the producer never blocks
                pass
        finally:
            if conn is not None:
                conn.close()

    def put(self, batch) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(batch)

    def finish(self) -> None:
        self.queue.put(None)
        self.join()
        if self.error is not None:
            raise self.error


def province_generate(*, dossiers: int, months: int = 12, end: dt.date | None = None, seed: int = 766,
                      agencies: list | None = None, province_code: str | None = None, mix: Mix | None = None,
                      chunk: int | None = None, label: str = "", keep_intents: bool = False,
                      pipeline: bool | None = None, fk_checks: bool = True,
                      progress: Callable[[int, float], Any] | None = None) -> Summary:
    """Write `dossiers` dossiers received over the `months` months ending on `end` (inclusive; cut
    at the present if `end` is today) by the province's agencies (all in force over the period,
    or those named in `agencies`), with their whole history. Same seed and arguments on the same
    database state → the same data. Raises GenerationInvalid / WorldInvalid with a clear message.

    `fk_checks=False` (PostgreSQL, superuser, pipelined only) loads without the per-row foreign-key
    triggers, as pg_restore does: about 40 % less work for the database on large runs."""
    if dossiers < 1:
        raise GenerationInvalid(_("Số hồ sơ phải lớn hơn 0."))
    if months < 1 or months > 60:
        raise GenerationInvalid(_("Số tháng phải từ 1 đến 60."))
    mix = mix or Mix()
    end = end or timezone.localdate()
    now = timezone.now()
    start = _months_back(end, months)
    cutoff_dt = min(timezone.make_aware(dt.datetime.combine(end, dt.time(23, 59, 59))), now)
    if timezone.localtime(cutoff_dt).date() < start:
        raise GenerationInvalid(_("Kỳ sinh dữ liệu phải bắt đầu trước thời điểm hiện tại."))
    began = time.perf_counter()
    world = world_load(seed=seed, first=start, last=end, mix=mix, province_code=province_code, agencies=agencies)
    postgres = connection.vendor == "postgresql"
    if pipeline is None:
        pipeline = postgres and not connection.in_atomic_block
    if pipeline and not postgres:
        pipeline = False
    chunk = chunk or (5_000 if postgres else 2_000)
    if not fk_checks and not pipeline:
        raise GenerationInvalid(_("Chỉ bỏ kiểm tra khóa ngoại được khi ghi bằng luồng riêng trên PostgreSQL."))
    run = GenerationRun.objects.create(
        label=label, seed=seed, started_at=now,
        params={"dossiers": dossiers, "months": months, "end": end.isoformat(), "province": world.province.code,
                "agencies": sorted(a.code for a in world.agencies) if agencies else None, "chunk": chunk,
                "fk_checks": fk_checks})
    gen = Generator(world=world, mix=mix, rng=random.Random(seed), start=start, end=end,
                    cutoff=int(cutoff_dt.timestamp()), files=_stored_files(), keep_intents=keep_intents)
    expected_portal = ramp(mix.online_share, 0.5) * (1 - ramp(mix.national_portal_share, 0.5))
    accounts = max(10, min(mix.accounts_max, round(dossiers * expected_portal / mix.dossiers_per_account)))
    gen.accounts_create(accounts)
    writer = _Writer(fk_checks=fk_checks) if pipeline else None
    if writer is not None:
        writer.start()
    tables: list[tuple[str, TextTable]] = [(name, gen.tables[name]) for name in TABLE_ORDER]

    def flush() -> None:
        batch = [(table, table.take()) for _name, table in tables]
        if writer is not None:
            writer.put(batch)
            return
        with transaction.atomic():
            if postgres:
                with connection.cursor() as cursor:
                    for table, rows in batch:
                        table.write_postgres(cursor.cursor, rows)
            else:
                for table, rows in batch:
                    table.write_sqlite(rows)

    try:
        for day, n_online, n_offline in gen.day_counts(dossiers):
            # Day by day (the chunk size never changes what is drawn, so the data are the same
            # whatever the chunk): the day's heads, their numbers in one round trip, their lives.
            heads = gen.heads(day, n_online, n_offline)
            gen.number([(day, heads)])
            made = gen.tables["dossiers"].rows
            for head in heads:
                gen.dossier(head)
                if len(made) >= chunk:  # a busy day is split: memory is bounded by the chunk
                    flush()
                    made = gen.tables["dossiers"].rows
                    if progress is not None:
                        progress(gen.counters.dossiers, time.perf_counter() - began)
            gen.feedback_flush()  # PAKN name dossiers of this day: written with a later chunk
        flush()
    finally:
        if writer is not None:
            writer.finish()
    if postgres:
        with connection.cursor() as cursor:
            for _name, table in tables:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table.model._meta.db_table)}")
    seconds = time.perf_counter() - began
    rows = {name: table.written for name, table in tables}
    run.counts = rows
    run.first_dossier_id, run.last_dossier_id = gen.min_id, gen.max_id
    run.finished_at = timezone.now()
    run.save(update_fields=["counts", "first_dossier_id", "last_dossier_id", "finished_at"])
    c = gen.counters
    proportions = {
        "online": c.online / c.dossiers if c.dossiers else 0.0,
        "national_portal_of_online": c.national_portal / c.online if c.online else 0.0,
        "accepted": c.accepted / c.dossiers if c.dossiers else 0.0,
        "on_time": c.on_time / (c.on_time + c.late) if c.on_time + c.late else 0.0,
        "open_at_end": c.open / c.dossiers if c.dossiers else 0.0,
        "one_supplement": c.supplements_1 / c.accepted if c.accepted else 0.0,
        "two_supplements": c.supplements_2 / c.accepted if c.accepted else 0.0,
        "extended": c.extended / c.accepted if c.accepted else 0.0,
        "e_result": c.e_results / c.dossiers if c.dossiers else 0.0,
        "digitised": c.digitised / c.dossiers if c.dossiers else 0.0,
        "reused": c.reused / c.dossiers if c.dossiers else 0.0,
        "paid_online_of_fee": c.paid_online / c.fee_dossiers if c.fee_dossiers else 0.0,
        "rated": c.ratings / c.dossiers if c.dossiers else 0.0,
        "satisfied": c.satisfied / c.ratings if c.ratings else 0.0,
    }
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    mode = ("PostgreSQL COPY, writer thread" if pipeline else "PostgreSQL COPY" if postgres
            else "SQLite batched INSERT") + ("" if fk_checks else ", no per-row FK triggers")
    log.info("synthetic province: %s dossiers in %.1f s", c.dossiers, seconds)
    return Summary(dossiers=c.dossiers, rows=rows, seconds=seconds, peak_rss_mb=peak, start=start, end=end,
                   cutoff=cutoff_dt, proportions=proportions, run_id=run.pk, mode=mode, intents=gen.intents)


def province_generate_demo(*, dossiers: int = DEMO_DOSSIERS) -> Summary | None:
    """The demo's province: `dossiers` dossiers over the 13 months ending now, for the monitor to
    show. Once only (None when the demo data was generated before)."""
    if GenerationRun.objects.filter(label=DEMO_LABEL).exists():
        return None
    return province_generate(dossiers=dossiers, months=DEMO_MONTHS, end=timezone.localdate(), seed=DEMO_SEED,
                             label=DEMO_LABEL)


__all__ = ["GenerationInvalid", "Summary", "WorldInvalid", "province_generate", "province_generate_demo"]
