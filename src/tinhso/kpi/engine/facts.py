"""What the Decision 766 formulas read from one dossier, as SQL expressions the database computes.

Each fact is a 0/1 column (a few are durations) computed once per dossier row by the engine's one
pass (kpi/engine/cells.py); the components' counters are conditions over these columns (`Cond`),
summed per agency × procedure × month. The same conditions filter the drill-down lists
(kpi/engine/drilldown.py), so a list shows exactly the dossiers a number counted.

The dates (regulations.md §4.2, "Mô tả công thức tính chỉ số 766"): most items count dossiers by
NgayTiepNhan (`accepted_at`) in the period; 3.2 and 3.5 fall back to the date of submission when a
dossier has no acceptance date ("Nếu không có Ngày tiếp nhận lấy theo Ngày nộp hồ sơ"). So one date
per dossier — the cohort date, acceptance else submission — places it in a month; the items that
need an accepted dossier say so with the `acc` fact. The unit of a dossier is its competent agency
(docs/decisions.md, "Decision 766 counts a dossier where it is decided").

The on-time rule of item 2.1 is in `judged_q`, `fixed_on_time_q` and `open_on_time_q`; each clause
names the sentence it implements. It must agree with `dossiers.rules.on_time_verdict` applied to the
dossier's events and supplements (tests/kpi/test_766_sql_verdict.py checks it on random dossiers).
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import (
    BooleanField,
    Case,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractMonth
from django.db.models.lookups import LessThan
from django.utils.translation import get_language, gettext

from tinhso.catalog.models import Channel
from tinhso.dossiers.models import Source, Status
from tinhso.kpi.periods import VN, Period

ONE, ZERO = Value(1), Value(0)

_NOTES = threading.local()


def notes_language() -> None:
    """Remember the active language for this thread's notes (the assembler calls it once per run):
    asking Django for it costs ~50 µs a call, more than assembling a row."""
    _NOTES.language = get_language()


def gettext_cached(message: str) -> str:
    """`gettext`, remembered per language: the assembler writes the same notes on tens of thousands of
    rows a run, and Django's lookup costs more than the rest of a row. Still `_` to makemessages."""
    language = getattr(_NOTES, "language", None)
    return _gettext_in(message, language if language is not None else get_language())


@functools.lru_cache(maxsize=4096)
def _gettext_in(message: str, language: str | None) -> str:
    return gettext(message)


#: The four moments an open dossier is judged at, one per kind of period that holds its month:
#: the end of its month, of its quarter, of its year, and now (year to date). Each is capped at now.
VARIANTS = ("m", "q", "y", "n")
VARIANT_OF_KIND = {"month": "m", "quarter": "q", "year": "y", "ytd": "n"}

#: Terminal statuses that end a dossier without a result (refused, withdrawn, stopped).
ENDED_WITHOUT_RESULT = [Status.REFUSED, Status.WITHDRAWN, Status.STOPPED]
#: "Thuộc trạng thái: Đã xử lý xong, Đã trả kết quả" (item 2.2).
COMPLETED = [Status.PROCESSED, Status.RETURNED]


def flag(condition) -> Case:
    return Case(When(condition, then=ONE), default=ZERO, output_field=IntegerField())


_flag01 = flag


def moment(value: dt.datetime) -> Value:
    return Value(value, output_field=DateTimeField())


# --- The cohort date and the month -----------------------------------------------------------------


def cohort_date():
    """NgayTiepNhan, else the date of submission (items 3.2, 3.5)."""
    return Coalesce(F("accepted_at"), F("submitted_at"))


def cohort_month():
    return ExtractMonth(cohort_date(), tzinfo=VN)


def cohort_in(start: dt.datetime, end: dt.datetime) -> Q:
    """Dossiers whose cohort date falls in [start, end) (written so that indexes on either date serve)."""
    return (Q(accepted_at__gte=start, accepted_at__lt=end)
            | Q(accepted_at__isnull=True, submitted_at__gte=start, submitted_at__lt=end))


# --- When an open dossier is judged --------------------------------------------------------------


@dataclass(frozen=True)
class Judgement:
    """The moments of one run: `now`, and the year whose months the pass covers. "Chưa có trạng thái
    hoàn thành → lấy ngày cuối kỳ báo cáo là ngày kết thúc xử lý" (2.1); for the period still
    running, the day of the reading, as item 5.2 says for PAKN ("hoặc ngày hiện tại đối với kỳ hiện
    tại"): a dossier still within its time is "trong hạn", not late in advance."""

    year: int
    now: dt.datetime

    def cap(self, end: dt.datetime) -> dt.datetime:
        return min(end, self.now)

    def of_period(self, period: Period) -> dt.datetime:
        """The one moment for a period (drill-down): its end, capped at now."""
        return self.cap(period.end)

    def steps(self, variant: str) -> list[tuple[dt.datetime, dt.datetime]]:
        """[(exclusive end of a span of the year, the moment its open dossiers are judged at)]."""
        if variant == "m":
            spans = [Period.month(self.year, m) for m in range(1, 13)]
        elif variant == "q":
            spans = [Period.quarter(self.year, q) for q in range(1, 5)]
        elif variant == "y":
            spans = [Period.of_year(self.year)]
        else:
            return [(Period.of_year(self.year).end, self.now)]
        return [(span.end, self.cap(span.end)) for span in spans]

    def expression(self, variant: str, ref: Callable[[str], object] = F):
        """The moment, for a dossier accepted in the year, as an SQL expression of its `accepted_at`
        (`ref` = OuterRef inside a subquery)."""
        steps = self.steps(variant)
        if len(steps) == 1:
            return moment(steps[0][1])
        return Case(*[When(LessThan(ref("accepted_at"), moment(end)), then=moment(at)) for end, at in steps],
                    default=moment(steps[-1][1]), output_field=DateTimeField())


# --- Decision 766 item 2.1 -----------------------------------------------------------------------

ACCEPTED = Q(accepted_at__isnull=False)

#: "chỉ tính các hồ sơ đã được tiếp nhận": a dossier never accepted has no verdict. A dossier with
#: more than one supplement request is late whatever its dates ("trừ trường hợp 'Yêu cầu bổ sung hồ
#: sơ' hơn 01 lần thì tính quá hạn"); otherwise it needs an appointment date (NgayHenTra) to be
#: judged — the fallback on the procedure's maximum time is not applied (dossiers always get one
#: at acceptance here; docs/decisions.md).
JUDGED = ACCEPTED & (Q(due_at__isnull=False) | Q(supplement_count__gt=1))

#: The end of processing is known whatever the period: a terminal state ("Từ chối, Dừng xử lý, Đã
#: xử lý xong, Đã trả kết quả, Công dân yêu cầu rút hồ sơ"; `finished_at` is the first of them, which
#: is the one the priority "Đã xử lý xong > Đã trả kết quả > Dừng xử lý/Từ chối" picks, since a
#: dossier reaches 10 only after 9 and nothing after 3, 7 or 8), or a supplement request the citizen
#: has not answered ("Nếu hồ sơ đang yêu cầu bổ sung … lấy ngày cán bộ yêu cầu bổ sung hồ sơ là Thời
#: gian kết thúc xử lý"), or more than one request (late).
FIXED = Q(finished_at__isnull=False) | Q(supplement_requested_at__isnull=False) | Q(supplement_count__gt=1)
OPEN = Q(finished_at__isnull=True, supplement_requested_at__isnull=True, supplement_count__lte=1)


def _deadline_with_supplement():
    # "Thời gian kết thúc xử lý hồ sơ = Thời gian kết thúc xử lý - Thời gian bổ sung hồ sơ", so
    # end − supplement ≤ NgayHenTra  ⇔  end ≤ NgayHenTra + supplement (`supplement_duration` is the
    # sum of the completed spans; with one request at most, the one span).
    return ExpressionWrapper(F("due_at") + F("supplement_duration"), output_field=DateTimeField())


def fixed_on_time_q() -> Q:
    """A dossier whose end is known: on time iff end − supplement time ≤ NgayHenTra ("Đúng hạn:
    Ngày kết thúc xử lý hồ sơ <, = ngày hẹn trả"), and never with two requests or more."""
    return Q(supplement_count__lte=1) & (
        Q(finished_at__isnull=False, finished_at__lte=_deadline_with_supplement())
        | Q(finished_at__isnull=True, supplement_requested_at__lte=_deadline_with_supplement())
    )


def open_on_time_q(at, at_from_subquery=None) -> Q:
    """A dossier still open (no terminal state, no request waiting, at most one request, answered):
    "Chưa có trạng thái hoàn thành → lấy ngày cuối kỳ báo cáo là ngày kết thúc xử lý" — the end is
    `at`, less the citizen's supplement time when the supplement was completed by then (the rule
    deducts completed spans only). `at` is an expression of the row. "Completed by then" is "a
    supplement row received at or before `at`", i.e. the first completion (`supplement_received_at`,
    kept by a trigger on the supplements: dossiers migration 0005) at or before it. The second
    argument, once the same moment written for a subquery, is no longer needed (kept for callers)."""
    completed_by = Q(supplement_received_at__isnull=False, supplement_received_at__lte=at)
    return Q(due_at__gte=at) | (
        Q(supplement_count=1)
        & Q(due_at__gte=ExpressionWrapper(at - F("supplement_duration"), output_field=DateTimeField()))
        & completed_by
    )


def open_on_time_at(judgement: Judgement, variant: str) -> Q:
    """`open_on_time_q` at the moment of `variant` (an expression of the dossier's acceptance)."""
    return open_on_time_q(judgement.expression(variant))


# --- Every fact ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Catalogue:
    """The sets of the procedure catalogue the facts need (small: read once per run)."""

    paper_versions: frozenset[int]   # versions whose result is a paper document (items 3.3, 4.1, 4.2)
    fee_procedures: frozenset[int]   # procedures with fee information ≠ 0 (items 3.5, 3.6)


def truth(condition) -> ExpressionWrapper:
    """A condition as a boolean column (the pass's form: cheaper than a 0/1 CASE per fact)."""
    return ExpressionWrapper(condition, output_field=BooleanField())


def _member(field: str, ids: Iterable[int], mark=flag):
    ids = sorted(ids)
    if ids:
        return mark(Q(**{f"{field}__in": ids}))
    return ZERO if mark is flag else Value(False, output_field=BooleanField())


def dossier_facts(*, catalogue: Catalogue, judgement: Judgement | None = None,
                  at: dt.datetime | None = None, with_sync: bool = False,
                  boolean: bool = False) -> dict[str, object]:
    """{column: expression} of every fact. The pass gives a `judgement` (the four moments of open
    dossiers, one column each); a drill-down gives the one moment `at` of its period (column
    `on_open`) and may ask for `sync` (an outbox message delivered, item 1.4). With `boolean` the
    columns are true/false instead of 0/1 (the pass: cheaper; `Cond.sql(boolean=True)` reads them)."""
    flag = truth if boolean else _flag01
    paper = _member("procedure_version_id", catalogue.paper_versions, flag)
    facts: dict[str, object] = {
        "f_acc": flag(ACCEPTED),
        "f_online": flag(Q(channel=Channel.ONLINE)),
        "f_postal": flag(Q(channel=Channel.POSTAL)),
        "f_paper": paper,
        "f_feeproc": _member("procedure_id", catalogue.fee_procedures, flag),
        "f_fee": flag(Q(fee_total__gt=0)),
        # "DuocThanhToanTrucTuyen = 1: … trên cổng DVCQG, 2: … qua Cổng thanh toán BNĐP" (3.6)
        "f_paid": flag(Q(paid_online__in=[1, 2])),
        # Received from the national portal: already there ("tính cả đồng bộ 1 chiều … từ DVC đến BNĐP").
        "f_nat": flag(Q(source=Source.NATIONAL_PORTAL)),
        "f_digit": flag(Q(has_digitised_components=True)),
        "f_vneid": flag(Q(vneid_authenticated=True)),
        "f_appl": flag(Q(applicant_id__isnull=False)),
        "f_noresult": flag(Q(status__in=ENDED_WITHOUT_RESULT)),
        # The next four are columns a trigger keeps from the dossier's files, ratings and PAKN
        # (dossiers migration 0005): an e-result, a component reused, one from the citizen's store.
        "f_eres": flag(Q(has_e_result=True)),
        "f_reused": flag(Q(has_reused_component=True)),
        "f_store": flag(Q(has_store_component=True)),
        # 5.4: "hồ sơ TTHC có phản ánh, kiến nghị hoặc đánh giá dislike": a current "not satisfied"
        # rating, or a PAKN about this dossier's reception, settlement or lateness (DOSSIER_KINDS).
        "f_dissat": flag(Q(has_dislike=True) | Q(has_complaint=True)),
        "f_done": flag(ACCEPTED & Q(status__in=COMPLETED, finished_at__isnull=False)),
        # 2.2: "Tổng thời gian được tính tương tự chỉ tiêu 2a": end − start − supplement time.
        "f_dur": Case(When(ACCEPTED & Q(status__in=COMPLETED, finished_at__isnull=False),
                           then=ExpressionWrapper(F("finished_at") - F("accepted_at") - F("supplement_duration"),
                                                  output_field=DurationField())),
                      default=None, output_field=DurationField()),
        "f_judged": flag(JUDGED),
        "f_on_fixed": flag(JUDGED & FIXED & fixed_on_time_q()),
    }
    if judgement is not None:
        for variant in VARIANTS:
            facts[f"f_on_open_{variant}"] = flag(JUDGED & OPEN & open_on_time_at(judgement, variant))
    if at is not None:
        facts["f_on_open"] = flag(JUDGED & OPEN & open_on_time_q(moment(at)))
    if with_sync:
        # A full sync message (SYNC_TOPIC) delivered: a column kept from the outbox by a trigger.
        facts["f_sent"] = flag(Q(sync_delivered=True))
    return facts


#: The full national sync message (dossiers.services; regulations.md §7).
SYNC_TOPIC = "dvcqg.dossier"


# --- Conditions over the facts ---------------------------------------------------------------------


class Cond:
    """A condition over fact columns, rendered as portable SQL for the pass or as a Q over the
    annotated queryset for the drill-down. Leaves are fact names without the `f_` prefix; the leaf
    `on_open` is the one that depends on the period (its column per variant)."""

    def __init__(self, op: str, args: tuple):
        self.op, self.args = op, args

    def __and__(self, other: Cond) -> Cond:
        return Cond("and", (self, other))

    def __or__(self, other: Cond) -> Cond:
        return Cond("or", (self, other))

    def __invert__(self) -> Cond:
        return Cond("not", (self,))

    @property
    def varies(self) -> bool:
        if self.op == "fact":
            return self.args[0] == "on_open"
        return any(arg.varies for arg in self.args)

    def _column(self, variant: str | None) -> str:
        name = self.args[0]
        if name == "on_open" and variant is not None:
            return f"f_on_open_{variant}"
        return f"f_{name}"

    def sql(self, variant: str | None = None, *, boolean: bool = False) -> str:
        """Over 0/1 columns (`f_x = 1`), or with `boolean` over true/false ones (`f_x`)."""
        if self.op == "fact":
            # `IS TRUE`: a condition over a null column is null, which a 0/1 column made 0.
            return f"{self._column(variant)} IS TRUE" if boolean else f"{self._column(variant)} = 1"
        if self.op == "not":
            return f"NOT ({self.args[0].sql(variant, boolean=boolean)})"
        joiner = " AND " if self.op == "and" else " OR "
        return "(" + joiner.join(arg.sql(variant, boolean=boolean) for arg in self.args) + ")"

    def q(self) -> Q:
        """For the drill-down, where `on_open` is the one column of its period."""
        if self.op == "fact":
            return Q(**{f"f_{self.args[0]}": 1})
        if self.op == "not":
            return ~self.args[0].q()
        left, right = (arg.q() for arg in self.args)
        return left & right if self.op == "and" else left | right

    def facts(self) -> set[str]:
        if self.op == "fact":
            return {self.args[0]}
        return set().union(*(arg.facts() for arg in self.args))


def fact(name: str) -> Cond:
    return Cond("fact", (name,))
