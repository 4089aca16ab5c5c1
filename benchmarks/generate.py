#!/usr/bin/env python
"""Speed and memory of the synthetic province generator (tinhso.synthetic), on PostgreSQL.

    python benchmarks/generate.py --db postgres://postgres@127.0.0.1:5432/tinhso_synthetic_bench \\
        [--sizes 20000,100000] [--no-fk-checks | --also-no-fk-checks] [--python-only] [--docs yes|no|auto]
        [--keep-db]

What it does (a script, not a test: it prints figures, it does not assert them):

1. Creates the database named in --db (dropped first; the name must contain "bench"), migrates,
   loads the demo agencies and the demo catalogue (what `tinhso demo` loads).
2. For each size, in a fresh process (so that the peak RSS is that run's): `province_generate`
   of that many dossiers over 12 months ending today, with the writer thread; reports the time,
   dossiers/s, rows per table, the process's peak RSS (resource.getrusage) and the share of the
   machine other processes used meanwhile (the machine is shared). Sizes run one after the other
   in the same database, so the later ones write into fuller tables.
3. With --also-no-fk-checks, the largest size again loaded without the per-row foreign-key
   triggers (what pg_restore --disable-triggers does; superuser); with --python-only, the
   generator alone (rows made, nothing written, rolled back): the Python side's ceiling.
4. Prints a Markdown block and writes it at the end of docs/benchmarks.md under
   "## Synthetic province generator (issue: monitor)" (auto: only when the largest size is at
   least 100,000).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DOCS = REPO / "docs" / "benchmarks.md"
SECTION = "## Synthetic province generator (issue: monitor)"
BEGIN, END = "<!-- generate.py results: begin -->", "<!-- generate.py results: end -->"
sys.path.insert(0, str(HERE))


def _environment(db: str, data_dir: str) -> None:
    os.environ.update({"DJANGO_SETTINGS_MODULE": "tinhso.settings", "DATABASE_URL": db,
                       "TINHSO_DATA_DIR": data_dir, "TINHSO_LOG_LEVEL": "WARNING",
                       "SECRET_KEY": os.environ.get("SECRET_KEY") or "benchmark-only-not-secret"})
    os.environ.pop("TINHSO_DEBUG", None)


def child(args) -> int:
    """One measured run, in its own process; prints one JSON line."""
    import django

    django.setup()
    from django.db import transaction
    from one_stop import CpuMeter

    from tinhso.synthetic import bulk
    from tinhso.synthetic.services import province_generate

    meter = CpuMeter(urlsplit(args.db).path.lstrip("/"))
    start = meter.snapshot()
    if args.python_only:
        # Everything but the writes, rolled back: what the Python side can do alone.
        bulk.TextTable.write_postgres = lambda self, cursor, rows: setattr(self, "written", self.written + len(rows))
        with transaction.atomic():
            summary = province_generate(dossiers=args.dossiers, months=args.months, seed=args.seed, pipeline=False)
            transaction.set_rollback(True)
    else:
        summary = province_generate(dossiers=args.dossiers, months=args.months, seed=args.seed,
                                    fk_checks=not args.no_fk_checks)
    other = meter.other_share(start, meter.snapshot())
    print(json.dumps({"dossiers": summary.dossiers, "seconds": summary.seconds, "rate": summary.rate,
                      "rows": summary.rows, "peak_rss_mb": summary.peak_rss_mb, "mode": summary.mode,
                      "other_load": other, "python_only": args.python_only,
                      "proportions": summary.proportions}))
    return 0


def docs_write(block: str, *, section: str = SECTION, begin: str = BEGIN, end: str = END,
               append: bool = False) -> None:
    """Put `block` between the markers under `section` (replacing the previous block), or with
    `append` after the previous blocks (kept), before the marker `end`."""
    SECTION, BEGIN, END = section, begin, end  # noqa: N806 (the defaults' names)
    text = DOCS.read_text(encoding="utf-8") if DOCS.exists() else "# Benchmarks\n"
    marked = f"{BEGIN}\n{block.rstrip()}\n{END}"
    if append and BEGIN in text and END in text:
        head, rest = text.split(END, 1)
        text = head.rstrip() + "\n\n" + block.rstrip() + "\n" + END + rest
    elif BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        _old, tail = rest.split(END, 1)
        text = head + marked + tail
    elif SECTION in text:
        head, rest = text.split(SECTION, 1)
        nxt = re.search(r"^## ", rest, flags=re.MULTILINE)
        body, tail = (rest[:nxt.start()], rest[nxt.start():]) if nxt else (rest, "")
        text = head + SECTION + body.rstrip() + "\n\n" + marked + "\n\n" + tail.lstrip("\n")
    else:
        text = text.rstrip() + f"\n\n{SECTION}\n\n{marked}\n"
    DOCS.write_text(text.rstrip() + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="postgres://postgres@127.0.0.1:5432/tinhso_synthetic_bench")
    parser.add_argument("--sizes", default="100000", help="dossiers per run, comma-separated")
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--seed", type=int, default=766)
    parser.add_argument("--no-fk-checks", action="store_true", help="load without per-row FK triggers (superuser)")
    parser.add_argument("--also-no-fk-checks", action="store_true",
                        help="then the largest size again without per-row FK triggers, in the same database")
    parser.add_argument("--python-only", action="store_true", help="also time the generator without writes")
    parser.add_argument("--docs", choices=("auto", "yes", "no"), default="auto")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--dossiers", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args)

    from one_stop import database_drop, database_recreate

    data_dir = tempfile.mkdtemp(prefix="tinhso-generate-")
    _environment(args.db, data_dir)
    database_recreate(args.db)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from one_stop import machine

    from tinhso.catalog.demo import catalog_load_demo
    from tinhso.core.units import agencies_load_demo

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    agencies_load_demo()
    catalog_load_demo(province_code=settings.TINHSO_PROVINCE)
    info = machine()
    from django.db.models import Q

    from tinhso.catalog.models import Procedure
    from tinhso.core.models import Agency

    province = settings.TINHSO_PROVINCE
    agencies = Agency.objects.filter(
        Q(unit__level="province", unit__code=province, unit__valid_to__isnull=True)
        | Q(unit__level="commune", unit__parent__code=province, unit__parent__valid_to__isnull=True)).count()
    procedures = Procedure.objects.count()
    connection.close()
    print(f"# synthetic province generator — database ready in {time.perf_counter() - t0:.0f} s")
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    runs = []
    # (dossiers, python only, without FK triggers)
    plan = [(n, False, args.no_fk_checks) for n in sizes]
    plan += [(max(sizes), False, True)] if args.also_no_fk_checks and not args.no_fk_checks else []
    plan += [(max(sizes), True, False)] if args.python_only else []
    for n, python_only, unchecked in plan:
        command = [sys.executable, __file__, "--child", "--db", args.db, "--dossiers", str(n), "--months",
                   str(args.months), "--seed", str(args.seed)]
        command += ["--no-fk-checks"] if unchecked else []
        command += ["--python-only"] if python_only else []
        out = subprocess.run(command, check=True, capture_output=True, text=True, env=os.environ).stdout
        result = json.loads(out.strip().splitlines()[-1])
        runs.append(result)
        print(f"  {n:,} dossiers{' (Python only, not written)' if python_only else ''}: {result['seconds']:.1f} s, "
              f"{result['rate']:,.0f}/s, peak RSS {result['peak_rss_mb']:.0f} MB, "
              f"other load {result['other_load']:.0%}")

    today = dt.date.today().isoformat()
    lines = [
        (f"Run {today}: `python benchmarks/generate.py --sizes {args.sizes}"
         f"{' --no-fk-checks' if args.no_fk_checks else ''}"
         f"{' --also-no-fk-checks' if args.also_no_fk_checks else ''}"
         f"{' --python-only' if args.python_only else ''}`. "
         f"Machine: {info['cores']} cores ({info['cpu']}), {info['ram']}, PostgreSQL {info['postgresql']} "
         f"(shared_buffers {info['shared_buffers']}), shared with other work (*other load*: share of the machine "
         f"other processes used during the run). The demo agencies of province {settings.TINHSO_PROVINCE} "
         f"({agencies}) and the demo catalogue ({procedures} procedures); {args.months} months ending on the day "
         "of the run; sizes run one after the other in the same database, each in a fresh process."),
        "",
        "| dossiers | mode | time | dossiers/s | rows written | peak RSS | other load |",
        "|---:|---|---:|---:|---|---:|---:|",
    ]
    for r in runs:
        rows = "not written" if r["python_only"] else ", ".join(f"{k} {v:,}" for k, v in r["rows"].items() if v)
        mode = "generator only (rolled back)" if r["python_only"] else r["mode"]
        lines.append(f"| {r['dossiers']:,} | {mode} | {r['seconds']:.1f} s | {r['rate']:,.0f} | {rows} | "
                     f"{r['peak_rss_mb']:.0f} MB | {r['other_load']:.0%} |")
    block = "\n".join(lines)
    print("\n" + block)
    if args.docs == "yes" or (args.docs == "auto" and max(sizes) >= 100_000):
        docs_write(block)
        print(f"\nWritten to {DOCS.relative_to(REPO)}.")
    if not args.keep_db:
        database_drop(args.db)
        shutil.rmtree(data_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
