"""Public tracking of a dossier by its code (tra cứu hồ sơ): the read behind /tra-cuu/<code>/ and
GET /api/v1/tracking/{code}.

What anyone holding the code may see (the code is printed on the receipt, Mẫu 01, and in its QR):
status, procedure, receiving agency, dates (submission, acceptance, appointment, end, return) and
the steps — when, which step, which agency, early / on time / late. Nothing else: the applicant's
name only masked ("Ng*** V** A*"), no identification number, phone, address, form answers, files,
notes or officials' names. Because nothing personal is shown, these reads are not written to the
audit log (the applicant's own full view, and officials, go through `selectors.dossier_get_for`).

One indexed query (the dossier by its unique code joined to its events by (dossier, seq)), written
by the ORM once per process and then only executed; the names of agencies, procedures and steps
come from process caches. Every look-up,
found or not, counts against a per-IP limit (TINHSO_TRACKING_RATE) kept in Django's cache, so codes
cannot be enumerated quickly; an unknown and a malformed code give the same answer.
"""

from __future__ import annotations

import datetime as dt
import re
import time
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models.signals import post_save
from django.http import HttpRequest
from django.utils.dateparse import parse_datetime
from ninja.throttling import SimpleRateThrottle

from tinhso.catalog.models import Procedure
from tinhso.core.models import Agency
from tinhso.dossiers.models import DossierEvent, Status, Timeliness

#: Dossier codes as the generators make them: agency code, date and number with dots and hyphens
#: (codes.py), upper-case. A provisional code ("~…") never leaves its transaction.
CODE_RE = re.compile(r"[A-Z0-9][A-Z0-9.\-]{5,39}")

_STATUS_NAMES = dict(Status.choices)
_TIMELINESS_NAMES = dict(Timeliness.choices)


def code_normalise(raw: str | None) -> str | None:
    """The code as stored (trimmed, upper-case), or None if it cannot be a dossier code."""
    code = (raw or "").strip().upper()
    return code if CODE_RE.fullmatch(code) else None


def mask_name(name: str) -> str:
    """A person's name with most letters hidden: "Nguyễn Văn An" → "Ng*** V** A*". The family
    name keeps two letters, other words one; at most three stars a word, so long names do not
    show their length."""
    words = unicodedata.normalize("NFC", name or "").split()
    masked = []
    for i, word in enumerate(words):
        keep = 2 if i == 0 and len(word) >= 4 else 1
        masked.append(word[:keep] + "*" * max(1, min(len(word) - keep, 3)))
    return " ".join(masked)


@dataclass(frozen=True)
class TrackingStep:
    at: dt.datetime
    name: str
    agency: str
    timeliness: str          # early | on_time | late | "" (no allowance for the step)
    timeliness_name: str


@dataclass(frozen=True)
class Tracking:
    code: str
    status: int
    status_name: str
    step_name: str
    procedure_code: str
    procedure_name: str
    receiving_agency_code: str
    receiving_agency_name: str
    applicant_masked: str
    submitted_at: dt.datetime
    accepted_at: dt.datetime | None
    due_at: dt.datetime | None
    finished_at: dt.datetime | None
    returned_at: dt.datetime | None
    steps: tuple[TrackingStep, ...]
    #: Not shown: lets the web page tell the applicant from other visitors.
    applicant_id: int | None = None


#: One row per step, each carrying the dossier's columns: one indexed query on two tables (the
#: dossier by its unique code, its events by (dossier, seq)). Every dossier has at least its
#: submission step. Names of agencies and procedures come from a short process cache: joining
#: their tables here would triple PostgreSQL's planning time, the largest part of the query's cost.
_COLUMNS = (
    "dossier_id", "dossier__code", "dossier__status", "dossier__state", "dossier__workflow_id",
    "dossier__applicant_id", "dossier__applicant_name", "dossier__submitted_at", "dossier__accepted_at",
    "dossier__due_at", "dossier__finished_at", "dossier__returned_at", "dossier__procedure_id",
    "dossier__receiving_agency_id", "at", "action_name", "timeliness", "from_agency_id", "to_agency_id",
)
_DOSSIER_DATES, _AT = (7, 8, 9, 10, 11), 14   # positions of the datetime columns above
_MARK = "~tracking-code~"


def _statement(alias: str) -> str:
    """The SELECT, written by the ORM once per database (not once per request: building and
    compiling a queryset costs more than running this indexed query)."""
    found = _SQL.get(alias)
    if found is None:
        sql, params = (DossierEvent.objects.using(alias).filter(dossier__code=_MARK).order_by("seq")
                       .values_list(*_COLUMNS).query.get_compiler(alias).as_sql())
        if list(params) != [_MARK]:
            raise RuntimeError("unexpected parameters in the tracking query")
        found = _SQL[alias] = sql
    return found


class _Names:
    """(code, name) of agencies or procedures by id, kept for NAMES_TTL seconds per process; the
    missing ones are read in one query."""

    def __init__(self, model):
        self.model = model
        self.rows: dict[int, tuple[float, str, str]] = {}

    def get(self, ids, *, using: str) -> dict[int, tuple[str, str]]:
        now = time.monotonic()
        found, missing = {}, set()
        for i in ids:
            hit = self.rows.get(i)
            if hit is not None and now - hit[0] < NAMES_TTL:
                found[i] = hit[1:]
            elif i is not None:
                missing.add(i)
        if missing:
            for pk, code, name in self.model.objects.using(using).filter(pk__in=missing).values_list(
                    "pk", "code", "name"):
                self.rows[pk] = (now, code, name)
                found[pk] = (code, name)
        return found


NAMES_TTL = 60.0
_AGENCIES = _Names(Agency)
_PROCEDURES = _Names(Procedure)


def names_cache_clear(**kwargs) -> None:
    _AGENCIES.rows.clear()
    _PROCEDURES.rows.clear()


# A rename in this process shows at once; other processes see it within NAMES_TTL.
for _model in (Agency, Procedure):
    post_save.connect(names_cache_clear, sender=_model, dispatch_uid=f"tracking-names-{_model.__name__}")


_SQL: dict[str, str] = {}
_STEP_NAMES: dict[tuple[int, str], str] = {}


def _aware(value):
    """A datetime as the ORM would give it. Raw cursors give PostgreSQL's aware datetimes, SQLite's
    naive ones (or text): stored in UTC (USE_TZ)."""
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        value = parse_datetime(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _step_name(workflow_id: int, state: str) -> str:
    """The current step's name, from the dossier's pinned workflow (cached: a workflow that
    dossiers use is published, and a published workflow never changes)."""
    key = (workflow_id, state)
    name = _STEP_NAMES.get(key)
    if name is None:
        from tinhso.dossiers.selectors import workflows_compiled

        flow = workflows_compiled([workflow_id]).get(workflow_id)
        spec = flow.states.get(state) if flow is not None else None
        name = _STEP_NAMES[key] = spec.name if spec is not None else ""
    return name


def tracking_lookup(code: str, *, using: str = DEFAULT_DB_ALIAS) -> Tracking | None:
    """The public, masked view of dossier `code`, or None (unknown or malformed code)."""
    normal = code_normalise(code)
    if normal is None:
        return None
    with connections[using].cursor() as cursor:
        cursor.execute(_statement(using), [normal])
        rows = [list(r) for r in cursor.fetchall()]
    if not rows:
        return None
    for row in rows:
        row[_AT] = _aware(row[_AT])
    for i in _DOSSIER_DATES:
        rows[0][i] = _aware(rows[0][i])
    (_pk, code_, status, state, workflow_id, applicant_id, applicant_name, submitted_at, accepted_at, due_at,
     finished_at, returned_at, procedure_id, receiving_id) = rows[0][:_AT]
    agencies = _AGENCIES.get({receiving_id} | {r[-2] for r in rows} | {r[-1] for r in rows}, using=using)
    procedure_code, procedure_name = _PROCEDURES.get([procedure_id], using=using).get(procedure_id, ("", ""))
    agency_code, agency_name = agencies.get(receiving_id, ("", ""))
    steps = tuple(
        # The agency that did the step is the one that held the dossier (the receiving one for the submission).
        TrackingStep(at=at, name=name, agency=agencies.get(from_id or to_id, ("", ""))[1], timeliness=timeliness,
                     timeliness_name=str(_TIMELINESS_NAMES.get(timeliness, "")))
        for *_dossier, at, name, timeliness, from_id, to_id in rows)
    return Tracking(
        code=code_, status=status, status_name=str(_STATUS_NAMES.get(status, status)),
        step_name=_step_name(workflow_id, state), procedure_code=procedure_code,
        procedure_name=procedure_name, receiving_agency_code=agency_code, receiving_agency_name=agency_name,
        applicant_masked=mask_name(applicant_name), submitted_at=submitted_at, accepted_at=accepted_at, due_at=due_at,
        finished_at=finished_at, returned_at=returned_at, steps=steps, applicant_id=applicant_id)


# --- Per-IP limit ---------------------------------------------------------------------------------

class TrackingThrottle(SimpleRateThrottle):
    """Only for django-ninja's parsing of TINHSO_TRACKING_RATE and its client address (behind
    NINJA_NUM_PROXIES trusted proxies); the counting is `tracking_allowed`'s."""

    scope = "tracking"

    def __init__(self) -> None:
        super().__init__(settings.TINHSO_TRACKING_RATE)


def _redis():
    """The raw Redis client behind the default cache, or None (another cache backend)."""
    from django.core.cache import cache

    client = getattr(cache, "client", None)
    return client.get_client(write=True) if client is not None and hasattr(client, "get_client") else None


def _count(key: str, seconds: int, fetch: str | None = None) -> tuple[int, bytes | None]:
    """This window's look-ups from one client, this one included, and the cached answer under
    `fetch` if asked: on Redis one round trip (INCR, EXPIRE NX and GET pipelined), elsewhere
    through the cache API."""
    from django.core.cache import cache

    redis = _redis()
    if redis is not None:
        full = cache.make_key(key)
        pipe = redis.pipeline(transaction=False)
        pipe.incr(full)
        pipe.expire(full, seconds, nx=True)
        if fetch is not None:
            pipe.get(cache.make_key(fetch))
        results = pipe.execute()
        return int(results[0]), (results[2] if fetch is not None else None)
    cache.add(key, 0, seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, seconds)
        count = 1
    return count, (cache.get(fetch) if fetch is not None else None)


def tracking_answer_store(key: str, body: bytes) -> None:
    """Keep a public answer for TINHSO_TRACKING_CACHE_SECONDS (see `tracking_allowed`)."""
    from django.core.cache import cache

    seconds = settings.TINHSO_TRACKING_CACHE_SECONDS
    if seconds <= 0:
        return
    redis = _redis()
    if redis is not None:  # raw bytes, read back raw by the pipeline above
        redis.set(cache.make_key(key), body, ex=seconds)
    else:
        cache.set(key, body, seconds)


def _window_key(ident: str, seconds: int, now: float) -> tuple[str, int]:
    window = int(now // seconds)
    return f"tracking:{ident}:{window}", window


def tracking_limit_reset(ident: str) -> None:
    """Give a client address its whole budget back (an officer unblocking a shared address)."""
    from django.core.cache import cache

    throttle = TrackingThrottle()
    if throttle.duration:
        cache.delete(_window_key(ident, throttle.duration, time.time())[0])


def tracking_count(request: HttpRequest, *, answer_key: str | None = None) -> tuple[bool, int, bytes | None]:
    """(allowed, seconds to wait, kept answer): counts this look-up against the client's budget,
    one budget shared by the page and the API — a fixed window per client address (at most twice
    the rate across a window's edge, see docs/decisions.md "Tracking limit and kept answers") — and,
    with `answer_key`, reads the answer kept by `tracking_answer_store` in the same round trip."""
    fetch = answer_key if answer_key and settings.TINHSO_TRACKING_CACHE_SECONDS > 0 else None
    throttle = TrackingThrottle()
    limit, seconds = throttle.num_requests, throttle.duration
    if limit is None:
        from django.core.cache import cache

        return True, 0, (cache.get(fetch) if fetch else None)
    now = time.time()
    key, window = _window_key(throttle.get_ident(request), seconds, now)
    count, cached = _count(key, seconds, fetch)
    if count <= limit:
        return True, 0, cached
    return False, max(1, int((window + 1) * seconds - now + 0.999)), None


def tracking_allowed(request: HttpRequest) -> tuple[bool, int]:
    """(allowed, seconds to wait): `tracking_count` without a kept answer (the pages)."""
    allowed, wait, _kept = tracking_count(request)
    return allowed, wait
