#!/usr/bin/env python
"""Speed of the documents module (issue 4): receipt PDF, result signing, verification.

    python benchmarks/documents.py [--db postgres://postgres@127.0.0.1:5432/tinhso_documents_bench]
                                   [--runs 50] [--warmup 5] [--docs yes|no]

A script, not a test: it prints figures, it does not assert them.

1. Creates the database named in --db (dropped first; the name must contain "bench"), migrates,
   and builds a commune with its officials, a published procedure with fees on the standard
   workflow, a demo CA and the commune's demo key (a PKCS#12 file) in a temporary data directory.
2. Times, in-process, each after `--warmup` untimed runs, `--runs` (≥ 30) runs:
   - baseline: WeasyPrint rendering a one-line HTML page (same process, same run);
   - receipt: `form_render(kind="tiep-nhan")` of an accepted dossier with fees (A5, QR, fees in
     words) — target median < 300 ms;
   - signing: `AgencySigner.sign` of a rendered result PDF (PAdES B-B, RSA-2048) and the whole
     `result_issue` (render + sign + store + rows, one fresh approved dossier per run) — target
     median < 500 ms;
   - verification: `pdf_verify` of the signed result, and POST /xac-thuc/ through Django's test
     client (upload parsing, verification, page) — target median < 500 ms.
3. Prints a Markdown table (median, p95, ratio to the baseline's median) with the date and the
   machine, and with --docs yes writes it into docs/benchmarks.md under "## Documents (issue:
   citizen channel)" (the section is added at the end the first time; its table is replaced
   between markers afterwards).

The machine is shared: "other load" is the share of the machine's CPU used by other processes
while a row was measured (from /proc/stat, less this process's own CPU time).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DOCS = REPO / "docs" / "benchmarks.md"
SECTION = "## Documents (issue: citizen channel)"
BEGIN, END = "<!-- documents.py results: begin -->", "<!-- documents.py results: end -->"
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/tinhso_documents_bench"


# --- Measuring ----------------------------------------------------------------------------------

def _cpu_jiffies() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def _own_jiffies() -> int:
    parts = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
    return int(parts[11]) + int(parts[12])  # utime + stime (this process, all threads)


class Row:
    def __init__(self, name: str, target_ms: float | None = None):
        self.name, self.target_ms = name, target_ms
        self.samples: list[float] = []
        self.other_load = 0.0

    @property
    def median(self) -> float:
        return statistics.median(self.samples) * 1000

    @property
    def p95(self) -> float:
        ordered = sorted(self.samples)
        rank = max(1, -(-len(ordered) * 95 // 100))   # nearest rank
        return ordered[rank - 1] * 1000


RETRIES = [2]          # re-measure a row disturbed by other processes (> 25 % of the machine)
DISTURBED = 0.25


def measure(name: str, fn, *, runs: int, warmup: int, target_ms: float | None = None, setup=None) -> Row:
    """The least disturbed of up to 1 + RETRIES measurements (see `_measure_once`)."""
    best = None
    for _attempt in range(1 + RETRIES[0]):
        row = _measure_once(name, fn, runs=runs, warmup=warmup, target_ms=target_ms, setup=setup)
        if best is None or row.other_load < best.other_load:
            best = row
        if best.other_load <= DISTURBED:
            break
    return best


def _measure_once(name: str, fn, *, runs: int, warmup: int, target_ms: float | None = None, setup=None) -> Row:
    """`warmup` untimed calls, then `runs` timed calls of fn(prepared) where prepared = setup(i)
    is made outside the timing."""
    row = Row(name, target_ms)
    for i in range(warmup):
        fn(setup(-1 - i) if setup else None)
    busy0, total0 = _cpu_jiffies()
    own0 = _own_jiffies()
    for i in range(runs):
        prepared = setup(i) if setup else None
        t0 = time.perf_counter()
        fn(prepared)
        row.samples.append(time.perf_counter() - t0)
    busy1, total1 = _cpu_jiffies()
    own1 = _own_jiffies()
    if total1 > total0:
        row.other_load = max(0.0, (busy1 - busy0) - (own1 - own0)) / (total1 - total0)
    print(f"  {name}: median {row.median:.1f} ms, p95 {row.p95:.1f} ms ({runs} runs, other load "
          f"{row.other_load:.0%})", flush=True)
    return row


# --- Environment and data ----------------------------------------------------------------------

def database_recreate(url: str) -> None:
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if "bench" not in name:
        raise SystemExit(f"Refusing to drop database {name!r}: its name must contain 'bench'.")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0").format(sql.Identifier(name)))


def configure(args, data_dir: Path) -> None:
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "tinhso.settings",
        "DATABASE_URL": args.db,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "TINHSO_DATA_DIR": str(data_dir),
        "TINHSO_SIGNING_DIR": str(data_dir / "signing"),
        "TINHSO_FILES_DIR": str(data_dir / "files"),
        "TINHSO_STATIC_ROOT": str(data_dir / "static"),
        "TINHSO_TRUST_DEMO_CA": "1",
        "TINHSO_HTTPS": "0",
        "TINHSO_LOG_LEVEL": "WARNING",
        "TINHSO_BASE_URL": "https://dichvucong.tinh.example.vn",
        "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
    })
    os.environ.pop("TINHSO_SIGNING_PASSPHRASE", None)
    sys.path.insert(0, str(REPO / "src"))


def build_world():
    """A commune desk like the tests' (receiver, specialist, leader), a procedure with fees."""
    from django.utils import timezone

    from tinhso.accounts.models import AgencyRole, Role, User, UserKind
    from tinhso.catalog.models import (
        Field,
        Procedure,
        ProcedureAssignment,
        ProcedureVersion,
        VersionStatus,
        WorkflowDefinition,
    )
    from tinhso.core.models import AdministrativeUnit, Agency, AgencyKind, UnitLevel

    province = (AdministrativeUnit.objects.filter(level=UnitLevel.PROVINCE, code="86", valid_to__isnull=True).first()
                or AdministrativeUnit.objects.create(level=UnitLevel.PROVINCE, code="86", name="Tỉnh Vĩnh Long",
                                                     division_type="Tỉnh"))
    unit = AdministrativeUnit.objects.create(level=UnitLevel.COMMUNE, code="B0001", name="Xã Phú Túc Đo Đạc",
                                             division_type="Xã", parent=province)
    commune = Agency.objects.create(code="000.91.60.H61", name="Ủy ban nhân dân xã Phú Túc Đo Đạc",
                                    kind=AgencyKind.COMMUNE_PEOPLES_COMMITTEE, unit=unit)
    people = {}
    for key, role, name in (("receiver", Role.RECEIVING_OFFICER, "Trần Thị Tiếp Nhận"),
                            ("specialist", Role.SPECIALIST, "Lê Văn Hộ Tịch"),
                            ("leader", Role.LEADER, "Phạm Chủ Tịch")):
        user = User.objects.create(username=f"bench.{key}", full_name=name, kind=UserKind.OFFICIAL)
        AgencyRole.objects.create(user=user, agency=commune, role=role)
        people[key] = user
    data = json.loads((REPO / "src/tinhso/catalog/data/workflows/mot-cua-chuan.json").read_text(encoding="utf-8"))
    workflow = WorkflowDefinition.objects.create(code=data["code"], version=data["version"], name=data["name"],
                                                 definition=data["definition"], status=VersionStatus.PUBLISHED,
                                                 published_at=timezone.now())
    field, _ = Field.objects.get_or_create(code="HT", defaults={"name": "Hộ tịch"})
    procedure = Procedure.objects.create(code="1.001193", name="Đăng ký khai sinh", field=field)
    version = ProcedureVersion.objects.create(
        procedure=procedure, number=1, status=VersionStatus.PUBLISHED, name="Đăng ký khai sinh",
        applicant_types=["citizen"], agency_levels=["commune"], channels=[1, 2, 3], processing_amount="3",
        processing_unit="working_day",
        fees=[{"code": "LP", "name": "Lệ phí đăng ký khai sinh", "kind": "le_phi", "amount": 1_250_000, "note": ""},
              {"code": "PHI", "name": "Phí cấp bản sao trích lục", "kind": "phi", "amount": 8_000, "note": ""}],
        components=[{"code": "TK", "name": "Tờ khai đăng ký khai sinh", "originals": 1, "copies": 0,
                     "required": True, "reusable_result": False, "note": ""},
                    {"code": "GCS", "name": "Giấy chứng sinh", "originals": 1, "copies": 0, "required": True,
                     "reusable_result": False, "note": ""}],
        results=[{"code": "TLKS", "name": "Trích lục khai sinh", "paper": True, "electronic": True}],
        legal_basis=["Luật Hộ tịch 2014, Điều 16"],
        form_schema={"type": "object", "required": ["ho_ten_tre"], "properties": {
            "ho_ten_tre": {"type": "string", "title": "Họ, chữ đệm, tên của trẻ"},
            "ngay_sinh": {"type": "string", "format": "date", "title": "Ngày, tháng, năm sinh"},
            "gioi_tinh": {"type": "string", "enum": ["Nam", "Nữ"], "title": "Giới tính"},
            "noi_sinh": {"type": "string", "title": "Nơi sinh"}}},
        workflow=workflow, published_at=timezone.now())
    procedure.current_version = version
    procedure.save()
    ProcedureAssignment.objects.create(procedure=procedure, agency=commune)
    return commune, people


def dossier_at_counter(commune, people, i: int):
    from tinhso.dossiers import services
    from tinhso.dossiers.national import example_pdf

    files = [services.IncomingFile(name="to-khai.pdf", data=example_pdf(f"tk {i}"), component_code="TK",
                                   digitised=True),
             services.IncomingFile(name="gcs.pdf", data=example_pdf(f"gcs {i}"), component_code="GCS",
                                   digitised=True)]
    dossier, _ = services.dossier_intake(
        actor=people["receiver"], procedure_code="1.001193", receiving_agency=commune,
        applicant=services.Applicant(name="Trần Thị Hồng Đào", id_number="086085000123", phone="0912345678",
                                     address="Ấp Phú Hòa, xã Phú Túc"),
        source="counter", accept=True, assignee=people["specialist"], files=files,
        form_data={"ho_ten_tre": f"Nguyễn Ngọc Bích Trâm {i}", "ngay_sinh": "2026-02-01", "gioi_tinh": "Nữ",
                   "noi_sinh": "Bệnh viện Đa khoa tỉnh"})
    return dossier


def dossier_approved(commune, people, i: int):
    from tinhso.dossiers import services

    dossier = dossier_at_counter(commune, people, i)
    services.dossier_act(actor=people["specialist"], dossier_id=dossier.pk, action="trinh_phe_duyet",
                         assignee=people["leader"])
    services.dossier_act(actor=people["leader"], dossier_id=dossier.pk, action="phe_duyet")
    return dossier


# --- Report --------------------------------------------------------------------------------------

def machine() -> str:
    from django.db import connection

    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal:"))
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "")
    os_name = ""
    for line in Path("/etc/os-release").read_text().splitlines():
        if line.startswith("PRETTY_NAME="):
            os_name = line.split("=", 1)[1].strip('"')
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0].split()[0]
    from importlib.metadata import version

    return (f"{len(os.sched_getaffinity(0))} cores ({cpu}), {round(mem_kb / 1024 / 1024)} GiB, {os_name}, "
            f"Python {platform.python_version()}, PostgreSQL {pg}, WeasyPrint {version('weasyprint')}, "
            f"pyHanko {version('pyHanko')}")


def table(rows: list[Row], baseline: Row, *, when: str, where: str, command: str) -> str:
    lines = [f"Run {when}: `{command}`.", "",
             (f"Machine: {where}. In-process timings (no HTTP server), each row after its warm-up; the "
              "baseline is WeasyPrint rendering a one-line HTML page in the same run; *other load* is the "
              "share of the machine's CPU used by other processes meanwhile (this benchmark's PostgreSQL "
              "backend included)."), "",
             "| measurement | runs | median ms | p95 ms | median × baseline | other load | target | met |",
             "|---|---:|---:|---:|---:|---:|---|---|"]
    for row in rows:
        ratio = row.median / baseline.median if baseline.median else float("nan")
        target = f"median < {row.target_ms:.0f} ms" if row.target_ms else ""
        met = ("yes" if row.median < row.target_ms else "**no**") if row.target_ms else ""
        lines.append(f"| {row.name} | {len(row.samples)} | {row.median:.1f} | {row.p95:.1f} | "
                     f"{'1.0' if row is baseline else f'{ratio:.1f}'} | {row.other_load:.0%} | {target} | {met} |")
    return "\n".join(lines)


def write_docs(text: str) -> None:
    content = DOCS.read_text(encoding="utf-8")
    block = f"{BEGIN}\n{text}\n{END}"
    if BEGIN in content and END in content:
        head, rest = content.split(BEGIN, 1)
        content = head + block + rest.split(END, 1)[1]
    else:
        intro = ("`benchmarks/documents.py` times the official forms, the signing of e-results and their\n"
                 "verification in-process on PostgreSQL (see the script's docstring):\n\n"
                 f"    python benchmarks/documents.py --db {DEFAULT_DB} --docs yes\n")
        content = content.rstrip("\n") + f"\n\n{SECTION}\n\n{intro}\n{block}\n"
    DOCS.write_text(content, encoding="utf-8")


# --- Main ----------------------------------------------------------------------------------------

def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default=DEFAULT_DB)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--docs", choices=("yes", "no"), default="no")
    args = parser.parse_args(argv)
    if args.runs < 30:
        raise SystemExit("--runs must be at least 30")
    data_dir = Path(tempfile.mkdtemp(prefix="tinhso-documents-bench-"))
    configure(args, data_dir)
    database_recreate(args.db)

    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # the page uses the production storage
    print(f"# tinhso documents benchmark — data in {data_dir}", flush=True)

    from tinhso.documents.keys import demo_keys_create
    from tinhso.documents.pdf import html_to_pdf
    from tinhso.documents.services import form_render, result_code, result_issue, result_name, result_render
    from tinhso.documents.signing import AgencySigner
    from tinhso.documents.verification import pdf_verify
    from tinhso.dossiers.attachments import attachment_open

    commune, people = build_world()
    demo_keys_create(agencies=[commune])
    receipt_dossier = dossier_at_counter(commune, people, 0)
    needed = (args.warmup + args.runs) * (1 + RETRIES[0])
    approved = [dossier_approved(commune, people, i + 1) for i in range(needed)]
    print(f"  built the commune, its key and {needed + 1} dossiers", flush=True)

    runs, warmup = args.runs, args.warmup
    rows: list[Row] = []
    from weasyprint import HTML

    baseline = measure("baseline: WeasyPrint, one-line HTML page (no custom fonts)",
                       lambda _: HTML(string="<p>tinhso</p>").write_pdf(), runs=runs, warmup=warmup)
    rows.append(baseline)
    rows.append(measure("baseline: one-line page with the forms' Noto fonts (html_to_pdf)",
                        lambda _: html_to_pdf("<p>Cộng hòa xã hội chủ nghĩa Việt Nam</p>"), runs=runs, warmup=warmup))
    rows.append(measure("receipt (Mẫu 01): form_render, A5, QR, fees in words", lambda _: form_render(
        kind="tiep-nhan", dossier_id=receipt_dossier.pk), runs=runs, warmup=warmup, target_ms=300))

    from tinhso.documents.selectors import dossier_for_documents

    sample = dossier_for_documents(approved[0].pk)
    with AgencySigner(commune) as signer:
        unsigned = result_render(sample, code=result_code(sample), name=result_name(sample),
                                 signer_info=signer.info, signed_at=sample.accepted_at, signed_by="Phạm Chủ Tịch")
        rows.append(measure("result signing alone: PAdES B-B of the rendered result (RSA-2048, PKCS#12)",
                            lambda _: signer.sign(unsigned), runs=runs, warmup=warmup, target_ms=500))
    queue = list(approved)
    rows.append(measure("result_issue: render + sign + store + rows (one approved dossier per run)",
                        lambda d: result_issue(dossier_id=d.pk, actor=people["leader"]),
                        setup=lambda i: queue.pop(), runs=runs, warmup=warmup, target_ms=500))

    from tinhso.documents.models import ResultDocument

    result = ResultDocument.objects.select_related("attachment").order_by("pk").first()
    with attachment_open(result.attachment.storage_path) as handle:
        signed = handle.read()
    assert pdf_verify(signed).verdict == "valid"
    rows.append(measure("verification: pdf_verify of a signed result (valid)", lambda _: pdf_verify(signed),
                        runs=runs, warmup=warmup, target_ms=500))
    client = Client()

    def post(_):
        response = client.post("/xac-thuc/", {"tep": SimpleUploadedFile("kq.pdf", signed, "application/pdf")})
        assert response.status_code == 200 and b"role=\"status\"" in response.content

    rows.append(measure("verification page: POST /xac-thuc/ (Django test client, in-process)", post,
                        runs=runs, warmup=warmup, target_ms=500))

    when = dt.date.today().isoformat()
    command = "python benchmarks/documents.py" + (f" --runs {runs}" if runs != 50 else "")
    text = table(rows, baseline, when=when, where=machine(), command=command)
    print()
    print(text)
    if args.docs == "yes":
        write_docs(text)
        print(f"\nwritten to {DOCS}")


if __name__ == "__main__":
    main()
