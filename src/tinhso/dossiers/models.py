"""Dossiers (hồ sơ TTHC): the one-stop lifecycle, the control slip, attachments, the outbox.

A dossier carries, as plain columns, every field the national sync and the Decision 766 formulas
read (regulations.md §2.2, §2.3, §7): status code 1–10, channel 1–3, NgayTiepNhan (accepted_at),
NgayHenTra (due_at), NgayKetThucXuLy (finished_at), NgayTra (returned_at), the supplement count
and the supplement time to deduct, the digitisation and payment flags. The workflow position is
one column (`state`) of the pinned workflow version; the history is the append-only
`DossierEvent` rows, which are the control slip (phiếu kiểm soát quá trình giải quyết hồ sơ).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tinhso.catalog.models import Channel, Procedure, ProcedureVersion, WorkflowDefinition
from tinhso.core.models import Agency


class Status(models.IntegerChoices):
    """TrangThaiHoSo of the national portal (regulations.md §2.2)."""

    SUBMITTED = 1, _("Mới đăng ký")
    ACCEPTED = 2, _("Được tiếp nhận")
    REFUSED = 3, _("Không được tiếp nhận")
    IN_PROGRESS = 4, _("Đang xử lý")
    SUPPLEMENT_REQUESTED = 5, _("Yêu cầu bổ sung giấy tờ")
    FINANCIAL_REQUESTED = 6, _("Yêu cầu thực hiện nghĩa vụ tài chính")
    WITHDRAWN = 7, _("Công dân yêu cầu rút hồ sơ")
    STOPPED = 8, _("Dừng xử lý")
    PROCESSED = 9, _("Đã xử lý xong")
    RETURNED = 10, _("Đã trả kết quả")


class Timeliness(models.TextChoices):
    EARLY = "early", _("Trước hạn")
    ON_TIME = "on_time", _("Đúng hạn")
    LATE = "late", _("Quá hạn")


class Source(models.TextChoices):
    COUNTER = "counter", _("Tại quầy")
    POST = "post", _("Qua bưu chính")
    ONLINE = "online", _("Trực tuyến trên tinhso")
    NATIONAL_PORTAL = "dvcqg", _("Từ Cổng Dịch vụ công quốc gia")


class Dossier(models.Model):
    code = models.CharField(_("mã hồ sơ"), max_length=40, unique=True)
    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="dossiers")
    procedure_version = models.ForeignKey(ProcedureVersion, on_delete=models.PROTECT, related_name="dossiers")
    workflow = models.ForeignKey(WorkflowDefinition, on_delete=models.PROTECT, related_name="dossiers")
    state = models.CharField(_("bước xử lý"), max_length=60)
    status = models.PositiveSmallIntegerField(_("trạng thái"), choices=Status.choices, default=Status.SUBMITTED)
    channel = models.PositiveSmallIntegerField(_("kênh thực hiện"), choices=Channel.choices)
    source = models.CharField(_("nguồn tiếp nhận"), max_length=10, choices=Source.choices)

    # Reception regardless of administrative boundary (Decree 118/2025): who received the dossier
    # is not who decides it; `holder_agency` is whose inbox it is in now.
    receiving_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="dossiers_received",
                                         verbose_name=_("cơ quan tiếp nhận"))
    competent_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="dossiers_competent",
                                         verbose_name=_("cơ quan có thẩm quyền"))
    holder_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="dossiers_held",
                                      verbose_name=_("cơ quan đang xử lý"))
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="dossiers_assigned", verbose_name=_("người được giao"))

    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="dossiers", verbose_name=_("tài khoản người nộp"))
    applicant_name = models.CharField(_("chủ hồ sơ"), max_length=200)
    applicant_name_folded = models.CharField(max_length=200, editable=False, db_index=True)
    applicant_id_number = models.CharField(_("số giấy tờ của chủ hồ sơ"), max_length=20, db_index=True)
    applicant_kind = models.CharField(_("loại đối tượng"), max_length=12, default="citizen")
    applicant_phone = models.CharField(_("số điện thoại"), max_length=20, blank=True)
    applicant_email = models.EmailField(_("thư điện tử"), blank=True)
    applicant_address = models.CharField(_("địa chỉ"), max_length=300, blank=True)
    summary = models.CharField(_("trích yếu"), max_length=500, blank=True)
    form_data = models.JSONField(_("nội dung tờ khai"), default=dict, blank=True)

    submitted_at = models.DateTimeField(_("ngày nộp"))
    accepted_at = models.DateTimeField(_("ngày tiếp nhận"), null=True, blank=True)
    due_at = models.DateTimeField(_("ngày hẹn trả"), null=True, blank=True)
    finished_at = models.DateTimeField(_("ngày kết thúc xử lý"), null=True, blank=True)
    returned_at = models.DateTimeField(_("ngày trả kết quả"), null=True, blank=True)
    state_entered_at = models.DateTimeField(_("vào bước hiện tại lúc"))
    state_due_at = models.DateTimeField(_("hạn của bước hiện tại"), null=True, blank=True)

    supplement_count = models.PositiveSmallIntegerField(_("số lần yêu cầu bổ sung"), default=0)
    supplement_requested_at = models.DateTimeField(_("đang chờ bổ sung từ"), null=True, blank=True)
    supplement_duration = models.DurationField(_("thời gian công dân bổ sung"), default=dt.timedelta)
    extension_count = models.PositiveSmallIntegerField(_("số lần gia hạn"), default=0)

    fee_total = models.PositiveIntegerField(_("tổng phí, lệ phí (đồng)"), default=0)
    paid_online = models.PositiveSmallIntegerField(
        _("thanh toán trực tuyến"), default=0,
        help_text=_("DuocThanhToanTrucTuyen: 0 không, 1 qua Cổng DVCQG, 2 qua cổng thanh toán của tỉnh."),
    )
    has_digitised_components = models.BooleanField(_("có thành phần được số hóa"), default=False)
    vneid_authenticated = models.BooleanField(_("tài khoản xác thực VNeID"), default=False)
    # What the Decision 766 indicators read from the dossier's files, ratings, PAKN, supplements and
    # outbox (regulations.md §4.2: 3.3/4.1 e-result, 4.4 reuse, 4.5 citizen store, 5.4 dislike or
    # PAKN, 2.1 the supplement's completion, 1.4 synced), kept on the row by database triggers in the
    # statement that writes the child row (migration 0005), so that the engine's pass is one scan.
    has_e_result = models.BooleanField(_("có kết quả điện tử"), default=False, editable=False)
    has_reused_component = models.BooleanField(_("có thành phần tái sử dụng"), default=False, editable=False)
    has_store_component = models.BooleanField(_("có thành phần lấy từ kho dữ liệu"), default=False, editable=False)
    has_dislike = models.BooleanField(_("bị đánh giá không hài lòng"), default=False, editable=False)
    has_complaint = models.BooleanField(_("có phản ánh, kiến nghị về hồ sơ"), default=False, editable=False)
    supplement_received_at = models.DateTimeField(_("công dân bổ sung lần đầu lúc"), null=True, blank=True,
                                                  editable=False)
    sync_delivered = models.BooleanField(_("đã đồng bộ lên Cổng DVCQG"), default=False, editable=False)

    external_id = models.CharField(_("mã trên hệ thống nguồn"), max_length=60, blank=True)
    idempotency_key = models.CharField(max_length=80, null=True, blank=True, unique=True)
    event_seq = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("hồ sơ")
        verbose_name_plural = _("hồ sơ")
        ordering = ["-submitted_at"]
        indexes = [
            # The officer inbox: an agency's open dossiers, by deadline of the current step.
            models.Index(fields=["holder_agency", "state", "state_due_at"], name="dossier_inbox"),
            models.Index(fields=["assignee", "state_due_at"], name="dossier_assignee"),
            models.Index(fields=["holder_agency", "status", "due_at"], name="dossier_holder_status"),
            # The register (sổ theo dõi) of a receiving agency over a period.
            models.Index(fields=["receiving_agency", "submitted_at"], name="dossier_register"),
            models.Index(fields=["competent_agency", "accepted_at"], name="dossier_competent"),
            models.Index(fields=["applicant", "submitted_at"], name="dossier_applicant"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__gte=1) & Q(status__lte=10), name="dossier_status_code"),
            models.CheckConstraint(condition=Q(channel__gte=1) & Q(channel__lte=3), name="dossier_channel_code"),
            models.CheckConstraint(condition=Q(due_at__isnull=True) | Q(accepted_at__isnull=False),
                                   name="dossier_due_after_acceptance"),
        ]

    def __str__(self) -> str:
        return self.code

    def save(self, *args, **kwargs):
        from tinhso.core.text import fold

        self.applicant_name_folded = fold(self.applicant_name)
        super().save(*args, **kwargs)


class DossierEvent(models.Model):
    """One step of the dossier: an append-only row, a line of the control slip.

    `state_entered_at` / `state_due_at` describe the step being left: how long the holder had and
    whether they handed over early, on time or late (the per-step status of the control slip).
    """

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveIntegerField()
    at = models.DateTimeField()
    action = models.CharField(max_length=60)
    action_name = models.CharField(max_length=120)
    effect = models.CharField(max_length=30, default="none")
    from_state = models.CharField(max_length=60, blank=True)
    to_state = models.CharField(max_length=60)
    status = models.PositiveSmallIntegerField(choices=Status.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")
    actor_name = models.CharField(max_length=150, blank=True)
    actor_role = models.CharField(max_length=20, blank=True)
    from_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    to_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    to_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    state_entered_at = models.DateTimeField(null=True, blank=True)
    state_due_at = models.DateTimeField(null=True, blank=True)
    timeliness = models.CharField(max_length=8, choices=Timeliness.choices, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    idempotency_key = models.CharField(max_length=80, null=True, blank=True)

    class Meta:
        verbose_name = _("bước xử lý hồ sơ")
        verbose_name_plural = _("quá trình xử lý hồ sơ")
        ordering = ["dossier", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "seq"], name="dossier_event_seq"),
            models.UniqueConstraint(fields=["dossier", "idempotency_key"], name="dossier_event_idempotency",
                                    condition=Q(idempotency_key__isnull=False)),
        ]


class Supplement(models.Model):
    """A request to supplement the dossier (Mẫu 02) and the applicant's answer."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="supplements")
    requested_at = models.DateTimeField()
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                     related_name="+")
    content = models.TextField(_("nội dung yêu cầu bổ sung"))
    due_at_before = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    answer = models.TextField(_("nội dung bổ sung"), blank=True)
    due_at_after = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["dossier", "requested_at"]


class Attachment(models.Model):
    """A file of the dossier (TaiLieuNop): kept outside the web root, named by its SHA-256."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="attachments")
    component_code = models.CharField(_("mã thành phần hồ sơ"), max_length=40, blank=True)
    name = models.CharField(_("tên tệp"), max_length=200)
    storage_path = models.CharField(max_length=300)
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64)
    digitised = models.BooleanField(_("được số hóa"), default=False)
    reused = models.BooleanField(_("tái sử dụng"), default=False)
    from_citizen_store = models.BooleanField(_("lấy từ kho dữ liệu"), default=False)
    replaced_result_code = models.CharField(_("mã kết quả thay thế"), max_length=60, blank=True)
    supplement = models.ForeignKey(Supplement, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="attachments")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                    related_name="+")
    uploaded_at = models.DateTimeField()
    is_result = models.BooleanField(_("là kết quả giải quyết"), default=False)

    class Meta:
        ordering = ["dossier", "uploaded_at", "pk"]


class DossierSequence(models.Model):
    """The last number handed out for dossiers received by an agency on a day (mã hồ sơ XXXX)."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "day"], name="dossier_sequence_unique")]


class OutboxMessage(models.Model):
    """A message for another system, written in the same transaction as the change it reports.

    `topic` "dvcqg.dossier" carries the national sync shape {hoSo, tienTrinhDongBo[]}
    (regulations.md §7); the sender (a later module) marks `sent_at`. Other modules (KPI,
    notifications) read the same rows in order of `id`.
    """

    topic = models.CharField(max_length=40)
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="outbox")
    event = models.ForeignKey(DossierEvent, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    payload = models.JSONField()
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["topic", "sent_at", "id"], name="outbox_pending")]


# --- Ratings and feedback (issue 4 items 5–6; Decision 766 indicators 5.2–5.4) ----------------
# Services and selectors: dossiers/feedback.py. Choices: docs/modules/tracking.md, docs/decisions.md.


class RatingChannel(models.TextChoices):
    PORTAL = "portal", _("Trên cổng dịch vụ công của tỉnh")
    COUNTER = "counter", _("Thiết bị đánh giá tại quầy")
    NATIONAL_PORTAL = "dvcqg", _("Trên Cổng Dịch vụ công quốc gia")


class Rating(models.Model):
    """The applicant's satisfaction with the settlement of a dossier (Decision 766 indicator 5.4).

    Every submission is a row; exactly one per dossier is current (`is_current`, a partial unique
    constraint). A changed rating replaces the current one and keeps the old row with the time it
    was replaced, so a "not satisfied" turned into "satisfied" stays visible to an inspection.
    `criteria` holds the optional answers to the 12 criteria of feedback.RATING_CRITERIA
    ({criterion code: option code}); the index reads only `satisfied`.
    """

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="ratings")
    satisfied = models.BooleanField(_("hài lòng"))
    criteria = models.JSONField(_("đánh giá theo tiêu chí"), default=dict, blank=True)
    comment = models.TextField(_("ý kiến"), blank=True)
    rated_at = models.DateTimeField(_("thời điểm đánh giá"))
    rated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+", verbose_name=_("người đánh giá"))
    channel = models.CharField(_("kênh đánh giá"), max_length=10, choices=RatingChannel.choices,
                               default=RatingChannel.PORTAL)
    is_current = models.BooleanField(_("là đánh giá hiện hành"), default=True)
    replaced_at = models.DateTimeField(_("bị thay bằng đánh giá mới lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("đánh giá mức độ hài lòng")
        verbose_name_plural = _("đánh giá mức độ hài lòng")
        ordering = ["dossier", "rated_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["dossier"], condition=Q(is_current=True), name="rating_one_current"),
            models.CheckConstraint(condition=Q(is_current=True) | Q(replaced_at__isnull=False),
                                   name="rating_replaced_has_time"),
        ]


class FeedbackKind(models.TextChoices):
    """What a PAKN is about: indicator 5.1 classifies rules/policies/procedures vs. staff
    behaviour; indicator 5.4 counts dossiers with a PAKN about reception, settlement or lateness."""

    RULES = "quy_dinh", _("Quy định, chính sách, thủ tục hành chính")
    RECEPTION = "tiep_nhan", _("Việc tiếp nhận hồ sơ")
    SETTLEMENT = "giai_quyet", _("Việc giải quyết hồ sơ, kết quả giải quyết")
    LATE = "tre_han", _("Hồ sơ trễ hẹn")
    STAFF = "thai_do", _("Thái độ, hành vi của cán bộ, công chức")


class FeedbackStatus(models.TextChoices):
    RECEIVED = "received", _("Đang xử lý")
    REFUSED = "refused", _("Không thụ lý")
    ANSWERED = "answered", _("Đã trả lời")
    CLOSED = "closed", _("Đã kết thúc")


class Feedback(models.Model):
    """A phản ánh, kiến nghị (PAKN) from a citizen or business, and its handling.

    The times are those indicators 5.2 and 5.3 read: `assigned_at` (submission, or the last
    transfer to the agency now handling it) starts the clock; `refuse_due_at` (2 working days) and
    `answer_due_at` (15 working days) are fixed from the handling agency's calendar at that moment;
    `refused_at` / `answered_at` / `published_at` end it. The sender's verdict on the answer
    (`sender_satisfied`) and `repeat_of` (the sender had to come back about the same dossier) feed 5.3.
    """

    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                               related_name="feedback_sent", verbose_name=_("người gửi"))
    dossier = models.ForeignKey(Dossier, on_delete=models.SET_NULL, null=True, blank=True, related_name="feedback",
                                verbose_name=_("hồ sơ liên quan"))
    kind = models.CharField(_("nội dung phản ánh về"), max_length=12, choices=FeedbackKind.choices)
    title = models.CharField(_("tiêu đề"), max_length=200)
    content = models.TextField(_("nội dung"))
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="feedback",
                               verbose_name=_("cơ quan xử lý"))
    status = models.CharField(_("trạng thái"), max_length=10, choices=FeedbackStatus.choices,
                              default=FeedbackStatus.RECEIVED)

    submitted_at = models.DateTimeField(_("thời điểm gửi"))
    assigned_at = models.DateTimeField(_("cơ quan xử lý nhận lúc"))
    refuse_due_at = models.DateTimeField(_("hạn từ chối thụ lý"))
    answer_due_at = models.DateTimeField(_("hạn trả lời"))
    transferred_from = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                         verbose_name=_("chuyển từ cơ quan"))
    transferred_at = models.DateTimeField(_("thời điểm chuyển"), null=True, blank=True)
    transfer_note = models.TextField(_("lý do chuyển"), blank=True)

    answer = models.TextField(_("nội dung trả lời"), blank=True)
    answered_at = models.DateTimeField(_("thời điểm trả lời"), null=True, blank=True)
    refused_at = models.DateTimeField(_("thời điểm từ chối thụ lý"), null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("người trả lời"))
    published_at = models.DateTimeField(_("thời điểm công khai câu trả lời"), null=True, blank=True)

    sender_satisfied = models.BooleanField(_("người gửi hài lòng với kết quả xử lý"), null=True, blank=True)
    sender_rated_at = models.DateTimeField(_("thời điểm người gửi đánh giá"), null=True, blank=True)
    closed_at = models.DateTimeField(_("thời điểm kết thúc"), null=True, blank=True)
    repeat_of = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="repeats",
                                  verbose_name=_("phản ánh lặp lại của"))
    idempotency_key = models.CharField(max_length=80, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("phản ánh, kiến nghị")
        verbose_name_plural = _("phản ánh, kiến nghị")
        ordering = ["-submitted_at", "-pk"]
        indexes = [
            # The agency's list and the indicators of an agency and period.
            models.Index(fields=["agency", "submitted_at"], name="feedback_agency"),
            models.Index(fields=["agency", "status", "answer_due_at"], name="feedback_agency_open"),
            models.Index(fields=["sender", "submitted_at"], name="feedback_sender"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(status="answered") | Q(answered_at__isnull=False),
                                   name="feedback_answered_has_time"),
            models.CheckConstraint(condition=~Q(status="refused") | Q(refused_at__isnull=False),
                                   name="feedback_refused_has_time"),
        ]

    def __str__(self) -> str:
        return f"{self.pk}: {self.title}"


# --- The citizen data store (kho quản lý dữ liệu điện tử của tổ chức, cá nhân) ----------------
# Decree 45/2020/NĐ-CP Art. 16(3) and Circular 01/2023/TT-VPCP Art. 24: per account, the
# applicant's data, the dossiers filed, their e-results and the documents the person keeps, so that
# a fact is typed once and an earlier e-result replaces a paper copy. Services and selectors:
# dossiers/citizen_store.py; the portal's drafts live here too (web/portal).


class FactSource(models.TextChoices):
    TYPED = "typed", _("Do công dân tự nhập")
    VNEID = "vneid", _("Từ VNeID")
    DOSSIER = "dossier", _("Từ hồ sơ đã nộp")
    ACCOUNT = "account", _("Từ tài khoản đăng ký")


class CitizenFact(models.Model):
    """One fact about the account holder (name, date of birth, phone…), with where it came from.
    `key` is one of citizen_store.FACTS; the value is kept as text (dates as YYYY-MM-DD)."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="citizen_facts")
    key = models.CharField(_("thông tin"), max_length=40)
    value = models.CharField(_("giá trị"), max_length=500)
    source = models.CharField(_("nguồn"), max_length=10, choices=FactSource.choices, default=FactSource.TYPED)
    source_dossier = models.ForeignKey(Dossier, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                       verbose_name=_("từ hồ sơ"))
    updated_at = models.DateTimeField(_("cập nhật lúc"))

    class Meta:
        verbose_name = _("thông tin trong kho dữ liệu")
        verbose_name_plural = _("thông tin trong kho dữ liệu")
        ordering = ["owner", "key"]
        constraints = [models.UniqueConstraint(fields=["owner", "key"], name="citizen_fact_unique")]


class CitizenDocument(models.Model):
    """A document the citizen keeps in the store (uploaded once, attached to later dossiers).
    The file is in the `citizen_files` storage, content-addressed like dossier files."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                              related_name="citizen_documents")
    title = models.CharField(_("tên giấy tờ"), max_length=200)
    name = models.CharField(_("tên tệp"), max_length=200)
    storage_path = models.CharField(max_length=300)
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64)
    added_at = models.DateTimeField(_("lưu lúc"))

    class Meta:
        verbose_name = _("giấy tờ trong kho dữ liệu")
        verbose_name_plural = _("giấy tờ trong kho dữ liệu")
        ordering = ["owner", "-added_at", "-pk"]
        indexes = [models.Index(fields=["owner", "added_at"], name="citizen_document_owner")]


def draft_public_id():
    """A random id for a draft's URLs (never the row id: drafts hold personal data)."""
    import uuid

    return uuid.uuid4()


class Draft(models.Model):
    """A dossier being prepared on the portal (hồ sơ đang soạn), kept server-side so that it can
    be resumed from "Hồ sơ của tôi" on any device. `applicant` and `answers` hold what was typed
    ({field: value}; `answers` in the shape of the version's form schema), `done` the task-list
    sections finished. Once submitted, `dossier` points at the dossier it became."""

    public_id = models.UUIDField(default=draft_public_id, unique=True, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="drafts")
    procedure_version = models.ForeignKey(ProcedureVersion, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("cơ quan giải quyết"))
    applicant = models.JSONField(_("người nộp hồ sơ"), default=dict, blank=True)
    answers = models.JSONField(_("nội dung tờ khai"), default=dict, blank=True)
    done = models.JSONField(_("các phần đã xong"), default=list, blank=True)
    save_facts = models.BooleanField(_("lưu thông tin cho lần sau"), default=True)
    dossier = models.ForeignKey(Dossier, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("hồ sơ đang soạn")
        verbose_name_plural = _("hồ sơ đang soạn")
        ordering = ["owner", "-updated_at"]
        indexes = [models.Index(fields=["owner", "updated_at"], name="draft_owner")]


class DraftFile(models.Model):
    """A file staged on a draft for one component: uploaded (in `citizen_files`), a document of the
    citizen's store, or an earlier e-result reused (its file stays where the result is, in
    `dossier_files`). The flags become the attachment's at submission (DuocTaiSuDung,
    DuocLayTuKhoDMQG, MaKetQuaThayThe of the national sync)."""

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="files")
    component_code = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    storage = models.CharField(max_length=20)
    storage_path = models.CharField(max_length=300)
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64)
    source_document = models.ForeignKey(CitizenDocument, on_delete=models.SET_NULL, null=True, blank=True,
                                        related_name="+")
    source_attachment = models.ForeignKey(Attachment, on_delete=models.SET_NULL, null=True, blank=True,
                                          related_name="+")
    replaced_result_code = models.CharField(max_length=60, blank=True)
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["draft", "added_at", "pk"]
