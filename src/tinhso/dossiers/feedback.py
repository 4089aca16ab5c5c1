"""Satisfaction ratings and feedback (phản ánh, kiến nghị — PAKN): writes and reads.

What Decision 766 group 5 reads from them (regulations.md §4.2):
- 5.2 PAKN processed on time: refused ≤ 2 working days after submission or transfer; processed
  (answered) ≤ 15 working days; answer published ≤ 2 working days / PAKN received or processed in
  the period.
- 5.3 Satisfaction with PAKN handling: (PAKN − those the sender disliked − overdue − repeated) /
  PAKN first received in the period.
- 5.4 Satisfaction with TTHC: 100 % − (overdue dossier rate + rate of dossiers with a PAKN about
  reception, settlement or lateness, or a "not satisfied" rating).
`feedback_counts_by_agency` and `dossier_satisfaction_by_agency` give these counts per agency in one
SQL statement each; the KPI engine turns them into ratios and points.

Rules chosen where the texts are silent (docs/decisions.md): a dossier can be rated once the
agency has given its final answer (status 3, 8, 9 or 10), by the applicant's account only; the
rating can be changed for TINHSO_RATING_CHANGE_DAYS days after the first one, the replaced rating is
kept; a PAKN about a dossier names one of the sender's own dossiers; it is handled by the
receiving agency (about reception) or the competent agency (anything else about the dossier), or
by the agency the sender chose, or else by the province's People's Committee, which transfers it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, Count, Exists, F, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tinhso.accounts.models import Role, User
from tinhso.accounts.selectors import user_roles
from tinhso.core.audit import audit_record
from tinhso.core.calendar import calendar_for
from tinhso.core.models import Agency, AgencyKind
from tinhso.dossiers.errors import Conflict, Forbidden, InvalidInput, NotFound
from tinhso.dossiers.models import (
    Dossier,
    Feedback,
    FeedbackKind,
    FeedbackStatus,
    Rating,
    RatingChannel,
    Status,
)

#: A dossier can be rated once the agency has given its final answer: the result (9 Đã xử lý xong,
#: 10 Đã trả kết quả), a refusal (3) or a stop notice (8). Withdrawal (7) is the applicant's own act.
RATABLE_STATUSES = frozenset({Status.REFUSED, Status.STOPPED, Status.PROCESSED, Status.RETURNED})

#: Working days the handling agency has (Decision 766 indicator 5.2, regulations.md §4.2).
REFUSE_WORKING_DAYS = 2
ANSWER_WORKING_DAYS = 15

#: PAKN kinds that are about one dossier's handling (counted per dossier by indicator 5.4).
DOSSIER_KINDS = frozenset({FeedbackKind.RECEPTION, FeedbackKind.SETTLEMENT, FeedbackKind.LATE})
#: Indicator 5.1's two classes.
RULES_KINDS = frozenset({FeedbackKind.RULES, FeedbackKind.RECEPTION, FeedbackKind.SETTLEMENT, FeedbackKind.LATE})
STAFF_KINDS = frozenset({FeedbackKind.STAFF})

#: Official roles that may answer, refuse or transfer a PAKN of their agency. Any role other than a
#: connected system's may read the agency's PAKN list.
ANSWER_ROLES = frozenset({Role.LEADER, Role.SPECIALIST, Role.RECEIVING_OFFICER})

TITLE_MAX = 200
TEXT_MAX = 5000
COMMENT_MAX = 2000

# --- The 12 rating criteria ---------------------------------------------------------------------

SATISFACTION = (
    ("hai_long", gettext_lazy("Hài lòng")),
    ("binh_thuong", gettext_lazy("Bình thường")),
    ("khong_hai_long", gettext_lazy("Không hài lòng")),
)


@dataclass(frozen=True)
class Criterion:
    code: str
    question: Any
    options: tuple[tuple[str, Any], ...]


#: The 12 criteria of the satisfaction form observed on Thừa Thiên Huế's public-service portal
#: (regulations.md §9), each answered optionally. Where a criterion counts something (contacts,
#: agencies) or compares with the rules, its options say so instead of a satisfaction scale.
RATING_CRITERIA: tuple[Criterion, ...] = (
    Criterion("tong_the", gettext_lazy("Mức độ hài lòng chung về việc giải quyết hồ sơ"), SATISFACTION),
    Criterion("thuan_tien", gettext_lazy("Sự thuận tiện khi nộp hồ sơ, nhận kết quả"), SATISFACTION),
    Criterion("dung_hen", gettext_lazy("Kết quả được trả so với ngày hẹn"), (
        ("som_hon", gettext_lazy("Sớm hơn ngày hẹn")), ("dung_hen", gettext_lazy("Đúng ngày hẹn")),
        ("tre_hen", gettext_lazy("Trễ hơn ngày hẹn")))),
    Criterion("thai_do", gettext_lazy("Thái độ của cán bộ, công chức"), SATISFACTION),
    Criterion("thoi_gian", gettext_lazy("Thời gian giải quyết so với thời hạn quy định"), (
        ("nhanh_hon", gettext_lazy("Nhanh hơn quy định")), ("dung", gettext_lazy("Đúng quy định")),
        ("cham_hon", gettext_lazy("Chậm hơn quy định")))),
    Criterion("dung_quy_dinh", gettext_lazy("Giấy tờ, phí, lệ phí phải nộp so với quy định"), (
        ("dung", gettext_lazy("Đúng như quy định")),
        ("them", gettext_lazy("Phải nộp thêm ngoài quy định")))),
    Criterion("so_lan_lien_he", gettext_lazy("Số lần phải liên hệ để hoàn thành hồ sơ"), (
        ("mot", gettext_lazy("1 lần")), ("hai", gettext_lazy("2 lần")), ("ba_tro_len", gettext_lazy("3 lần trở lên")))),
    Criterion("so_co_quan", gettext_lazy("Số cơ quan phải liên hệ"), (
        ("mot", gettext_lazy("1 cơ quan")), ("hai", gettext_lazy("2 cơ quan")),
        ("ba_tro_len", gettext_lazy("3 cơ quan trở lên")))),
    Criterion("mot_cua", gettext_lazy("Cách tổ chức tiếp nhận, trả kết quả tại bộ phận một cửa"), SATISFACTION),
    Criterion("cong_khai", gettext_lazy("Việc công khai thủ tục hành chính"), SATISFACTION),
    Criterion("phan_anh", gettext_lazy("Việc tiếp nhận, xử lý phản ánh, kiến nghị"), SATISFACTION),
    Criterion("truc_tuyen", gettext_lazy("Tiến độ, chất lượng dịch vụ công trực tuyến"), SATISFACTION),
)
CRITERIA_BY_CODE = {c.code: c for c in RATING_CRITERIA}


# --- Ratings ------------------------------------------------------------------------------------

def applicant_dossier(actor: User | None, code: str, *, lock: bool = False) -> Dossier:
    """The dossier `code` if `actor` filed it; "not found" for everyone else, whether or not it
    exists (codes cannot be probed)."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise NotFound(_("Không tìm thấy hồ sơ."))
    qs = Dossier.objects.filter(code=(code or "").strip().upper(), applicant=actor)
    if lock:
        qs = qs.select_for_update(of=("self",))
    dossier = qs.only("id", "code", "status", "applicant_id", "receiving_agency_id", "competent_agency_id").first()
    if dossier is None:
        raise NotFound(_("Không tìm thấy hồ sơ."))
    return dossier


def rating_ratable(dossier: Dossier) -> bool:
    return dossier.status in RATABLE_STATUSES


def _clean_criteria(criteria: dict[str, str] | None) -> dict[str, str]:
    cleaned, problems = {}, []
    for code, value in (criteria or {}).items():
        criterion = CRITERIA_BY_CODE.get(code)
        if criterion is None:
            problems.append({"field": f"criteria.{code}", "message": _("Tiêu chí không tồn tại.")})
        elif value in ("", None):
            continue  # every criterion is optional
        elif value not in {v for v, _label in criterion.options}:
            problems.append({"field": f"criteria.{code}", "message": _("Chọn một trong các mức đánh giá đã cho.")})
        else:
            cleaned[code] = value
    if problems:
        raise InvalidInput(_("Đánh giá theo tiêu chí chưa hợp lệ."), details=problems)
    return cleaned


def rating_submit(
    *,
    actor: User | None,
    code: str,
    satisfied: bool,
    criteria: dict[str, str] | None = None,
    comment: str = "",
    channel: str = RatingChannel.PORTAL,
) -> tuple[Rating, bool]:
    """Record the applicant's rating of dossier `code`. Returns (current rating, created).

    - Only the applicant's account; anyone else gets "not found" (404).
    - Only once the agency has given its final answer (RATABLE_STATUSES): otherwise 409.
    - The same rating again (a double submit) returns the current one unchanged (created False).
    - A different rating within TINHSO_RATING_CHANGE_DAYS days of the first replaces the current
      one; the replaced row is kept. Later, the rating is final (409).
    """
    comment = (comment or "").strip()
    cleaned = _clean_criteria(criteria)
    if len(comment) > COMMENT_MAX:
        raise InvalidInput(_("Ý kiến dài quá %(n)d ký tự.") % {"n": COMMENT_MAX},
                           details=[{"field": "comment", "message": _("Ý kiến dài quá %(n)d ký tự.") % {"n": COMMENT_MAX}}])
    if channel not in RatingChannel.values:
        raise InvalidInput(_("Kênh đánh giá không hợp lệ."), details=[{"field": "channel", "message": _("Kênh không hợp lệ.")}])
    now = timezone.now()
    with transaction.atomic():
        # The dossier row is locked so that two first ratings sent at once cannot both be current.
        dossier = applicant_dossier(actor, code, lock=True)
        if not rating_ratable(dossier):
            raise Conflict(_("Hồ sơ %(code)s chưa có kết quả giải quyết nên chưa thể đánh giá.") % {"code": dossier.code},
                           code="not_ratable_yet")
        current = Rating.objects.filter(dossier=dossier, is_current=True).first()
        if current is not None:
            if (current.satisfied, current.criteria, current.comment) == (bool(satisfied), cleaned, comment):
                return current, False
            first = Rating.objects.filter(dossier=dossier).order_by("rated_at").values_list("rated_at", flat=True)[0]
            if now > first + dt.timedelta(days=settings.TINHSO_RATING_CHANGE_DAYS):
                raise Conflict(_("Đã quá %(n)d ngày kể từ lần đánh giá đầu tiên nên không thể thay đổi đánh giá.")
                               % {"n": settings.TINHSO_RATING_CHANGE_DAYS}, code="rating_final")
            Rating.objects.filter(pk=current.pk).update(is_current=False, replaced_at=now)
        rating = Rating.objects.create(dossier=dossier, satisfied=bool(satisfied), criteria=cleaned, comment=comment,
                                       rated_at=now, rated_by=actor, channel=channel)
    return rating, True


def rating_current(dossier: Dossier) -> Rating | None:
    return Rating.objects.filter(dossier=dossier, is_current=True).first()


def rating_change_until(dossier: Dossier) -> dt.datetime | None:
    """Until when the applicant may still change the rating (None: not rated yet)."""
    first = Rating.objects.filter(dossier=dossier).order_by("rated_at").values_list("rated_at", flat=True).first()
    return first + dt.timedelta(days=settings.TINHSO_RATING_CHANGE_DAYS) if first else None


# --- Feedback: writes ---------------------------------------------------------------------------

def _province_committee() -> Agency | None:
    today = timezone.localdate()
    return (Agency.objects.filter(kind=AgencyKind.PROVINCE_PEOPLES_COMMITTEE)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=today)).order_by("code").first())


def feedback_agencies() -> QuerySet[Agency]:
    """Agencies a sender may address a PAKN to: those in force today."""
    today = timezone.localdate()
    return (Agency.objects.filter(Q(valid_to__isnull=True) | Q(valid_to__gt=today))
            .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=today)).order_by("name"))


def _dues(agency: Agency, start: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    cal = calendar_for(agency=agency)
    return cal.add_working_days(start, REFUSE_WORKING_DAYS), cal.add_working_days(start, ANSWER_WORKING_DAYS)


def feedback_submit(
    *,
    actor: User | None,
    kind: str,
    title: str,
    content: str,
    dossier_code: str = "",
    agency: Agency | None = None,
    idempotency_key: str | None = None,
) -> tuple[Feedback, bool]:
    """A citizen's or business's PAKN. Returns (feedback, created); the same idempotency key
    again returns the first one. Officials cannot send PAKN (they would judge their own work)."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise Forbidden(_("Cần đăng nhập để gửi phản ánh, kiến nghị."))
    if actor.is_official:
        raise Forbidden(_("Tài khoản cán bộ không gửi phản ánh, kiến nghị trên cổng này."))
    if idempotency_key:
        earlier = Feedback.objects.filter(idempotency_key=idempotency_key, sender=actor).first()
        if earlier is not None:
            return earlier, False
    title, content, code = (title or "").strip(), (content or "").strip(), (dossier_code or "").strip().upper()
    problems = []
    if kind not in FeedbackKind.values:
        problems.append({"field": "kind", "message": _("Chọn nội dung phản ánh về việc gì.")})
    if not title:
        problems.append({"field": "title", "message": _("Nhập tiêu đề phản ánh.")})
    elif len(title) > TITLE_MAX:
        problems.append({"field": "title", "message": _("Tiêu đề dài quá %(n)d ký tự.") % {"n": TITLE_MAX}})
    if not content:
        problems.append({"field": "content", "message": _("Nhập nội dung phản ánh.")})
    elif len(content) > TEXT_MAX:
        problems.append({"field": "content", "message": _("Nội dung dài quá %(n)d ký tự.") % {"n": TEXT_MAX}})
    dossier = None
    if code:
        dossier = Dossier.objects.filter(code=code, applicant=actor).only(
            "id", "code", "receiving_agency_id", "competent_agency_id").first()
        if dossier is None:
            problems.append({"field": "dossier", "message": _("Không tìm thấy hồ sơ mang mã này trong các hồ sơ của bạn.")})
    elif kind in DOSSIER_KINDS:
        problems.append({"field": "dossier", "message": _("Nhập mã hồ sơ mà bạn phản ánh.")})
    if problems:
        raise InvalidInput(_("Phản ánh, kiến nghị có thông tin chưa hợp lệ."), details=problems)
    if dossier is not None:
        agency = Agency.objects.get(pk=dossier.receiving_agency_id if kind == FeedbackKind.RECEPTION
                                    else dossier.competent_agency_id)
    elif agency is None:
        agency = _province_committee()
        if agency is None:
            raise InvalidInput(_("Chọn cơ quan nhận phản ánh."),
                               details=[{"field": "agency", "message": _("Chọn cơ quan nhận phản ánh.")}])
    now = timezone.now()
    refuse_due, answer_due = _dues(agency, now)
    repeat_of = None
    if dossier is not None:
        # The sender has had to come back about the same dossier: a repeated PAKN (indicator 5.3).
        repeat_of = Feedback.objects.filter(sender=actor, dossier=dossier).order_by("-submitted_at", "-pk").first()
    try:
        with transaction.atomic():
            feedback = Feedback.objects.create(
                sender=actor, dossier=dossier, kind=kind, title=title, content=content, agency=agency,
                submitted_at=now, assigned_at=now, refuse_due_at=refuse_due, answer_due_at=answer_due,
                repeat_of=repeat_of, idempotency_key=idempotency_key or None)
    except IntegrityError:
        earlier = Feedback.objects.filter(idempotency_key=idempotency_key, sender=actor).first() if idempotency_key else None
        if earlier is None:
            raise
        return earlier, False
    return feedback, True


def _answerable(actor: User | None, feedback_id: int) -> tuple[Feedback, set[str]]:
    """The PAKN locked for an official of its handling agency, with the roles held there. Not
    found for anyone without a role there (an official of another agency included)."""
    feedback = Feedback.objects.select_for_update(of=("self",)).filter(pk=feedback_id).first()
    roles = _roles_at(actor, feedback.agency_id) if feedback is not None else set()
    if feedback is None or not roles:
        raise NotFound(_("Không tìm thấy phản ánh, kiến nghị."))
    if not roles & ANSWER_ROLES:
        raise Forbidden(_("Vai trò của bạn không được trả lời phản ánh, kiến nghị."))
    return feedback, roles


def _roles_at(user: User | None, agency_id: int) -> set[str]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active or not user.is_official:
        return set()
    return set(user_roles(user).filter(agency_id=agency_id).exclude(role=Role.INTEGRATION)
               .values_list("role", flat=True))


def _must_be_open(feedback: Feedback) -> None:
    if feedback.status != FeedbackStatus.RECEIVED:
        raise Conflict(_("Phản ánh này đã được xử lý (%(status)s).") % {"status": feedback.get_status_display()},
                       code="feedback_handled")


def _required_text(value: str, field: str, missing: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(missing, details=[{"field": field, "message": missing}])
    if len(text) > TEXT_MAX:
        message = _("Nội dung dài quá %(n)d ký tự.") % {"n": TEXT_MAX}
        raise InvalidInput(message, details=[{"field": field, "message": message}])
    return text


def feedback_answer(*, actor: User | None, feedback_id: int, answer: str, publish: bool = False) -> Feedback:
    """The handling agency's answer. Publishing (công khai) happens with the answer, so indicator
    5.2's "published within 2 working days" is met whenever the answer is published. The same
    answer sent twice (a double submit) is recorded once."""
    text = _required_text(answer, "answer", _("Nhập nội dung trả lời."))
    with transaction.atomic():
        feedback, _roles = _answerable(actor, feedback_id)
        if feedback.status == FeedbackStatus.ANSWERED and feedback.answer == text and feedback.answered_by_id == actor.pk:
            return feedback
        _must_be_open(feedback)
        now = timezone.now()
        feedback.status, feedback.answer, feedback.answered_at, feedback.answered_by = (
            FeedbackStatus.ANSWERED, text, now, actor)
        feedback.published_at = now if publish else None
        feedback.save(update_fields=["status", "answer", "answered_at", "answered_by", "published_at"])
    return feedback


def feedback_refuse(*, actor: User | None, feedback_id: int, reason: str) -> Feedback:
    """Not taken up (outside the agency's competence, no content, …), with the reason given to the
    sender; on time within 2 working days of submission or transfer."""
    text = _required_text(reason, "reason", _("Nhập lý do không thụ lý."))
    with transaction.atomic():
        feedback, _roles = _answerable(actor, feedback_id)
        if feedback.status == FeedbackStatus.REFUSED and feedback.answer == text:
            return feedback
        _must_be_open(feedback)
        now = timezone.now()
        feedback.status, feedback.answer, feedback.refused_at, feedback.answered_by = (
            FeedbackStatus.REFUSED, text, now, actor)
        feedback.save(update_fields=["status", "answer", "refused_at", "answered_by"])
    return feedback


def feedback_transfer(*, actor: User | None, feedback_id: int, to_agency: Agency, note: str) -> Feedback:
    """Hand the PAKN to the competent agency. Its clock starts again there (indicator 5.2 counts
    from submission or transfer)."""
    text = _required_text(note, "note", _("Nhập lý do chuyển."))
    with transaction.atomic():
        feedback, _roles = _answerable(actor, feedback_id)
        _must_be_open(feedback)
        if to_agency.pk == feedback.agency_id:
            raise InvalidInput(_("Chọn một cơ quan khác."),
                               details=[{"field": "to_agency", "message": _("Phản ánh đang ở cơ quan này.")}])
        now = timezone.now()
        feedback.transferred_from_id = feedback.agency_id
        feedback.agency = to_agency
        feedback.transferred_at = feedback.assigned_at = now
        feedback.transfer_note = text
        feedback.refuse_due_at, feedback.answer_due_at = _dues(to_agency, now)
        feedback.save(update_fields=["transferred_from", "agency", "transferred_at", "assigned_at", "transfer_note",
                                     "refuse_due_at", "answer_due_at"])
    return feedback


def feedback_react(*, actor: User | None, feedback_id: int, satisfied: bool) -> Feedback:
    """The sender's verdict on the handling (indicator 5.3's like / dislike); it closes the PAKN.
    The same verdict again is a no-op; a different one after closing is refused."""
    with transaction.atomic():
        feedback = Feedback.objects.select_for_update().filter(pk=feedback_id, sender=actor).first() \
            if actor is not None and getattr(actor, "is_authenticated", False) else None
        if feedback is None:
            raise NotFound(_("Không tìm thấy phản ánh, kiến nghị."))
        if feedback.status == FeedbackStatus.CLOSED:
            if feedback.sender_satisfied == bool(satisfied):
                return feedback
            raise Conflict(_("Bạn đã đánh giá kết quả xử lý phản ánh này."), code="feedback_closed")
        if feedback.status not in (FeedbackStatus.ANSWERED, FeedbackStatus.REFUSED):
            raise Conflict(_("Phản ánh chưa được trả lời."), code="feedback_not_answered")
        now = timezone.now()
        feedback.sender_satisfied, feedback.sender_rated_at = bool(satisfied), now
        feedback.status, feedback.closed_at = FeedbackStatus.CLOSED, now
        feedback.save(update_fields=["sender_satisfied", "sender_rated_at", "status", "closed_at"])
    return feedback


# --- Feedback: reads ----------------------------------------------------------------------------

def feedback_of_sender(user: User) -> QuerySet[Feedback]:
    if not getattr(user, "is_authenticated", False):
        return Feedback.objects.none()
    return Feedback.objects.filter(sender=user).select_related("agency", "dossier")


def feedback_agency_ids(user: User) -> list[int]:
    """Agencies whose PAKN `user` may read (any role other than a connected system's)."""
    if not getattr(user, "is_authenticated", False) or not user.is_official:
        return []
    return list(user_roles(user).exclude(role=Role.INTEGRATION).values_list("agency_id", flat=True).distinct())


def feedback_for_agency(user: User, agency: Agency, *, status: str | None = None) -> QuerySet[Feedback]:
    """The PAKN an agency handles, for an official with a role there: open ones first, nearest due."""
    if agency.pk not in feedback_agency_ids(user):
        return Feedback.objects.none()
    qs = Feedback.objects.filter(agency=agency).select_related("sender", "dossier")
    if status:
        qs = qs.filter(status=status)
    still_open = Case(When(status=FeedbackStatus.RECEIVED, then=Value(0)), default=Value(1))
    return qs.order_by(still_open, "answer_due_at", "pk")


def feedback_get_for_official(user: User, feedback_id: int, *, ip: str = "", audit: bool = True) -> Feedback | None:
    """One PAKN if `user` has a role at its handling agency; the read (the sender's personal data)
    is audited."""
    feedback = (Feedback.objects.filter(pk=feedback_id, agency_id__in=feedback_agency_ids(user))
                .select_related("sender", "dossier", "agency", "transferred_from", "answered_by", "repeat_of").first())
    if feedback is not None and audit:
        audit_record(action="feedback.viewed", actor=user, object_type="feedback", object_id=feedback.pk, ip=ip)
    return feedback


def feedback_may_answer(user: User, feedback: Feedback) -> bool:
    return bool(_roles_at(user, feedback.agency_id) & ANSWER_ROLES)


# --- Counts for the Decision 766 indicators 5.1–5.4 -------------------------------------------

@dataclass(frozen=True)
class FeedbackCounts:
    """Counts of one agency's PAKN for a period [start, end), measured at `end`.

    - `received`: first received in the period (5.3's denominator; `assigned_at` for transfers is
      not a new PAKN);
    - `due`: received or handled (answered, refused) in the period (5.2's denominator);
    - `on_time`: of `due`, handled within its limit, or still open and within it at `end` (5.2);
    - `overdue`: of `due`, the others;
    - `disliked`, `repeated`, `received_overdue`: of `received`, the sender was not satisfied /
      it repeats an earlier PAKN / it is overdue at `end`;
    - `satisfactory`: `received` minus the union of the three (5.3's numerator: a PAKN both
      overdue and disliked is taken away once);
    - `about_rules`, `about_staff`: of `received`, the two classes of 5.1.
    """

    received: int = 0
    due: int = 0
    on_time: int = 0
    overdue: int = 0
    disliked: int = 0
    repeated: int = 0
    received_overdue: int = 0
    satisfactory: int = 0
    about_rules: int = 0
    about_staff: int = 0


def _handled_on_time(end: dt.datetime) -> Q:
    return (Q(refused_at__lt=end, refused_at__lte=F("refuse_due_at"))
            | Q(answered_at__lt=end, answered_at__lte=F("answer_due_at")))


def _overdue_at(end: dt.datetime) -> Q:
    """Late at `end`: handled after its limit before `end`, or still open at `end` past the answer limit."""
    handled_before_end = Q(refused_at__lt=end) | Q(answered_at__lt=end)
    return (handled_before_end & ~_handled_on_time(end)) | (~handled_before_end & Q(answer_due_at__lt=end))


def feedback_counts_by_agency(*, start: dt.datetime, end: dt.datetime,
                              agency_ids: list[int] | None = None) -> dict[int, FeedbackCounts]:
    """{agency id: FeedbackCounts} for the period [start, end): one SQL statement, grouped by the
    handling agency. Agencies without PAKN are absent (the KPI engine gives 5.2 and 5.3 full
    points when there is no PAKN)."""
    received = Q(submitted_at__gte=start, submitted_at__lt=end)
    handled = Q(answered_at__gte=start, answered_at__lt=end) | Q(refused_at__gte=start, refused_at__lt=end)
    due = received | handled
    overdue = _overdue_at(end)
    disliked = Q(sender_satisfied=False, sender_rated_at__lt=end)
    repeated = Q(repeat_of__isnull=False)
    qs = Feedback.objects.filter(due)
    if agency_ids is not None:
        qs = qs.filter(agency_id__in=agency_ids)
    rows = qs.values("agency_id").annotate(
        n_received=Count("pk", filter=received),
        n_due=Count("pk"),
        n_overdue=Count("pk", filter=overdue),
        n_disliked=Count("pk", filter=received & disliked),
        n_repeated=Count("pk", filter=received & repeated),
        n_received_overdue=Count("pk", filter=received & overdue),
        n_satisfactory=Count("pk", filter=received & ~(disliked | repeated | overdue)),
        n_rules=Count("pk", filter=received & Q(kind__in=RULES_KINDS)),
        n_staff=Count("pk", filter=received & Q(kind__in=STAFF_KINDS)),
    ).order_by()
    return {r["agency_id"]: FeedbackCounts(
        received=r["n_received"], due=r["n_due"], on_time=r["n_due"] - r["n_overdue"], overdue=r["n_overdue"],
        disliked=r["n_disliked"], repeated=r["n_repeated"], received_overdue=r["n_received_overdue"],
        satisfactory=r["n_satisfactory"], about_rules=r["n_rules"], about_staff=r["n_staff"]) for r in rows}


@dataclass(frozen=True)
class DossierSatisfaction:
    """Counts of one agency's dossiers finished in a period, for indicator 5.4 (the overdue part
    comes from the on-time rule, dossiers.rules):

    - `dossiers`: finished (NgayKetThucXuLy) in the period;
    - `rated`, `not_satisfied`: with a current rating / a current "not satisfied" one;
    - `with_feedback`: with a PAKN about its reception, settlement or lateness sent before `end`;
    - `dissatisfied`: the union of the two (5.4's "dossiers with PAKN or a dislike").
    """

    dossiers: int = 0
    rated: int = 0
    not_satisfied: int = 0
    with_feedback: int = 0
    dissatisfied: int = 0


def dossier_satisfaction_by_agency(*, start: dt.datetime, end: dt.datetime, agency_ids: list[int] | None = None,
                                   by: str = "competent_agency") -> dict[int, DossierSatisfaction]:
    """{agency id: DossierSatisfaction} over the dossiers finished in [start, end), grouped by the
    competent agency (`by="receiving_agency"` for the receiving one): one SQL statement with two
    EXISTS subqueries, never the dossiers in Python."""
    rated = Exists(Rating.objects.filter(dossier=OuterRef("pk"), is_current=True))
    disliked = Exists(Rating.objects.filter(dossier=OuterRef("pk"), is_current=True, satisfied=False))
    complained = Exists(Feedback.objects.filter(dossier=OuterRef("pk"), kind__in=DOSSIER_KINDS,
                                                submitted_at__lt=end))
    qs = Dossier.objects.filter(finished_at__gte=start, finished_at__lt=end)
    if agency_ids is not None:
        qs = qs.filter(**{f"{by}_id__in": agency_ids})
    rows = (qs.annotate(_rated=rated, _disliked=disliked, _complained=complained)
            .values(f"{by}_id")
            .annotate(n=Count("pk"), n_rated=Count("pk", filter=Q(_rated=True)),
                      n_disliked=Count("pk", filter=Q(_disliked=True)),
                      n_complained=Count("pk", filter=Q(_complained=True)),
                      n_either=Count("pk", filter=Q(_disliked=True) | Q(_complained=True)))
            .order_by())
    return {r[f"{by}_id"]: DossierSatisfaction(
        dossiers=r["n"], rated=r["n_rated"], not_satisfied=r["n_disliked"], with_feedback=r["n_complained"],
        dissatisfied=r["n_either"]) for r in rows}
