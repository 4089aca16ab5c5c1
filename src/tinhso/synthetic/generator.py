"""The province generator proper: for each day of the period, the dossiers received that day, each
with its whole life — planned, cut at the end of the period, and written as rows.

Per dossier, in order:

1. *Head* (`_heads`): the day's count per stream (online / not online) is fixed in advance; each
   dossier draws its procedure, competent and receiving agency, channel, source and submission
   moment. The day's heads are sorted by submission time, then get their ids and codes (the
   agency's daily numbers are reserved through `DossierSequence`, as intake does).
2. *Plan* (`_plan`): acceptance, refusal or withdrawal at reception; then the ordinary path of the
   pinned workflow to the result, with the detours the dossier draws (supplement requests, a
   financial obligation, an apology and extension, or a refusal, stop or withdrawal) and times in
   office hours from `WorkClock`. Whether it ends on time is chosen first and the times built to
   match: the processing time is a share of the office time the procedure allows (or more, when
   late); with supplements, whose time the rule deducts, the result is checked against the rule
   and the time re-drawn if needed (rarely). Then the return of the result, files, payment,
   rating and feedback.
3. *Replay* (`_render`): the planned steps are applied one by one as `dossiers.services` applies
   them — effect, holder, time allowance of the step, per-step timeliness, the 766 columns — up
   to the end of the period; later steps are dropped, so dossiers filed near the end are still
   open, waiting or overdue. What happened by then is written.

The RNG is one `random.Random(seed)` consumed in a fixed order, so the same seed and arguments
give the same data; ids and dossier numbers come from the database and differ only if it held
other rows before.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.utils.module_loading import import_string

from tinhso.accounts.models import Role, User, UserKind
from tinhso.catalog.workflow import ActionSpec, Effect
from tinhso.core.text import fold
from tinhso.dossiers.feedback import DOSSIER_KINDS
from tinhso.dossiers.models import (
    Attachment,
    Dossier,
    DossierEvent,
    Feedback,
    FeedbackKind,
    FeedbackStatus,
    Rating,
    RatingChannel,
    Source,
    Supplement,
)
from tinhso.payments.models import Payment, PaymentStatus
from tinhso.synthetic import people
from tinhso.synthetic.bulk import NULL, IdBlock, TextTable, duration_text, esc
from tinhso.synthetic.clock import TZ_OFFSET, WorkClock, local_day, midnight
from tinhso.synthetic.mix import Mix, ramp
from tinhso.synthetic.world import AgencyInfo, ProcedureInfo, World, role_for

HOUR = 3600
WALK_DRAWS = 24
DAY = 86400
OFFICE_DAY = 8 * HOUR
RESULT_COMPONENT = "KQ"   # documents.services.RESULT_COMPONENT (documents sits above dossiers)
NATIONAL_PORTAL_ACTOR = "Cổng Dịch vụ công quốc gia"
PORTAL_ACTOR = "Cổng Dịch vụ công của tỉnh"
PAYMENT_ACTOR = "Hệ thống thanh toán"
#: Hourly profile of online filing (0h … 23h). Assumption: office hours and evenings.
ONLINE_HOURS = [0.2, 0.1, 0.1, 0.1, 0.2, 0.5, 1.2, 2.5, 4.0, 4.5, 4.2, 3.0, 2.0, 2.5, 3.5, 3.8, 3.5, 3.0,
                2.2, 2.5, 3.0, 2.5, 1.5, 0.6]

DOSSIER_COLUMNS = [
    "id", "code", "procedure_id", "procedure_version_id", "workflow_id", "state", "status", "channel", "source",
    "receiving_agency_id", "competent_agency_id", "holder_agency_id", "applicant_id", "applicant_name",
    "applicant_name_folded", "applicant_id_number", "applicant_kind", "applicant_phone", "applicant_address",
    "summary", "form_data", "submitted_at", "accepted_at", "due_at", "finished_at", "returned_at",
    "state_entered_at", "state_due_at", "supplement_count", "supplement_requested_at", "supplement_duration",
    "extension_count", "fee_total", "paid_online", "has_digitised_components", "vneid_authenticated",
    "external_id", "event_seq", "created_at", "updated_at",
    # The Decision 766 facts the database's triggers keep from the child rows (dossiers migration
    # 0005), written here too: a load without triggers (`fk_checks=False`) would leave them unset.
    "has_e_result", "has_reused_component", "has_store_component", "has_dislike", "has_complaint",
    "supplement_received_at", "sync_delivered",
]
EVENT_COLUMNS = [
    "dossier_id", "seq", "at", "action", "action_name", "effect", "from_state", "to_state", "status",
    "actor_name", "actor_role", "from_agency_id", "to_agency_id", "state_entered_at", "state_due_at",
    "timeliness", "note", "data",
]
SUPPLEMENT_COLUMNS = ["dossier_id", "requested_at", "content", "due_at_before", "received_at", "answer",
                      "due_at_after"]
ATTACHMENT_COLUMNS = ["dossier_id", "component_code", "name", "storage_path", "size", "content_type", "sha256",
                      "digitised", "reused", "from_citizen_store", "replaced_result_code", "uploaded_by_id",
                      "uploaded_at", "is_result"]
RATING_COLUMNS = ["dossier_id", "satisfied", "criteria", "comment", "rated_at", "rated_by_id", "channel",
                  "is_current", "replaced_at"]
FEEDBACK_COLUMNS = [
    "id", "sender_id", "dossier_id", "kind", "title", "content", "agency_id", "status", "submitted_at",
    "assigned_at", "refuse_due_at", "answer_due_at", "transferred_from_id", "transferred_at", "transfer_note",
    "answer", "answered_at", "refused_at", "published_at", "sender_satisfied", "sender_rated_at", "closed_at",
    "repeat_of_id",
]
PAYMENT_COLUMNS = ["dossier_id", "amount", "description", "status", "gateway", "reference",
                   "gateway_transaction_id", "gateway_response_code", "payer_id", "created_at", "updated_at",
                   "expires_at", "paid_at", "confirmed_via"]
USER_COLUMNS = ["id", "password", "username", "is_active", "date_joined", "kind", "full_name", "personal_id",
                "phone"]

# Reasons officers write (REASON_REQUIRED effects), and what applicants answer.
SUPPLEMENT_NOTES = [
    "Bổ sung bản sao giấy tờ tùy thân còn thời hạn.",
    "Tờ khai còn thiếu chữ ký của người yêu cầu, đề nghị ký bổ sung.",
    "Bổ sung giấy tờ chứng minh nơi cư trú.",
    "Bản vẽ chưa thể hiện đủ kích thước, đề nghị bổ sung bản vẽ có chữ ký của đơn vị thiết kế.",
    "Đề nghị nộp bản chính để đối chiếu.",
]
SUPPLEMENT_ANSWERS = ["Đã nộp bổ sung theo yêu cầu.", "Đã bổ sung giấy tờ tại Bộ phận Một cửa.", ""]
REFUSE_NOTES = [
    "Hồ sơ không thuộc thẩm quyền giải quyết của cơ quan.",
    "Thành phần hồ sơ không đúng quy định, đề nghị nộp lại theo hướng dẫn.",
    "Người yêu cầu không đủ điều kiện theo quy định.",
]
STOP_NOTES = ["Có tranh chấp, khiếu nại liên quan, tạm dừng giải quyết theo quy định.",
              "Người yêu cầu không bổ sung hồ sơ trong thời hạn."]
EXTEND_NOTES = ["Cần xác minh thực tế tại địa phương, xin lỗi và hẹn lại ngày trả kết quả.",
                "Chờ ý kiến của cơ quan phối hợp, xin lỗi ông/bà và hẹn lại ngày trả kết quả."]
FEEDBACK_TEXTS = {
    FeedbackKind.LATE: ("Hồ sơ quá hạn chưa có kết quả", "Hồ sơ của tôi đã quá ngày hẹn trả nhưng chưa có kết quả."),
    FeedbackKind.SETTLEMENT: ("Về kết quả giải quyết hồ sơ", "Đề nghị xem xét lại việc giải quyết hồ sơ của tôi."),
    FeedbackKind.RECEPTION: ("Về việc tiếp nhận hồ sơ", "Tôi được yêu cầu nộp thêm giấy tờ không có trong quy định."),
    FeedbackKind.STAFF: ("Về thái độ của cán bộ", "Cán bộ hướng dẫn chưa rõ ràng, đề nghị chấn chỉnh."),
    FeedbackKind.RULES: ("Kiến nghị về thủ tục hành chính", "Đề nghị đơn giản hóa thành phần hồ sơ của thủ tục."),
}
FEEDBACK_ANSWER = "Cơ quan đã kiểm tra và trả lời ông/bà như sau: hồ sơ đã được xử lý theo quy định."
FEEDBACK_REFUSAL = "Nội dung không thuộc phạm vi xử lý phản ánh, kiến nghị theo quy định."
TRANSFER_NOTE = "Chuyển cơ quan có thẩm quyền xử lý."


def _check_plain(texts) -> None:
    for text in texts:
        if any(ch in text for ch in "\\\t\n\r"):
            raise ValueError(f"needs escaping: {text!r}")


_check_plain(SUPPLEMENT_NOTES + SUPPLEMENT_ANSWERS + REFUSE_NOTES + STOP_NOTES + EXTEND_NOTES
             + [t for pair in FEEDBACK_TEXTS.values() for t in pair] + people.FAMILY + people.MIDDLE
             + people.GIVEN + people.HAMLET_WORDS + people.FIRM_NAMES + people.FIRM_TRADES)


class Times:
    """Epoch seconds → the text forms (COPY timestamp, ISO for JSON), cached per day."""

    def __init__(self):
        self.hms = [f"{h:02d}:{m:02d}:{s:02d}+07:00" for h in range(24) for m in range(60) for s in range(60)]
        self.days: dict[int, str] = {}
        self.isodays: dict[int, str] = {}

    def _day(self, d: int) -> str:
        text = dt.date.fromordinal(d + 719163).isoformat()
        self.isodays[d] = text + "T"
        self.days[d] = text = text + " "
        return text

    def ts(self, t: int) -> str:
        local = t + TZ_OFFSET
        d = local // DAY
        day = self.days.get(d)
        if day is None:
            day = self._day(d)
        return day + self.hms[local - d * DAY]

    def iso(self, t: int) -> str:
        local = t + TZ_OFFSET
        d = local // DAY
        if d not in self.isodays:
            self._day(d)
        return self.isodays[d] + self.hms[local - d * DAY]

    def date(self, t: int) -> dt.date:
        return dt.date.fromordinal(local_day(t))


@dataclass
class Account:
    pk_t: str
    name: str
    id_number: str
    phone: str


@dataclass
class Head:
    sub: int
    proc: ProcedureInfo
    comp: AgencyInfo
    recv: AgencyInfo
    channel: int
    source: str
    frac: float
    pk: int = 0
    pk_t: str = ""
    code: str = ""


class Step:
    """One planned transition: the action, when, in which role, by whom (blank: an official of the
    holding agency), the reason written, and what an extension sets."""

    __slots__ = ("action", "actor", "at", "new_due", "note", "role")

    def __init__(self, action: ActionSpec, at: int, role: str, actor: str = "", note: str = ""):
        self.action, self.at, self.role, self.actor, self.note, self.new_due = action, at, role, actor, note, None


class Draws:
    """Uniforms drawn in advance, so that a re-plan repeats the same choices (cheaper than
    saving and restoring a Random's state); reused cyclically if a long walk runs out."""

    __slots__ = ("i", "u")

    def __init__(self, u: list[float]):
        self.u, self.i = u, 0

    def random(self) -> float:
        i = self.i
        self.i = i + 1
        return self.u[i % len(self.u)]

    def randrange(self, a: int, b: int | None = None) -> int:
        if b is None:
            a, b = 0, a
        return a + int(self.random() * (b - a))

    def choice(self, seq):
        return seq[int(self.random() * len(seq))]

    def expovariate(self, lambd: float) -> float:
        return -math.log(1.0 - self.random()) / lambd


@dataclass
class Intent:
    """What the generator meant for a dossier: on time or late by Decision 766 rule 2.1 at the end
    of the period (None: never accepted), the outcome, and the detours drawn."""

    on_time: bool | None
    outcome: str
    supplements: int = 0
    extended: bool = False
    constructed: bool = True   # chosen and built to match (False: derived for a dossier cut off open)
    stuck: bool = False


@dataclass
class Counters:
    dossiers: int = 0
    online: int = 0
    national_portal: int = 0
    counter: int = 0
    post: int = 0
    accepted: int = 0
    finished: int = 0
    on_time: int = 0
    late: int = 0
    open: int = 0
    refused: int = 0
    withdrawn: int = 0
    stopped: int = 0
    supplements_1: int = 0
    supplements_2: int = 0
    extended: int = 0
    e_results: int = 0
    digitised: int = 0
    reused: int = 0
    vneid: int = 0
    fee_dossiers: int = 0
    paid_online: int = 0
    ratings: int = 0
    satisfied: int = 0
    feedback: int = 0
    replans: int = 0


class Generator:
    def __init__(self, *, world: World, mix: Mix, rng: random.Random, start: dt.date, end: dt.date,
                 cutoff: int, files: dict[str, tuple[str, str, str, str]], keep_intents: bool = False):
        self.world, self.mix, self.rng = world, mix, rng
        self.start, self.end, self.cutoff = start, end, cutoff
        self.times = Times()
        self.files = files    # "scan" / "result" -> (storage path, size, content type, sha256) as text
        self.code_of: Callable = import_string(settings.TINHSO_DOSSIER_CODE)
        self.gateway = esc(settings.TINHSO_PAY_GATEWAY)
        self.pay_minutes = settings.TINHSO_PAY_EXPIRE_MINUTES
        self.tables = {
            "users": TextTable(User, USER_COLUMNS),
            "dossiers": TextTable(Dossier, DOSSIER_COLUMNS),
            "events": TextTable(DossierEvent, EVENT_COLUMNS),
            "supplements": TextTable(Supplement, SUPPLEMENT_COLUMNS),
            "attachments": TextTable(Attachment, ATTACHMENT_COLUMNS),
            "payments": TextTable(Payment, PAYMENT_COLUMNS),
            "ratings": TextTable(Rating, RATING_COLUMNS),
            "feedback": TextTable(Feedback, FEEDBACK_COLUMNS),
        }
        self.ids = {"dossiers": IdBlock(Dossier, ahead=20_000), "feedback": IdBlock(Feedback, ahead=500),
                    "users": IdBlock(User)}
        self.counters = Counters()
        self.intents: dict[str, Intent] | None = {} if keep_intents else None
        self.accounts: list[Account] = []
        self.fold_cache: dict[str, str] = {}
        self.pending_feedback: list[list] = []
        self.min_id: int | None = None
        self.max_id: int | None = None
        self._months = self._month_table()

    # --- the calendar of the period -----------------------------------------------------------

    def _month_table(self) -> list[tuple[int, int]]:
        months, d = [], self.start.replace(day=1)
        while d <= self.end:
            months.append((d.year, d.month))
            d = (d + dt.timedelta(days=32)).replace(day=1)
        return months

    def frac_of(self, day: dt.date) -> float:
        index = self._months.index((day.year, day.month))
        return index / (len(self._months) - 1) if len(self._months) > 1 else 1.0

    def day_counts(self, total: int) -> list[tuple[dt.date, int, int]]:
        """(day, online, not online) for each day of the period, summing to `total`. A month's
        volume grows by `monthly_growth`; within it online filing is spread over every day (less on
        days off), the rest over working days; a month only partly in the period (and the cutoff
        day) gets its part. Largest remainders make the counts whole."""
        mix, cal = self.mix, self.world.agencies[0].clock.cal
        procs = self.world.procedures
        capable = sum(p.weight for p in procs if 2 in p.channels) / sum(p.weight for p in procs)
        cutoff_day = dt.date.fromordinal(local_day(self.cutoff))
        last = min(self.end, cutoff_day)
        cells: list[tuple[dt.date, int, float]] = []
        for index, (year, month) in enumerate(self._months):
            first_day = dt.date(year, month, 1)
            days = [first_day + dt.timedelta(days=i) for i in range(31)
                    if (first_day + dt.timedelta(days=i)).month == month]
            working = {d: cal.is_working_day(d) for d in days}
            online_sum = sum(1.0 if working[d] else mix.online_weekend_factor for d in days)
            offline_sum = sum(1.0 for d in days if working[d]) or 1.0
            s = ramp(mix.online_share, self.frac_of(first_day)) * capable
            volume = (1 + mix.monthly_growth) ** index
            for d in days:
                if d < self.start or d > last:
                    continue
                part = 1.0
                if d == cutoff_day:
                    part = max(0.0, min(1.0, (self.cutoff - midnight(d.toordinal())) / DAY))
                on = (1.0 if working[d] else mix.online_weekend_factor) / online_sum
                off = (1.0 if working[d] else 0.0) / offline_sum
                cells.append((d, 0, volume * s * on * part))
                cells.append((d, 1, volume * (1 - s) * off * part))
        weight = sum(c[2] for c in cells) or 1.0
        exact = [total * c[2] / weight for c in cells]
        counts = [int(x) for x in exact]
        left = total - sum(counts)
        order = sorted(range(len(cells)), key=lambda i: (-(exact[i] - counts[i]), i))
        for i in order[:left]:
            counts[i] += 1
        out: dict[dt.date, list[int]] = {}
        for (day, stream, _w), n in zip(cells, counts, strict=True):
            out.setdefault(day, [0, 0])[stream] = n
        return [(day, on, off) for day, (on, off) in out.items()]

    # --- accounts on the province's portal ----------------------------------------------------

    def accounts_create(self, n: int) -> None:
        """`n` citizen accounts (portal filers), written first; personal ids unique and unused."""
        rng, world = self.rng, self.world
        chosen: dict[str, tuple[str, str]] = {}
        while len(chosen) < n:
            batch = {}
            while len(batch) < min(1000, n - len(chosen)):
                name, female = people.person(rng)
                number = people.personal_id(rng, codes=world.birth_codes, female=female, today=self.end)
                if number not in chosen:
                    batch[number] = (name, people.phone(rng))
            taken = set(User.objects.filter(username__in=list(batch)).values_list("username", flat=True))
            taken |= set(User.objects.filter(personal_id__in=list(batch)).values_list("personal_id", flat=True))
            for number in taken:
                batch.pop(number)
            chosen.update(batch)
        ids = self.ids["users"].take(n)
        joined = self.times.ts(midnight(self.start.toordinal()) - 30 * DAY)
        rows = self.tables["users"].rows
        for pk, (number, (name, phone)) in zip(ids, chosen.items(), strict=True):
            password = "!" + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(40))
            rows.append("\t".join((str(pk), password, number, "t", joined, UserKind.CITIZEN, esc(name), number,
                                   phone)))
            self.accounts.append(Account(pk_t=str(pk), name=name, id_number=number, phone=phone))

    # --- heads --------------------------------------------------------------------------------

    def _cum_tables(self):
        procs = self.world.procedures
        online = [p for p in procs if 2 in p.channels]
        cache = {}

        def offline_for(frac: float):
            key = round(frac, 3)
            if key not in cache:
                s = ramp(self.mix.online_share, frac)
                weights = [p.weight * ((1 - s) if 2 in p.channels else 1.0) for p in procs]
                cache[key] = (procs, _cum(weights))
            return cache[key]

        return (online, _cum([p.weight for p in online])), offline_for

    def heads(self, day: dt.date, n_online: int, n_offline: int) -> list[Head]:
        rng, mix = self.rng, self.mix
        if not hasattr(self, "_online_table"):
            self._online_table, self._offline_for = self._cum_tables()
        frac = self.frac_of(day)
        out = []
        ordinal = day.toordinal()
        day_start = midnight(ordinal)
        limit = min(self.cutoff, day_start + DAY - 1)
        nat_share = ramp(mix.national_portal_share, frac)
        online_procs, online_cum = self._online_table
        for _ in range(n_online):
            proc = online_procs[_pick(online_cum, rng.random())] if online_procs else None
            if proc is None:
                break
            hour = _pick(_HOURS_CUM, rng.random())
            sub = min(day_start + hour * HOUR + rng.randrange(HOUR), limit)
            comp = proc.competent[_pick(proc.competent_cum, rng.random())]
            source = Source.NATIONAL_PORTAL if (rng.random() < nat_share or not self.accounts
                                                or "citizen" not in proc.applicant_kinds) else Source.ONLINE
            out.append(Head(sub=sub, proc=proc, comp=comp, recv=self._receiving(proc, comp, online=True),
                            channel=2, source=source, frac=frac))
        procs, cum = self._offline_for(frac)
        for _ in range(n_offline):
            proc = procs[_pick(cum, rng.random())]
            comp = proc.competent[_pick(proc.competent_cum, rng.random())]
            recv = self._receiving(proc, comp, online=False)
            clock = recv.clock
            k = clock.next_k[ordinal - clock.base]
            if k >= len(clock.day_ord) or clock.day_ord[k] != ordinal:
                continue  # not a working day for this desk (cannot happen with one calendar)
            p = clock.cum[k] + rng.randrange(clock.cum[k + 1] - clock.cum[k])
            sub = min(clock.at(p + 1) - 1, limit)  # +1/-1: never a period's closing second
            if sub < day_start or not clock.in_office(sub):
                continue  # the cutoff falls before this desk opened today
            post = 3 in proc.channels and rng.random() < mix.postal_share
            if 1 not in proc.channels and not post:
                post = 3 in proc.channels
            out.append(Head(sub=sub, proc=proc, comp=comp, recv=recv, channel=3 if post else 1,
                            source=Source.POST if post else Source.COUNTER, frac=frac))
        out.sort(key=lambda h: h.sub)
        return out

    def _receiving(self, proc: ProcedureInfo, comp: AgencyInfo, *, online: bool) -> AgencyInfo:
        rng, world = self.rng, self.world
        if proc.at_commune:
            if not online and world.communes and rng.random() < self.mix.cross_commune_reception:
                return world.communes[_pick(world.communes_cum, rng.random())]
            return comp
        if world.communes and (proc.flow.receiving_works or rng.random() < self.mix.province_dossier_at_commune):
            return world.communes[_pick(world.communes_cum, rng.random())]
        return world.centre or comp

    # --- numbering ----------------------------------------------------------------------------

    def number(self, days: list[tuple[dt.date, list[Head]]]) -> None:
        """Ids, and codes from the agencies' daily numbers (DossierSequence, reserved as intake
        reserves them), for the heads of several days in one round trip each."""
        total = sum(len(heads) for _day, heads in days)
        if not total:
            return
        ids = iter(self.ids["dossiers"].take(total))
        counts: dict[tuple[int, dt.date], int] = {}
        for day, heads in days:
            for h in heads:
                key = (h.recv.pk, day)
                counts[key] = counts.get(key, 0) + 1
        lasts = sequence_reserve(counts)
        nexts = {key: lasts[key] - n + 1 for key, n in counts.items()}
        first = last = None
        for day, heads in days:
            for h in heads:
                pk = next(ids)
                first = pk if first is None else first
                last = pk
                h.pk, h.pk_t = pk, str(pk)
                key = (h.recv.pk, day)
                seq = nexts[key]
                nexts[key] = seq + 1
                h.code = self.code_of(h.recv.obj, day, seq)
        self.min_id = first if self.min_id is None else min(self.min_id, first)
        self.max_id = last if self.max_id is None else max(self.max_id, last)

    # --- one dossier ----------------------------------------------------------------------------

    def dossier(self, h: Head) -> None:
        rng, mix = self.rng, self.mix
        proc = h.proc
        clock = h.comp.clock
        frac = h.frac
        online = h.channel == 2
        counter = not online
        # --- the applicant
        account = None
        kind = "citizen"
        if h.source == Source.ONLINE:
            account = self.accounts[rng.randrange(len(self.accounts))]
            name, id_number, phone = account.name, account.id_number, account.phone
        else:
            kinds = proc.applicant_kinds
            kind = "citizen" if "citizen" in kinds and rng.random() < 0.9 else rng.choice(kinds)
            if kind == "business":
                name, id_number = people.firm_name(rng), people.tax_code(rng)
            elif kind == "foreigner":
                name, id_number = rng.choice(FOREIGN_NAMES), f"{rng.choice('BCN')}{rng.randrange(10 ** 7):07d}"
            else:
                name, female = people.person(rng)
                id_number = people.personal_id(rng, codes=self.world.birth_codes, female=female, today=self.end)
            phone = people.phone(rng)
        folded = self.fold_cache.get(name)
        if folded is None:
            folded = self.fold_cache[name] = esc(fold(name))
        address = f"{people.hamlet(rng)}, {h.comp.place_t if h.comp.is_commune else h.recv.place_t}"
        if h.source == Source.NATIONAL_PORTAL:
            vneid = rng.random() < mix.vneid_national
        elif h.source == Source.ONLINE:
            vneid = rng.random() < ramp(mix.vneid_portal, frac)
        else:
            vneid = False
        actor_applicant = name  # names come from checked word lists: nothing to escape

        # --- payment: decided first, since paying online moves the financial step
        paid_kind, retry = 0, False
        if proc.fee > 0 and online:
            share = ramp(mix.paid_online_national if h.source == Source.NATIONAL_PORTAL else mix.paid_online_portal,
                         frac)
            if rng.random() < share:
                paid_kind = 1 if h.source == Source.NATIONAL_PORTAL else 2
                retry = paid_kind == 2 and rng.random() < mix.payment_retry
        steps, intent, finish = self._plan(h, clock, account is not None, pays_online=bool(paid_kind))
        pay_at = None
        if paid_kind:
            fin_step = next((s for s in steps if s.action.effect == Effect.FINANCIAL_DONE), None)
            if fin_step is not None:
                pay_at = fin_step.at
                fin_step.role = role_for(fin_step.action, "system")
                fin_step.actor = NATIONAL_PORTAL_ACTOR if paid_kind == 1 else PAYMENT_ACTOR
            elif any(s.action.effect == Effect.ACCEPT for s in steps):
                pay_at = h.sub + rng.randrange(60, 900)
        # --- files
        comps = [c for c in proc.components if c[2] or rng.random() < mix.optional_component]
        scanned_at_intake = online or rng.random() < ramp(mix.scanned_at_intake, frac)
        reuse = None
        if online and comps and rng.random() < ramp(mix.online_reuse, frac):
            reuse = ("result" if rng.random() < 0.5 else "store", rng.randrange(len(comps)))
        elif counter and comps and rng.random() < ramp(mix.counter_reuse, frac):
            reuse = ("result", rng.randrange(len(comps)))
        e_result = (intent.outcome == "result" and proc.e_result and rng.random() < ramp(mix.e_result, frac))
        # --- replay up to the cutoff, then write
        self._render(h, steps, intent, account=account, name=name, folded=folded, id_number=id_number,
                     kind=kind, phone=phone, address=address, vneid=vneid, actor_applicant=actor_applicant,
                     comps=comps, scanned_at_intake=scanned_at_intake, reuse=reuse, e_result=e_result,
                     paid_kind=paid_kind, pay_at=pay_at, retry=retry, finish=finish)

    # --- planning -------------------------------------------------------------------------------

    def _plan(self, h: Head, clock: WorkClock, has_account: bool, *, pays_online: bool):
        """The steps after submission (uncut), the intent, and the moment the agency finished."""
        rng, mix = self.rng, self.mix
        flow, proc = h.proc.flow, h.proc
        online = h.channel == 2
        steps: list[Step] = []
        applicant_role = "applicant" if has_account else ("system" if h.source == Source.NATIONAL_PORTAL
                                                          else Role.RECEIVING_OFFICER)
        # --- reception
        r = rng.random()
        if online:
            if flow.start_refuse and r < mix.online_refused_at_reception:
                at = clock.at(clock.pos(h.sub) + self._acceptance_delay())
                steps.append(Step(flow.start_refuse, at, role_for(flow.start_refuse, Role.RECEIVING_OFFICER),
                                  note=rng.choice(REFUSE_NOTES)))
                return steps, Intent(None, "refused_at_reception"), at
            if flow.start_withdraw and r < mix.online_refused_at_reception + mix.online_withdrawn_before_acceptance:
                at = h.sub + rng.randrange(HOUR // 2, 30 * HOUR)
                steps.append(Step(flow.start_withdraw, at, role_for(flow.start_withdraw, applicant_role)))
                return steps, Intent(None, "withdrawn_before_acceptance"), at
            accepted = clock.at(clock.pos(h.sub) + self._acceptance_delay())
        else:
            if flow.start_refuse and r < mix.counter_refused_at_reception:
                at = clock.at(clock.pos(h.sub) + rng.randrange(300, 1800))
                steps.append(Step(flow.start_refuse, at, role_for(flow.start_refuse, Role.RECEIVING_OFFICER),
                                  note=rng.choice(REFUSE_NOTES)))
                return steps, Intent(None, "refused_at_reception"), at
            accepted = h.sub
        steps.append(Step(flow.accept, accepted, role_for(flow.accept, Role.RECEIVING_OFFICER)))
        due = clock.deadline(accepted, proc.amount, proc.unit)
        allowed = max(clock.pos(due) - clock.pos(accepted), 600)

        # --- what happens in processing
        r = rng.random()
        outcome = "result"
        for name, share in (("refused", mix.refused_in_processing), ("stopped", mix.stopped),
                            ("withdrawn", mix.withdrawn_after_acceptance)):
            if r < share:
                outcome = name
                break
            r -= share
        r = rng.random()
        supplements = 2 if r < mix.two_supplements else (1 if r < mix.two_supplements + mix.one_supplement else 0)
        financial = proc.financial and rng.random() < mix.financial_step
        extend = outcome == "result" and rng.random() < mix.extended
        stuck = outcome == "result" and rng.random() < mix.stuck
        late = stuck or supplements >= 2 or (
            outcome == "result" and rng.random() < min(0.5, mix.late * h.comp.late_factor))
        if stuck:
            extend = False
        extension_on_time = rng.random() < mix.extended_then_on_time
        share = 0.1 + 0.87 * rng.random()
        over = 0.05 + rng.expovariate(4.0)
        cut_share = 0.3 + 0.7 * rng.random()
        draws = [rng.random() for _ in range(WALK_DRAWS)]   # the walk's own, replayable on a re-plan

        if outcome != "result" or not (late or extend):
            budget = allowed * share
        elif stuck:
            budget = allowed * (2 + 4 * share) + cut_share * 40 * OFFICE_DAY
        else:
            budget = allowed * (1 + over) + 1800
        walk = None
        for attempt in range(8):
            rnd = Draws(draws)
            walk = self._walk(h, clock, accepted, due, budget, outcome, supplements, financial, extend, cut_share,
                              rnd, applicant_role, pays_online)
            end = walk["end"]
            if extend and walk["ext_step"] is None:
                extend = False
            if extend:
                new_due, on_time = self._extension_due(clock, due, end, extension_on_time and supplements < 2, rnd)
                walk["ext_step"].new_due = new_due
                walk["due"] = new_due
                break
            on_time = supplements < 2 and end <= due
            wanted_late = late and outcome == "result"
            if on_time != wanted_late or supplements >= 2:
                break
            self.counters.replans += 1
            budget = budget * 0.6 if not wanted_late else budget * 1.5 + allowed * 0.3
        steps.extend(walk["steps"])
        on_time = supplements < 2 and walk["end"] <= walk["due"]
        intent = Intent(on_time, walk["outcome"], supplements=walk["supplements"], extended=extend, stuck=stuck)
        return steps, intent, walk["finish"]

    def _acceptance_delay(self) -> int:
        rng, mix = self.rng, self.mix
        if rng.random() < mix.acceptance_late_share:
            return int(OFFICE_DAY + rng.expovariate(1 / OFFICE_DAY))
        return int(min(rng.expovariate(1 / (mix.acceptance_mean_hours * HOUR)), OFFICE_DAY - 60)) + 60

    def _walk(self, h: Head, clock: WorkClock, accepted: int, due: int, budget: float, outcome: str,
              supplements: int, financial: bool, extend: bool, cut_share: float, rnd: Draws,
              applicant_role: str, pays_online: bool) -> dict:
        """Follow the ordinary path from acceptance, spending `budget` office seconds, with the
        detours asked for. Returns the steps, the end of processing after the supplement deduction
        (rule 5), the finishing moment, and the extension step (its new date is set by the caller)."""
        flow = h.proc.flow
        online = h.channel == 2
        state = flow.post_accept
        pos = clock.pos(accepted)
        remaining = float(budget)
        paused = 0
        steps: list[Step] = []
        cut_effect = {"refused": Effect.REFUSE, "stopped": Effect.STOP, "withdrawn": Effect.WITHDRAW}.get(outcome)
        ext_step = None
        finish = None
        done_supplements = 0
        pos_due = clock.pos(due)
        for _guard in range(40):
            if state not in flow.work_next:
                break
            info = flow.states[state]
            effects = flow.effects[state]
            path = flow.path_weight.get(state) or info.weight
            allot = remaining * info.weight / path if path else remaining
            if cut_effect is not None and cut_effect in effects:
                action = effects[cut_effect]
                use = allot * cut_share
                at = clock.at(pos + int(use) + 60)
                role = role_for(action, applicant_role if cut_effect == Effect.WITHDRAW else Role.LEADER)
                note = rnd.choice(REFUSE_NOTES if cut_effect == Effect.REFUSE else STOP_NOTES) \
                    if cut_effect in (Effect.REFUSE, Effect.STOP) else ""
                steps.append(Step(action, at, role, note=note))
                finish = at
                break
            if done_supplements < supplements and Effect.SUPPLEMENT_REQUEST in effects:
                request = effects[Effect.SUPPLEMENT_REQUEST]
                use = allot * (0.2 + 0.7 * rnd.random())
                pos += int(use) + 60
                remaining -= use
                requested = clock.at(pos)
                steps.append(Step(request, requested, role_for(request, Role.SPECIALIST),
                                  note=rnd.choice(SUPPLEMENT_NOTES)))
                receive = flow.effects[request.to].get(Effect.SUPPLEMENT_RECEIVED)
                if receive is None:
                    break
                wait = int((1 + rnd.expovariate(1 / self.mix.supplement_mean_days)) * DAY) + rnd.randrange(HOUR)
                received = requested + wait
                if not online:
                    received = clock.at(clock.pos(received) + rnd.randrange(2 * HOUR))
                steps.append(Step(receive, received, role_for(receive, "applicant" if applicant_role == "applicant"
                                                              else (applicant_role if online else
                                                                    Role.RECEIVING_OFFICER)),
                                  note=rnd.choice(SUPPLEMENT_ANSWERS)))
                paused += received - requested
                done_supplements += 1
                state = receive.to
                pos = clock.pos(received)
                continue
            if financial and Effect.FINANCIAL_REQUEST in effects:
                request = effects[Effect.FINANCIAL_REQUEST]
                use = allot * (0.3 + 0.5 * rnd.random())
                pos += int(use) + 60
                remaining -= use
                requested = clock.at(pos)
                steps.append(Step(request, requested, role_for(request, Role.SPECIALIST)))
                done = flow.effects[request.to].get(Effect.FINANCIAL_DONE)
                if done is None:
                    break
                if pays_online:
                    paid = requested + HOUR + int(rnd.random() * 2 * DAY)
                else:
                    paid = clock.at(clock.pos(requested) + OFFICE_DAY // 2 + int(rnd.random() * 2 * OFFICE_DAY))
                steps.append(Step(done, paid, role_for(done, Role.RECEIVING_OFFICER)))
                financial = False
                state = done.to
                pos = clock.pos(paid)
                continue
            if extend and ext_step is None and Effect.EXTEND in effects and (
                    pos + allot >= pos_due or not flow.extend_later.get(state)):
                action = effects[Effect.EXTEND]
                lo, hi = pos + 60, pos + max(int(allot) - 60, 120)
                at_pos = min(max(pos_due - 1800 - int(rnd.random() * 4 * HOUR), lo), hi)
                ext_step = Step(action, clock.at(at_pos), role_for(action, Role.LEADER),
                                note=rnd.choice(EXTEND_NOTES))
                steps.append(ext_step)
            action = flow.work_next[state]
            pos += int(allot) + 60
            remaining -= allot
            at = clock.at(pos)
            steps.append(Step(action, at, role_for(action, Role.SPECIALIST)))
            state = action.to
            if action.effect == Effect.RESULT_ISSUED:
                finish = at
                break
        if finish is None:  # the path ended without a result (should not happen): close it as processed
            finish = steps[-1].at if steps else accepted
        real_outcome = outcome if cut_effect is not None and steps and steps[-1].action.effect == cut_effect else "result"
        if real_outcome == "result" and state in flow.work_next:
            back = flow.work_next[state]
            if back.effect == Effect.RESULT_RETURNED:
                steps.append(self._return_step(h, clock, back, finish, rnd))
        return {"steps": steps, "end": finish - paused, "finish": finish, "due": due, "ext_step": ext_step,
                "outcome": real_outcome, "supplements": done_supplements}

    def _return_step(self, h: Head, clock: WorkClock, action: ActionSpec, finish: int, rnd: Draws) -> Step:
        if h.channel == 2 and h.proc.e_result and rnd.random() < 0.8:
            return Step(action, finish + 60 + rnd.randrange(1200), role_for(action, "system"))
        if rnd.random() < self.mix.uncollected:
            return Step(action, self.cutoff + 400 * DAY, role_for(action, Role.RESULT_CLERK))  # never (cut)
        delay = int(rnd.random() * self.mix.collection_days * OFFICE_DAY) + 300
        return Step(action, clock.at(clock.pos(finish) + delay), role_for(action, Role.RESULT_CLERK))

    def _extension_due(self, clock: WorkClock, due: int, end: int, on_time: bool, rnd: Draws
                       ) -> tuple[int, bool]:
        """The new appointment of an apology: at or after the end for an on-time outcome, before it
        otherwise (when there is a working day between the old date and the end)."""
        k_due = clock.day_index(due - 1)
        k_end = clock.day_index(clock.close_on_or_after(end) - 1)
        if not on_time and k_end - k_due >= 2:
            return clock.close(k_due + 1 + rnd.randrange(k_end - k_due - 1)), False
        return clock.close(max(k_end, k_due + 1) + rnd.randrange(3)), True

    # --- replay and rows ------------------------------------------------------------------------

    def _render(self, h: Head, steps: list[Step], intent: Intent, *, account: Account | None, name: str,
                folded: str, id_number: str, kind: str, phone: str, address: str, vneid: bool,
                actor_applicant: str, comps, scanned_at_intake: bool, reuse, e_result: bool, paid_kind: int,
                pay_at: int | None, retry: bool, finish: int) -> None:
        t, rng, cutoff, c = self.times, self.rng, self.cutoff, self.counters
        proc, flow = h.proc, h.proc.flow
        recv, comp = h.recv, h.comp
        clock = comp.clock
        ts = t.ts
        pk_t = h.pk_t
        events = self.tables["events"].rows
        code_t = h.code
        # --- the submission
        state = flow.start
        sinfo = flow.states[state]
        holder = recv if sinfo.holder == "receiving" else comp
        entered = h.sub
        state_due = self._state_due(sinfo, entered, None, None, holder)
        files_now = len(comps) if scanned_at_intake else 0
        submit_role = {Source.NATIONAL_PORTAL: "system", Source.ONLINE: "applicant"}.get(h.source, Role.RECEIVING_OFFICER)
        submit_actor = (NATIONAL_PORTAL_ACTOR if h.source == Source.NATIONAL_PORTAL else actor_applicant
                        if h.source == Source.ONLINE else self._actor(Role.RECEIVING_OFFICER, holder, "", h))
        sub_t = entered_t = ts(h.sub)
        state_due_t = ts(state_due) if state_due is not None else NULL
        events.append("\t".join((
            pk_t, "1", sub_t, "nop_ho_so", "Nộp hồ sơ", "submit", "", flow.states[state].code_t, "1",
            submit_actor, submit_role, NULL, holder.pk_t, NULL, NULL, "",
            "", f'{{"source":"{h.source}","channel":{h.channel},"files":{files_now}}}')))
        seq = 1
        status = sinfo.status
        accepted = due = finished = returned = sup_req = None
        accepted_t = due_t = finished_t = returned_t = sup_req_t = NULL
        sup_count = ext_count = 0
        sup_duration = 0
        digitised = False
        scanned = scanned_at_intake
        supplements: list[list] = []
        last_at = h.sub
        kept_steps = 0
        for step in steps:
            at = step.at
            if at > cutoff:
                break
            action = step.action
            effect = action.effect
            target = flow.states[action.to]
            at_t = ts(at)
            data = ""
            if effect == Effect.ACCEPT:
                accepted, accepted_t = at, at_t
                due = clock.deadline(at, proc.amount, proc.unit)
                due_t = ts(due)
                data = f'{{"due_at":"{t.iso(due)}"}}'
            elif effect == Effect.SUPPLEMENT_REQUEST:
                sup_count += 1
                sup_req, sup_req_t = at, at_t
                supplements.append([at, step.note, due, None, "", None])
                data = f'{{"supplement_number":{sup_count}}}'
            elif effect == Effect.SUPPLEMENT_RECEIVED:
                open_request = supplements[-1] if supplements and supplements[-1][3] is None else None
                if open_request is not None:
                    paused = at - open_request[0]
                    sup_duration += paused
                    open_request[3] = at
                    open_request[4] = step.note
                    open_request[5] = due + sup_duration if due is not None else None
                    data = f'{{"paused_seconds":{paused}}}'
                sup_req, sup_req_t = None, NULL
            elif effect == Effect.EXTEND:
                new_due = step.new_due
                data = f'{{"previous_due_at":"{t.iso(due)}","new_due_at":"{t.iso(new_due)}"}}'
                due, due_t = new_due, ts(new_due)
                ext_count += 1
            elif effect in _FINISHING:
                if finished is None:
                    finished, finished_t = at, at_t
            elif effect == Effect.RESULT_RETURNED:
                returned, returned_t = at, at_t
                if finished is None:
                    finished, finished_t = at, at_t
            if effect in _GIVING_UP:
                sup_req, sup_req_t = None, NULL
            # Documents scanned late: by the specialist, before the document gate lets the dossier on.
            if (not scanned and sinfo.gated and effect not in _GATE_EXEMPT):
                scanned = True
                data = f'{{"files":{len(comps)}}}' if not data else data[:-1] + f',"files":{len(comps)}}}'
                scan_at = at
            new_holder = recv if target.holder == "receiving" else comp
            actor = step.actor or self._actor(step.role, holder, actor_applicant, h)
            timeliness = _timeliness(at, state_due)
            seq += 1
            events.append("\t".join((
                pk_t, str(seq), at_t, action.code, _ACTION_NAMES.get(id(action)) or _action_name(action),
                effect, sinfo.code_t, target.code_t, "2" if effect == Effect.ACCEPT else target.status_t,
                actor, step.role, holder.pk_t, new_holder.pk_t, entered_t, state_due_t, timeliness, step.note,
                data or "{}")))
            state, sinfo, holder, entered, entered_t = action.to, target, new_holder, at, at_t
            status = target.status
            state_due = self._state_due(sinfo, at, accepted, due, holder)
            state_due_t = ts(state_due) if state_due is not None else NULL
            last_at = at
            kept_steps += 1
        open_ = not sinfo.terminal

        # --- the dossier row
        rows_dossier = self.tables["dossiers"].rows
        fee_t = str(proc.fee)
        paid_online = paid_kind if (pay_at is not None and pay_at <= cutoff) else 0
        # --- attachments
        attachments = self.tables["attachments"].rows
        scan = self.files["scan"]
        uploader = account.pk_t if account is not None and h.channel == 2 else NULL
        has_reused = has_store = has_e_result = False
        if comps and scanned:
            upload_at = sub_t if scanned_at_intake else ts(scan_at)
            for i, (ccode, fname, _req) in enumerate(comps):
                dig = "t" if h.channel != 2 else "f"
                reused = store = "f"
                replaced = ""
                if reuse is not None and reuse[1] == i:
                    if reuse[0] == "result":
                        dig, reused = "t", "t"
                        store = "t" if h.channel == 2 else "f"
                        replaced = f"KQ-{h.recv.code}-{t.date(h.sub - DAY * (30 + rng.randrange(300))):%y%m%d}-" \
                                   f"{1 + rng.randrange(40):04d}"
                    else:
                        reused, store = "t", "t"
                if dig == "t":
                    digitised = True
                has_reused = has_reused or reused == "t"
                has_store = has_store or store == "t"
                attachments.append("\t".join((pk_t, ccode, fname, scan[0], scan[1], scan[2], scan[3], dig, reused,
                                              store, replaced, uploader, upload_at, "f")))
            if reuse is not None:
                c.reused += 1
        if e_result and finished is not None and intent.outcome == "result" and finished <= cutoff \
                and status in (9, 10):
            result = self.files["result"]
            issued = max(finish - 60 - rng.randrange(600), accepted or h.sub)
            attachments.append("\t".join((pk_t, RESULT_COMPONENT, f"{proc.result_name} KQ-{code_t}.pdf", result[0],
                                          result[1], result[2], result[3], "f", "f", "f", "", NULL, ts(issued), "t")))
            c.e_results += 1
            has_e_result = True
        # --- supplements
        sup_rows = self.tables["supplements"].rows
        received_first = min((s[3] for s in supplements if s[3] is not None), default=None)
        for requested, note, before, received, answer, after in supplements:
            sup_rows.append("\t".join((pk_t, ts(requested), note, ts(before) if before else NULL,
                                       ts(received) if received is not None else NULL, answer,
                                       ts(after) if after is not None else NULL)))
        # --- payments through the province's gateway
        if paid_kind == 2 and pay_at is not None and pay_at <= cutoff:
            pay_rows = self.tables["payments"].rows
            description = f"Thanh toán phí, lệ phí hồ sơ {code_t}"
            if retry:
                created = pay_at - 1800 - rng.randrange(3600)
                ref = f"{t.date(created):%y%m%d}{rng.getrandbits(80):020X}"
                pay_rows.append("\t".join((pk_t, fee_t, description, rng.choice(("failed", "expired")), self.gateway,
                                           ref, "", "24" if rng.random() < 0.5 else "", uploader, ts(created),
                                           ts(created + 60 * self.pay_minutes), ts(created + 60 * self.pay_minutes),
                                           NULL, "")))
            created = pay_at - 60 - rng.randrange(420)
            ref = f"{t.date(created):%y%m%d}{rng.getrandbits(80):020X}"
            pay_rows.append("\t".join((pk_t, fee_t, description, PaymentStatus.PAID, self.gateway, ref,
                                       str(10 ** 7 + rng.randrange(9 * 10 ** 7)), "00", uploader, ts(created), ts(pay_at),
                                       ts(created + 60 * self.pay_minutes), ts(pay_at), "ipn")))

        # --- rating and feedback
        final_status = status
        disliked = complained = False
        if final_status in (3, 8, 9, 10) and accepted is not None:
            disliked = self._rating(h, account, intent, finished if finished is not None else last_at, returned)
        if account is not None and accepted is not None:
            complained = self._feedback(h, account, intent, accepted, due, finished)
        if self.accounts and rng.random() < self.mix.feedback_general_per_1000 / 1000:
            self._general_feedback(h, self.accounts[rng.randrange(len(self.accounts))])
        rows_dossier.append("\t".join((
            pk_t, code_t, proc.pk_t, proc.version_t, flow.pk_t, sinfo.code_t, str(status), str(h.channel), h.source,
            recv.pk_t, comp.pk_t, holder.pk_t, account.pk_t if account is not None else NULL, name, folded,
            id_number, kind, phone, address, proc.summary_t, proc.form_t, sub_t, accepted_t, due_t, finished_t,
            returned_t, entered_t, state_due_t, str(sup_count), sup_req_t, duration_text(sup_duration),
            str(ext_count), fee_t, str(paid_online), "t" if digitised else "f", "t" if vneid else "f",
            code_t if h.source == Source.NATIONAL_PORTAL else "", str(seq), sub_t, entered_t,
            "t" if has_e_result else "f", "t" if has_reused else "f", "t" if has_store else "f",
            "t" if disliked else "f", "t" if complained else "f",
            ts(received_first) if received_first is not None else NULL, "f")))

        # --- counters and intent
        c.dossiers += 1
        if h.channel == 2:
            c.online += 1
            if h.source == Source.NATIONAL_PORTAL:
                c.national_portal += 1
        elif h.channel == 3:
            c.post += 1
        else:
            c.counter += 1
        if vneid:
            c.vneid += 1
        if digitised:
            c.digitised += 1
        if proc.fee > 0:
            c.fee_dossiers += 1
            if paid_online:
                c.paid_online += 1
        if accepted is not None:
            c.accepted += 1
        if sup_count == 1:
            c.supplements_1 += 1
        elif sup_count >= 2:
            c.supplements_2 += 1
        if ext_count:
            c.extended += 1
        if status == 3:
            c.refused += 1
        elif status == 7:
            c.withdrawn += 1
        elif status == 8:
            c.stopped += 1
        if open_:
            c.open += 1
        final = self._final_intent(intent, accepted=accepted, due=due, finished=finished, sup_count=sup_count,
                                   sup_req=sup_req, sup_duration=sup_duration, complete=kept_steps == len(steps))
        if final.on_time is True:
            c.on_time += 1
        elif final.on_time is False:
            c.late += 1
        if finished is not None and accepted is not None:
            c.finished += 1
        if self.intents is not None:
            self.intents[h.code] = final

    def _final_intent(self, intent: Intent, *, accepted, due, finished, sup_count, sup_req, sup_duration,
                      complete: bool) -> Intent:
        """The planned intent, or — for a dossier the period's end cut before its end of
        processing — what rule 2.1 says at the end of the period (rules 3, 4 and 7)."""
        if accepted is None:
            done = complete or finished is not None
            return Intent(None, intent.outcome if done else "open", 0, False, constructed=done)
        if complete or finished is not None:
            return intent
        if sup_count >= 2:
            on_time = False
        elif sup_req is not None:
            on_time = sup_req - sup_duration <= due
        else:
            on_time = self.cutoff - sup_duration <= due
        return Intent(on_time, "open", sup_count, intent.extended, constructed=False, stuck=intent.stuck)

    def _state_due(self, sinfo, entered: int, accepted: int | None, due: int | None, holder: AgencyInfo
                   ) -> int | None:
        """dossiers.services._state_due: a fixed allowance, or a share of the procedure's time."""
        allowance = sinfo.allowance
        if allowance is None:
            return None
        clock = holder.clock
        if allowance[0] == "fixed":
            return clock.deadline(entered, allowance[1], allowance[2])
        start = accepted if accepted is not None else entered
        return None if due is None else clock.at(
            clock.pos(entered) + round((clock.pos(due) - clock.pos(start)) * allowance[1]))

    def _actor(self, role: str, holder: AgencyInfo, applicant: str, h: Head) -> str:
        if role == "applicant":
            return applicant
        if role == "system":
            return NATIONAL_PORTAL_ACTOR if h.source == Source.NATIONAL_PORTAL else PORTAL_ACTOR
        names = holder.staff.get(role) or holder.staff[Role.SPECIALIST]
        return names[int(self.rng.random() * len(names))]

    # --- satisfaction ---------------------------------------------------------------------------

    def _rating(self, h: Head, account: Account | None, intent: Intent, finished: int,
                returned: int | None) -> bool:
        """Queue the dossier's rating(s), if any; True when the current one is "not satisfied"."""
        rng, mix, t = self.rng, self.mix, self.times
        if h.source == Source.ONLINE:
            share, channel, rated_at = mix.rated_portal, RatingChannel.PORTAL, finished + rng.randrange(5 * DAY)
        elif h.source == Source.NATIONAL_PORTAL:
            share, channel, rated_at = mix.rated_national, RatingChannel.NATIONAL_PORTAL, finished + rng.randrange(5 * DAY)
        else:
            share, channel = mix.rated_counter, RatingChannel.COUNTER
            rated_at = (returned if returned is not None else finished) + 30 + rng.randrange(300)
        if rng.random() >= share or rated_at > self.cutoff:
            return False
        satisfied = rng.random() < (mix.satisfied_on_time if intent.on_time is not False else mix.satisfied_late)
        rows = self.tables["ratings"].rows
        rater = account.pk_t if channel == RatingChannel.PORTAL and account is not None else NULL
        criteria = "{}"
        if channel == RatingChannel.PORTAL and rng.random() < 0.5:
            overall = "hai_long" if satisfied else "khong_hai_long"
            promised = "dung_hen" if intent.on_time is not False else "tre_hen"
            criteria = f'{{"tong_the":"{overall}","dung_hen":"{promised}"}}'
        if channel == RatingChannel.PORTAL and rng.random() < mix.rating_changed:
            changed_at = rated_at + HOUR + rng.randrange(2 * DAY)
            if changed_at <= self.cutoff:
                rows.append("\t".join((h.pk_t, "f" if satisfied else "t", "{}", "", t.ts(rated_at), rater, channel,
                                       "f", t.ts(changed_at))))
                rated_at = changed_at
        rows.append("\t".join((h.pk_t, "t" if satisfied else "f", criteria, "", t.ts(rated_at), rater, channel,
                               "t", NULL)))
        self.counters.ratings += 1
        if satisfied:
            self.counters.satisfied += 1
        return not satisfied

    def _feedback(self, h: Head, account: Account, intent: Intent, accepted: int, due: int | None,
                  finished: int | None) -> bool:
        """Queue PAKN about the dossier, if any; True when one of DOSSIER_KINDS was written."""
        rng, mix = self.rng, self.mix
        late = intent.on_time is False
        if rng.random() >= (mix.feedback_late if late else mix.feedback_other):
            return False
        r = rng.random()
        if late:
            kind = FeedbackKind.LATE if r < 0.6 else (FeedbackKind.SETTLEMENT if r < 0.9 else FeedbackKind.STAFF)
            submitted = (due or accepted) + HOUR + rng.randrange(5 * DAY)
        else:
            kind = FeedbackKind.SETTLEMENT if r < 0.4 else (FeedbackKind.RECEPTION if r < 0.7 else FeedbackKind.STAFF)
            submitted = accepted + rng.randrange(max((finished or accepted) - accepted, HOUR) + 3 * DAY)
        agency = h.recv if kind == FeedbackKind.RECEPTION else h.comp
        first = self._feedback_row(account, h, kind, agency, submitted)
        if first is not None and rng.random() < mix.feedback_repeated:
            self._feedback_row(account, h, kind, agency, submitted + 7 * DAY + rng.randrange(7 * DAY), repeat_of=first)
        return first is not None and kind in DOSSIER_KINDS

    def _general_feedback(self, h: Head, account: Account) -> None:
        rng, world = self.rng, self.world
        target = world.committee or world.centre or h.comp
        submitted = h.sub + rng.randrange(DAY)
        transfer = (world.committee is not None and world.departments and rng.random() < self.mix.feedback_transferred)
        to = world.departments[rng.randrange(len(world.departments))] if transfer else None
        self._feedback_row(account, None, FeedbackKind.RULES, target, submitted, transfer_to=to)

    def _feedback_row(self, account: Account, h: Head | None, kind: str, agency: AgencyInfo, submitted: int,
                      repeat_of: list | None = None, transfer_to: AgencyInfo | None = None) -> list | None:
        """Queue one PAKN (ids are given per day, since a repeat names the first)."""
        rng, mix = self.rng, self.mix
        if submitted > self.cutoff:
            return None
        clock = agency.clock
        transferred_from = transferred_at = None
        assigned = submitted
        if transfer_to is not None:
            transferred_from, transferred_at = agency, clock.at(clock.pos(submitted) + HOUR + rng.randrange(OFFICE_DAY))
            if transferred_at > self.cutoff:
                transferred_from = transferred_at = None
            else:
                agency, assigned = transfer_to, transferred_at
                clock = agency.clock
        k0 = clock.day_index(assigned)
        refuse_due, answer_due = clock.close(k0 + 2), clock.close(k0 + 15)
        r = rng.random()
        refused_at = answered_at = None
        if r < mix.feedback_refused:
            refused_at = clock.at(clock.pos(assigned) + HOUR + rng.randrange(2 * OFFICE_DAY - HOUR))
        elif r < mix.feedback_refused + mix.feedback_overdue:
            answered_at = clock.at(clock.pos(answer_due) + HOUR + rng.randrange(5 * OFFICE_DAY))
        else:
            answered_at = clock.at(clock.pos(assigned) + OFFICE_DAY // 2 + rng.randrange(14 * OFFICE_DAY))
        status = FeedbackStatus.RECEIVED
        if refused_at is not None and refused_at <= self.cutoff:
            status = FeedbackStatus.REFUSED
        elif answered_at is not None and answered_at <= self.cutoff:
            status = FeedbackStatus.ANSWERED
        else:
            refused_at = answered_at = None
        done_at = refused_at or answered_at
        published = answered_at if answered_at is not None and rng.random() < mix.feedback_published else None
        satisfied = rated = None
        if done_at is not None and rng.random() < mix.feedback_reacted:
            rated = done_at + HOUR + rng.randrange(3 * DAY)
            if rated <= self.cutoff:
                satisfied = rng.random() < mix.feedback_satisfied
                status = FeedbackStatus.CLOSED
            else:
                rated = None
        title, content = FEEDBACK_TEXTS[kind]
        row = [account, h, kind, title, content, agency, status, submitted, assigned, refuse_due, answer_due,
               transferred_from, transferred_at, refused_at, answered_at, published, satisfied, rated, repeat_of]
        self.pending_feedback.append(row)
        return row

    def feedback_flush(self) -> None:
        """Ids for the day's PAKN, then their rows (a repeat names the first's id)."""
        pending, self.pending_feedback = self.pending_feedback, []
        if not pending:
            return
        ids = self.ids["feedback"].take(len(pending))
        ts = self.times.ts
        rows = self.tables["feedback"].rows
        for row, pk in zip(pending, ids, strict=True):
            row.append(pk)
        for (account, h, kind, title, content, agency, status, submitted, assigned, refuse_due, answer_due,
             transferred_from, transferred_at, refused_at, answered_at, published, satisfied, rated, repeat_of,
             pk) in pending:
            answer = FEEDBACK_REFUSAL if refused_at is not None else (FEEDBACK_ANSWER if answered_at else "")
            rows.append("\t".join((
                str(pk), account.pk_t, h.pk_t if h is not None else NULL, kind, title, content, agency.pk_t, status,
                ts(submitted), ts(assigned), ts(refuse_due), ts(answer_due),
                transferred_from.pk_t if transferred_from is not None else NULL,
                ts(transferred_at) if transferred_at is not None else NULL,
                TRANSFER_NOTE if transferred_from is not None else "", answer,
                ts(answered_at) if answered_at is not None else NULL,
                ts(refused_at) if refused_at is not None else NULL,
                ts(published) if published is not None else NULL,
                NULL if satisfied is None else ("t" if satisfied else "f"),
                ts(rated) if rated is not None else NULL, ts(rated) if rated is not None else NULL,
                str(repeat_of[-1]) if repeat_of is not None else NULL)))
            self.counters.feedback += 1


FOREIGN_NAMES = ["John Smith", "Kim Min Jun", "Tanaka Hiroshi", "Li Wei", "Maria Garcia", "Somchai Srisuk"]
_GATE_EXEMPT = frozenset({Effect.REFUSE, Effect.STOP, Effect.WITHDRAW, Effect.SUPPLEMENT_REQUEST, Effect.EXTEND})
_GIVING_UP = frozenset({Effect.REFUSE, Effect.STOP, Effect.WITHDRAW})
_FINISHING = frozenset({Effect.REFUSE, Effect.STOP, Effect.WITHDRAW, Effect.RESULT_ISSUED})
_ACTION_NAMES: dict[int, str] = {}
_HOURS_CUM: list[float] = []


def _action_name(action: ActionSpec) -> str:
    name = _ACTION_NAMES[id(action)] = esc(str(action.name)[:120])
    return name


def _cum(weights: list[float]) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


_HOURS_CUM.extend(_cum(ONLINE_HOURS))


def _pick(cum: list[float], u: float) -> int:
    """Index drawn from cumulative weights `cum` with a uniform `u` in [0, 1)."""
    import bisect

    return min(bisect.bisect_right(cum, u * cum[-1]), len(cum) - 1)


def _timeliness(at: int, due: int | None) -> str:
    """dossiers.rules.timeliness on epoch seconds."""
    if due is None:
        return ""
    if at > due:
        return "late"
    if (at + TZ_OFFSET) // DAY < (due + TZ_OFFSET) // DAY:
        return "early"
    return "on_time"


def sequence_reserve(counts: dict[tuple[int, dt.date], int]) -> dict[tuple[int, dt.date], int]:
    """Reserve `counts[(agency, day)]` numbers in DossierSequence, as dossiers.codes.sequence_next
    does one at a time (the same upsert, so a concurrent intake queues on the row and gets the
    next number); returns the last number of each block."""
    rows = sorted(counts.items())
    values = ", ".join(["(%s, %s, %s)"] * len(rows))
    params = [v for (agency, day), n in rows for v in (agency, day, n)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO dossiers_dossiersequence (agency_id, day, last) VALUES {values} "
            "ON CONFLICT (agency_id, day) DO UPDATE SET last = dossiers_dossiersequence.last + excluded.last "
            "RETURNING agency_id, day, last", params)
        out = {}
        for agency, day, last in cursor.fetchall():
            if not isinstance(day, dt.date):  # SQLite returns the text
                day = dt.date.fromisoformat(day)
            out[(agency, day)] = last
        return out


__all__ = ["Counters", "Generator", "Intent"]
