#!/usr/bin/env python
"""Public tracking by dossier code (issue 4, citizen channel), on PostgreSQL behind the production server.

    python benchmarks/tracking.py --db postgres://postgres@127.0.0.1:5432/tinhso_tracking_bench [--quick]

Target (issue 4): public tracking by code ≥ 50 % of the requests/s of a bare Django view returning a
fixed JSON, measured in the same run, two workers, PostgreSQL.

What it does (a script, not a test: it prints figures, it does not assert them):

1. Creates the database named in --db (dropped first; the name must contain "bench"), migrates,
   and builds its data with the one-stop benchmark's builders (benchmarks/one_stop_data.py): the
   commune desk and 10,000 dossiers spread over the lifecycle, written by COPY, plus their events
   (the steps the tracking page lists: about 4 a dossier, by COPY too).
2. Starts `tinhso serve` (gunicorn gthread, 2 workers × 4 threads, DEBUG off, Redis cache) with
   benchmarks/bench_settings.py — the production settings plus GET /bench/fixed, the bare view
   returning fixed JSON (it exists only in the benchmark's URLconf).
3. Drives it with the one-stop benchmark's load generator (benchmarks/one_stop.py: keep-alive
   http.client connections, one per client thread, a wait for a quiet machine before each
   measurement, a rerun when other processes disturbed it), in this order: the bare view, GET
   /healthz (the bare view plus one `SELECT 1`: what a single database round trip costs, for
   reference), the API GET /api/v1/tracking/{code}, the page GET /tra-cuu/<code>/, the bare view
   again. Each request
   asks for a random code among the 10,000 and comes "through a proxy" with its own client address
   in X-Forwarded-For (TINHSO_PROXIES=1): the per-IP limit (TINHSO_TRACKING_RATE, the production
   default) does its real work — a cache read and write per request — without limiting the load.
4. Prints a Markdown table with each rate as a share of the mean of the two baseline runs and the
   CPU each request cost the server, PostgreSQL, Redis and the client (from /proc), and
   writes it at the end of docs/benchmarks.md under "Tracking (issue: citizen channel)" (full runs
   only; --quick checks that the script works).
"""

from __future__ import annotations

import argparse
import itertools
import datetime as dt
import json
import os
import random
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import one_stop  # the load generator, meter and server of the one-stop benchmark
from one_stop import (
    CpuMeter,
    Result,
    Server,
    configure_environment,
    database_drop,
    database_recreate,
    free_port,
    http_once,
    machine,
    measured,
    print_line,
    redact,
    run_load,
)

DOCS = HERE.parent / "docs" / "benchmarks.md"
SECTION = "## Tracking (issue: citizen channel)"
BEGIN, END = "<!-- tracking.py results: begin -->", "<!-- tracking.py results: end -->"
TARGET = 0.5

#: The steps a dossier in each state has been through (action codes of the standard workflow).
PATHS = {
    "moi_nop": [],
    "dang_xu_ly": ["tiep_nhan"],
    "cho_bo_sung": ["tiep_nhan", "yeu_cau_bo_sung"],
    "cho_nghia_vu_tai_chinh": ["tiep_nhan", "yeu_cau_nghia_vu_tai_chinh"],
    "cho_phe_duyet": ["tiep_nhan", "trinh_phe_duyet"],
    "cho_tra_ket_qua": ["tiep_nhan", "trinh_phe_duyet", "phe_duyet"],
    "da_tra_ket_qua": ["tiep_nhan", "trinh_phe_duyet", "phe_duyet", "tra_ket_qua"],
    "tu_choi": ["tiep_nhan", "tu_choi_giai_quyet"],
    "da_rut": ["tiep_nhan", "rut_ho_so"],
    "da_dung": ["tiep_nhan", "dung_xu_ly"],
}


def build_events(world) -> int:
    """The events of every dossier, consistent with its state and dates, by COPY."""
    from django.db import connection
    from one_stop_data import copy_rows

    from tinhso.catalog.workflow import compiled
    from tinhso.dossiers.models import Dossier, DossierEvent

    wf = compiled(world.workflow)
    by_code = {code: (state, a) for (state, code), a in wf.actions.items()}
    rng = random.Random(4)
    officers = [world.receiver.full_name, world.specialists[0].full_name, world.leader.full_name, world.clerk.full_name]
    rows = []
    for pk, state, submitted, accepted, finished in Dossier.objects.values_list(
            "id", "state", "submitted_at", "accepted_at", "finished_at").iterator(2000):
        path = PATHS.get(state, [])
        if accepted is None and path:   # refused or withdrawn before acceptance
            path = {"tu_choi": ["tu_choi_tiep_nhan"], "da_rut": ["rut_ho_so"]}.get(state, [])
        rows.append({"dossier_id": pk, "seq": 1, "at": submitted, "action": "nop_ho_so", "action_name": "Nộp hồ sơ",
                     "effect": "submit", "from_state": "", "to_state": "moi_nop", "status": 1,
                     "actor_name": "", "actor_role": "applicant", "from_agency_id": None,
                     "to_agency_id": world.commune.pk, "timeliness": "", "data": {}})
        at = accepted or submitted
        end = finished or (at + dt.timedelta(days=2))
        step = (end - at) / max(len(path), 1)
        for i, code in enumerate(path):
            from_state, spec = by_code[code]
            moment = at if i == 0 and code == "tiep_nhan" else at + step * i
            rows.append({
                "dossier_id": pk, "seq": i + 2, "at": moment, "action": code, "action_name": spec.name,
                "effect": str(spec.effect or "none"), "from_state": from_state, "to_state": spec.to,
                "status": 2 if spec.effect == "accept" else wf.state(spec.to).status,
                "actor_name": rng.choice(officers), "actor_role": next(iter(spec.roles)),
                "from_agency_id": world.commune.pk, "to_agency_id": world.commune.pk,
                "timeliness": rng.choices(["early", "on_time", "late"], [6, 3, 1])[0],
                "note": "Ghi chú của cán bộ" if code == "yeu_cau_bo_sung" else "", "data": {},
            })
    for start in range(0, len(rows), 20000):
        copy_rows(DossierEvent, rows[start:start + 20000])
    with connection.cursor() as cursor:
        cursor.execute("UPDATE dossiers_dossier d SET event_seq = e.n FROM (SELECT dossier_id, max(seq) AS n "
                       "FROM dossiers_dossierevent GROUP BY dossier_id) e WHERE e.dossier_id = d.id")
        cursor.execute("ANALYZE")
    return len(rows)


def build_data(n: int) -> tuple[object, list[str], int]:
    import one_stop_data as data
    from django.utils import timezone

    from tinhso.dossiers.models import Dossier

    world = data.build_world()
    rng = random.Random(20261123)
    procedures = [(world.birth.procedure_id, world.birth.pk, world.workflow.pk, world.birth.name, 0)]
    rows = data.dossier_rows(agency=world.commune, n=n, procedures=procedures, rng=rng,
                             now=timezone.now() - dt.timedelta(days=1), specialists=world.specialists,
                             leader=world.leader)
    for start in range(0, len(rows), 20000):
        data.copy_rows(Dossier, rows[start:start + 20000])
    events = build_events(world)
    return world, [r["code"] for r in rows], events


def check_masking(port: int, code: str) -> str:
    """One page and one API answer, read before measuring: right status, masked name, no raw facts."""
    from tinhso.dossiers.models import Dossier
    from tinhso.dossiers.tracking import mask_name

    d = Dossier.objects.get(code=code)
    problems = []
    for path in (f"/api/v1/tracking/{quote(code)}", f"/tra-cuu/{quote(code)}/"):
        status, body = http_once(port, "GET", path, headers={"X-Forwarded-For": "192.0.2.1"})
        text = body.decode()
        if status != 200:
            problems.append(f"{path}: HTTP {status}")
            continue
        if mask_name(d.applicant_name) not in text and json.dumps(mask_name(d.applicant_name))[1:-1] not in text:
            problems.append(f"{path}: masked name missing")
        for raw in (d.applicant_name, d.applicant_id_number, d.applicant_phone, d.applicant_address):
            if raw and raw in text:
                problems.append(f"{path}: shows {raw!r}")
    return "; ".join(problems)


def scenario_request(kind: str, codes: list[str], rng_seed: int, *, cold: list[str] | None = None,
                     asked: list[tuple[float, str]] | None = None):
    """request(tid, i) for run_load: a code and a client address of its own per request. `api` and
    `page` ask a random code among `codes` (for `api`, the times and codes asked go to `asked`);
    `api-cold` asks each code of `cold` once, in order, so that no answer kept by the server
    (TINHSO_TRACKING_CACHE_SECONDS) can serve it."""
    rngs: dict[int, random.Random] = {}
    next_cold = itertools.count()

    def request(tid: int, i: int):
        rng = rngs.setdefault(tid, random.Random(rng_seed * 100 + tid))
        n = tid * 1_000_003 + i
        headers = {"X-Forwarded-For": f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"}
        if kind == "fixed":
            return "GET", "/bench/fixed", None, headers
        if kind == "healthz":
            return "GET", "/healthz", None, headers
        if kind == "api-cold":
            return "GET", f"/api/v1/tracking/{quote(cold[next(next_cold) % len(cold)])}", None, headers
        code = rng.choice(codes)
        if kind == "api":
            if asked is not None:
                asked.append((time.monotonic(), code))
            return "GET", f"/api/v1/tracking/{quote(code)}", None, headers
        return "GET", f"/tra-cuu/{quote(code)}/", None, headers

    return request


def kept_share(asked: list[tuple[float, str]], seconds: float) -> float:
    """Share of look-ups whose code was asked less than `seconds` before (the server then answers
    from its kept copy): an estimate from the client's side, warm-up included."""
    last: dict[str, float] = {}
    hits = 0
    for at, code in sorted(asked):
        if code in last and at - last[code] < seconds:
            hits += 1
        else:
            last[code] = at
    return hits / len(asked) if asked else 0.0


def _redis_pids() -> set[int]:
    pids = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "redis-server":
                    pids.add(int(entry.name))
            except OSError:
                continue
    return pids


def cpu_split(run):
    """run() -> Result, plus the CPU milliseconds per request spent by the server (master and
    workers), the benchmark database's PostgreSQL backends, Redis, and this client."""
    meter = one_stop.METER

    def groups(table_, backends):
        server = {meter.server_pid} if meter.server_pid else set()
        frontier = set(server)
        while frontier:
            frontier = {pid for pid, (ppid, _t) in table_.items() if ppid in frontier} - server
            server |= frontier
        return {"server": server, "PostgreSQL": backends, "Redis": _redis_pids(), "client": {os.getpid()}}

    table0 = one_stop._proc_table()
    backends0 = meter._backend_pids()
    result = run()
    table1 = one_stop._proc_table()
    found = groups(table1, backends0 | meter._backend_pids())
    # Ticks cover the warm-up too: spread them over every request sent, timed or not (estimated at
    # the measured rate). A process that ended meanwhile is not counted.
    sent = max(result.count * (result.duration + WARMUP[0]) / result.duration if result.duration else 1, 1)
    result.cpu = {name: sum(max(table1[p][1] - table0.get(p, (0, 0))[1], 0) for p in pids if p in table1)
                  / one_stop.CLK_TCK / sent * 1000 for name, pids in found.items()}
    return result


WARMUP = [3.0]


def table(results: list[Result], base_rate: float) -> str:
    lines = [("| scenario | threads | n | rate | × bare view | p50 ms | p95 ms | p99 ms | errors | other load "
             "| CPU ms/request: server / PostgreSQL / Redis / client | target | met |"),
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|"]
    for r in results:
        share = r.rate / base_rate if base_rate else float("nan")
        met = "" if r.met is None else ("yes" if r.met else "**no**")
        other = "" if r.other_load is None else f"{r.other_load:.0%}"
        cpu = getattr(r, "cpu", {})
        split = " / ".join(f"{cpu.get(k, 0):.2f}" for k in ("server", "PostgreSQL", "Redis", "client"))
        lines.append(f"| {r.scenario} | {r.threads} | {r.count:,} | {r.rate:,.0f} req/s | {share:.2f} | "
                     f"{r.pct(50):.1f} | {r.pct(95):.1f} | {r.pct(99):.1f} | {r.errors} | {other} | {split} | "
                     f"{r.target} | {met} |")
    return "\n".join(lines)


def docs_write(block: str) -> None:
    text = DOCS.read_text(encoding="utf-8") if DOCS.exists() else "# Benchmarks\n"
    marked = f"{BEGIN}\n{block.rstrip()}\n{END}"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + marked + rest.split(END, 1)[1]
    elif SECTION in text:
        text = text.rstrip() + "\n\n" + marked + "\n"
    else:
        text = text.rstrip() + f"\n\n{SECTION}\n\n{INTRO}\n\n{marked}\n"
    DOCS.write_text(text, encoding="utf-8")


INTRO = """`benchmarks/tracking.py` (data built with `benchmarks/one_stop_data.py`; server settings
`benchmarks/bench_settings.py`, whose URLconf alone has the baseline view GET /bench/fixed):

    python benchmarks/tracking.py --db postgres://postgres@127.0.0.1:5432/tinhso_tracking_bench [--quick]

It builds 60,000 dossiers of one commune over the lifecycle with their steps (COPY), starts
`tinhso serve` (gunicorn gthread, 2 workers × 4 threads, Redis cache), and measures, one after the
other with the one-stop benchmark's load generator, the bare view, `GET /healthz` (the bare view
plus one `SELECT 1`, for reference: the cost of one database round trip), `GET
/api/v1/tracking/{code}` twice — first each code once (codes 10,001–60,000 in order: no answer kept
by the server can serve them, every look-up reads the database), then random codes among the first
10,000 (a code asked again within TINHSO_TRACKING_CACHE_SECONDS is answered from the copy the
server kept; the share is estimated from the client's log of requests) — `GET /tra-cuu/<code>/`
(random, never kept) and the bare view again. Every request carries its own client address in `X-Forwarded-For` (`TINHSO_PROXIES=1`), so the
per-IP limit runs as in production (a cache read and write per request) without refusing the load.
*× bare view* is the rate over the mean rate of the two baseline runs; the target is ≥ 0.50. The
CPU column splits what one request cost (read from /proc, warm-up included) between the server
(gunicorn and Django), PostgreSQL, Redis and the load generator. The table between the markers is
rewritten by each full run."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="postgres://postgres@127.0.0.1:5432/tinhso_tracking_bench",
                        help="PostgreSQL URL; the database is dropped and created (name must contain 'bench')")
    parser.add_argument("--quick", action="store_true", help="small data, a few seconds a scenario")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/12", help="REDIS_URL of the server; '' for none")
    parser.add_argument("--dossiers", type=int, default=None)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--server-threads", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4, help="client threads")
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("--quiet-wait", type=float, default=None)
    parser.add_argument("--retries", type=int, default=None)
    parser.add_argument("--scenarios", default="fixed,healthz,api-cold,api,page,fixed",
                        help="order of the scenarios (fixed = the bare view); for diagnosis")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--docs", choices=("auto", "yes", "no"), default="auto")
    args = parser.parse_args(argv)
    # Stopped from outside (timeout, kill): unwind, so that the server is stopped too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    quick = args.quick
    # `random` codes: the first 10,000 (as in earlier runs); the rest are asked once each by api-cold.
    n = args.dossiers or (6_000 if quick else 60_000)
    pool = 1_000 if quick else 10_000
    seconds = args.seconds or (3.0 if quick else 30.0)
    warmup = 1.0 if quick else 3.0
    WARMUP[0] = warmup
    one_stop.QUIET_WAIT[0] = args.quiet_wait if args.quiet_wait is not None else (0.0 if quick else 600.0)
    one_stop.RETRIES[0] = args.retries if args.retries is not None else (0 if quick else 2)

    data_dir = Path(tempfile.mkdtemp(prefix="tinhso-bench-tracking-"))
    configure_environment(args, data_dir)
    os.environ["TINHSO_PROXIES"] = "1"   # one trusted proxy: the client address is in X-Forwarded-For
    os.environ.pop("TINHSO_TRACKING_RATE", None)   # the production default
    print(f"# tinhso tracking benchmark ({'quick' if quick else 'full'}) — data in {data_dir}")
    database_recreate(args.db)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    _world, codes, events = build_data(n)
    print(f"  migrated; {n:,} dossiers and {events:,} events written by COPY ({time.perf_counter() - t0:.0f} s)")
    info = machine()
    connection.close()
    one_stop.METER = CpuMeter(urlsplit(args.db).path.lstrip("/"))

    port = free_port()
    server = Server(port, data_dir)
    results: list[Result] = []
    problems = ""
    try:
        server.start()
        print(f"  server: tinhso serve on 127.0.0.1:{port}, {args.workers} gthread workers × {args.server_threads} "
              f"threads; per-IP limit {settings.TINHSO_TRACKING_RATE}")
        problems = check_masking(port, codes[pool // 2])
        if problems:
            print(f"  masking check FAILED: {problems}")
        names = {"fixed": "baseline: GET /bench/fixed (bare view, fixed JSON)",
                 "healthz": "reference: GET /healthz (bare view + SELECT 1)",
                 "api-cold": "GET /api/v1/tracking/{code}, each code asked once (no kept answer)",
                 "api": "GET /api/v1/tracking/{code} (JSON, masked), random among {pool:,}",
                 "page": "GET /tra-cuu/<code>/ (HTML page, masked)"}
        plan = [(kind, names[kind]) for kind in args.scenarios.split(",")]
        plan = [(kind, "baseline again: GET /bench/fixed" if kind == "fixed" and i else name)
                for i, (kind, name) in enumerate(plan)]
        kept_for = settings.TINHSO_TRACKING_CACHE_SECONDS
        for i, (kind, name) in enumerate(plan):
            asked: list[tuple[float, str]] = []
            r = measured(lambda kind=kind, name=name, i=i, asked=asked: cpu_split(lambda: run_load(
                part="tracking", scenario=name.replace("{pool:,}", f"{pool:,}"), port=port, threads=args.threads,
                duration=seconds, warmup=warmup,
                request=scenario_request(kind, codes[:pool], i, cold=codes[pool:], asked=asked))))
            if kind == "api-cold" and r.count > len(codes) - pool:
                r.scenario += f" (only {len(codes) - pool:,} codes: some asked twice)"
            if asked and kept_for > 0:
                r.scenario += f"; ≈ {kept_share(asked, kept_for):.0%} answered from the kept copy"
            results.append(r)
            print_line(r)
    finally:
        server.stop()
    logged = server.errors_logged()
    if logged:
        print(f"  the server logged {len(logged)} error lines, e.g.:\n    " + "\n    ".join(logged[:5]))

    baselines = [r for r in results if r.scenario.startswith("baseline")]
    base_rate = sum(r.rate for r in baselines) / len(baselines) if baselines else 0.0
    for r in results:
        if not r.scenario.startswith(("baseline", "reference")):
            r.target = "≥ 0.50 × bare view"
            r.met = bool(base_rate) and r.rate / base_rate >= TARGET and r.errors == 0 and not problems
    today = dt.date.today().isoformat()
    machine_line = (f"{info['cores']} cores ({info['cpu']}), {info['ram']}, {info['os']}, Python {info['python']}, "
                    f"PostgreSQL {info['postgresql']} (shared_buffers {info['shared_buffers']}), "
                    f"Redis cache" + ("" if args.redis else " off"))
    command = f"python benchmarks/tracking.py --db {redact(args.db)}{' --quick' if quick else ''}"
    md = [
        f"Run {today}{' (quick)' if quick else ''}: `{command}`.",
        "",
        (f"Machine: {machine_line}. Server: `tinhso serve` ({args.workers} gthread workers × {args.server_threads} "
         f"threads, DEBUG off) on loopback; load from one client process ({args.threads} threads, keep-alive) on the "
         f"same cores. Data: {n:,} dossiers, {events:,} events. {seconds:.0f} s measured per scenario after "
         f"{warmup:.0f} s of warm-up; per-IP limit {settings.TINHSO_TRACKING_RATE}, a new client address per request. "
         f"Masking check of one page and one API answer before measuring: {problems or 'passed'}."),
        "",
        table(results, base_rate),
    ]
    block = "\n".join(md)
    print("\n" + block)
    if args.docs == "yes" or (args.docs == "auto" and not quick):
        docs_write(block)
        print(f"\nWritten to {DOCS.relative_to(HERE.parent)}.")
    connection.close()
    if args.keep_db:
        print(f"Database kept: {redact(args.db)}; files in {data_dir}")
    else:
        database_drop(args.db)
        shutil.rmtree(data_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
