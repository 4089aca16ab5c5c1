"""Indicators, plans and their targets, values reported with evidence, values computed.

Modelled on DHIS2's aggregate model (anchors.md §3): an indicator is a formula (numerator /
denominator × factor) kept apart from the values; values are facts keyed by indicator × unit ×
period. What DHIS2 lacks and we add: targets as first-class rows sourced from a plan, and units
that follow the 2025 lineage (core.UnitLineage).

- `Indicator`: one row per (code, version). A version is one reading of the rules with its own
  source: Decision 766 "as written in 2022" and "as the national portal computes it now" are two
  versions of the same code (decisions.md, "766 versions are rows, conflicts inside one are variants").
- `Plan` / `Target`: a provincial plan (đề án, kế hoạch) for the unit it was written for (Bến Tre
  before 1 July 2025 stays Bến Tre); `kpi.scopes` finds today's units that measure it.
- `ReportedValue`: a value the platform cannot compute, entered for a unit and period with
  evidence, then submitted and approved.
- `Measurement`: a value the engine computed, unique per indicator (hence version) × period × scope.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tinhso.catalog.models import Procedure
from tinhso.core.models import AdministrativeUnit, Agency
from tinhso.kpi.periods import Period


class Pillar(models.TextChoices):
    DIGITAL_GOVERNMENT = "digital_government", _("Chính quyền số")
    DIGITAL_ECONOMY = "digital_economy", _("Kinh tế số")
    DIGITAL_SOCIETY = "digital_society", _("Xã hội số")
    SERVICE_QUALITY = "service_quality", _("Chất lượng phục vụ (Quyết định 766)")
    # Rankings and indices spanning the three pillars (DTI, ICT Index, PAR Index).
    OVERALL = "overall", _("Chỉ số tổng hợp, xếp hạng")


class IndicatorUnit(models.TextChoices):
    PERCENT = "percent", _("%")
    COUNT = "count", _("số lượng")
    VND = "vnd", _("đồng")
    POINTS = "points", _("điểm")
    YES_NO = "yes_no", _("có / không")
    RANK = "rank", _("thứ hạng")
    DURATION = "duration", _("thời gian (theo đơn vị thời hạn của thủ tục)")
    INDEX = "index", _("chỉ số")


class Direction(models.TextChoices):
    HIGHER_IS_BETTER = "higher", _("Càng cao càng tốt")
    LOWER_IS_BETTER = "lower", _("Càng thấp càng tốt")


class FormulaKind(models.TextChoices):
    RATIO = "ratio", _("Tỷ lệ")
    RATIO_THRESHOLD = "ratio_threshold", _("Tỷ lệ có ngưỡng đạt điểm tối đa")
    LINEAR = "linear", _("Tỷ lệ nhân hệ số")
    STEP_TABLE = "step_table", _("Bảng bậc điểm")
    BOOLEAN = "boolean", _("Có / không")
    SUM = "sum", _("Tổng điểm nhóm")
    REPORTED = "reported", _("Giá trị báo cáo")


class ValueSource(models.TextChoices):
    COMPUTED = "computed", _("Hệ thống tự tính từ dữ liệu")
    REPORTED = "reported", _("Báo cáo kèm tài liệu kiểm chứng")


class Indicator(models.Model):
    code = models.CharField(_("mã chỉ tiêu"), max_length=40)
    version = models.CharField(_("phiên bản"), max_length=30)
    name = models.CharField(_("tên chỉ tiêu"), max_length=300)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=300)
    pillar = models.CharField(_("trụ cột"), max_length=20, choices=Pillar.choices)
    group = models.CharField(_("thuộc nhóm (mã)"), max_length=40, blank=True)
    unit = models.CharField(_("đơn vị tính"), max_length=10, choices=IndicatorUnit.choices)
    direction = models.CharField(_("chiều tốt"), max_length=6, choices=Direction.choices,
                                 default=Direction.HIGHER_IS_BETTER)
    formula_kind = models.CharField(_("loại công thức"), max_length=16, choices=FormulaKind.choices)
    numerator = models.TextField(_("tử số"), blank=True)
    denominator = models.TextField(_("mẫu số"), blank=True)
    factor = models.DecimalField(_("hệ số"), max_digits=12, decimal_places=4, default=1)
    max_points = models.DecimalField(_("điểm tối đa"), max_digits=6, decimal_places=2, null=True, blank=True)
    source = models.CharField(_("nguồn số liệu"), max_length=10, choices=ValueSource.choices)
    source_system = models.CharField(_("hệ thống nguồn"), max_length=80, blank=True)
    valid_min = models.DecimalField(_("giá trị nhỏ nhất hợp lệ"), max_digits=20, decimal_places=4,
                                    null=True, blank=True)
    valid_max = models.DecimalField(_("giá trị lớn nhất hợp lệ"), max_digits=20, decimal_places=4,
                                    null=True, blank=True)
    legal_basis = models.CharField(_("căn cứ"), max_length=300, blank=True)
    legal_article = models.CharField(_("điều, khoản, mục"), max_length=200, blank=True)
    legal_url = models.URLField(_("đường dẫn căn cứ"), max_length=500, blank=True)
    rule = models.TextField(_("quy tắc (trích nguyên văn)"), blank=True)
    rule_en = models.TextField(_("quy tắc (tiếng Anh)"), blank=True)
    scoring = models.JSONField(_("tham số tính điểm"), default=dict, blank=True)
    portal_metric = models.CharField(_("mã chỉ số trên Cổng DVCQG"), max_length=60, blank=True)
    notes = models.TextField(_("ghi chú"), blank=True)
    order = models.PositiveIntegerField(_("thứ tự"), default=0)
    data_file = models.CharField(_("tệp dữ liệu"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("chỉ tiêu")
        verbose_name_plural = _("chỉ tiêu")
        ordering = ["pillar", "order", "code", "version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="kpi_indicator_code_version"),
            models.CheckConstraint(condition=Q(max_points__isnull=True) | Q(max_points__gte=0),
                                   name="kpi_indicator_points_nonnegative"),
            models.CheckConstraint(
                condition=Q(valid_min__isnull=True) | Q(valid_max__isnull=True) | Q(valid_max__gte=models.F("valid_min")),
                name="kpi_indicator_valid_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.version}) {self.name}"

    @property
    def higher_is_better(self) -> bool:
        return self.direction == Direction.HIGHER_IS_BETTER


class PlanKind(models.TextChoices):
    PROJECT = "de_an", _("Đề án")
    PLAN = "ke_hoach", _("Kế hoạch")
    RESOLUTION = "nghi_quyet", _("Nghị quyết")
    PROGRAMME = "chuong_trinh", _("Chương trình")


class ScopeLevel(models.TextChoices):
    PROVINCE = "province", _("Cấp tỉnh")
    DISTRICT = "district", _("Cấp huyện (trước 01/7/2025)")
    COMMUNE = "commune", _("Cấp xã")


class Plan(models.Model):
    code = models.SlugField(_("mã kế hoạch"), max_length=60, unique=True)
    province = models.ForeignKey(
        AdministrativeUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("tỉnh ban hành"),
        help_text=_("Đơn vị hành chính tại thời điểm ban hành (trước sáp nhập là tỉnh cũ)."),
    )
    title = models.CharField(_("tên"), max_length=400)
    kind = models.CharField(_("loại văn bản"), max_length=15, choices=PlanKind.choices)
    decision_number = models.CharField(_("số, ký hiệu"), max_length=60, blank=True)
    decision_date = models.DateField(_("ngày ban hành"), null=True, blank=True)
    issuing_body = models.CharField(_("cơ quan ban hành"), max_length=200)
    start_year = models.PositiveSmallIntegerField(_("từ năm"))
    end_year = models.PositiveSmallIntegerField(_("đến năm"))
    vision_year = models.PositiveSmallIntegerField(_("tầm nhìn đến năm"), null=True, blank=True)
    budget_vnd = models.BigIntegerField(_("tổng kinh phí (đồng)"), null=True, blank=True)
    budget_note = models.CharField(_("ghi chú kinh phí"), max_length=300, blank=True)
    pillars = models.JSONField(_("trụ cột"), default=list, blank=True)
    priority_sectors = models.JSONField(_("lĩnh vực ưu tiên"), default=list, blank=True)
    sources = models.JSONField(_("nguồn"), default=list, blank=True,
                               help_text=_("Các tệp nguồn (bài báo, văn bản) ghi nhận kế hoạch."))
    url = models.URLField(_("đường dẫn"), max_length=500, blank=True)
    notes = models.TextField(_("ghi chú"), blank=True)
    is_published = models.BooleanField(_("công khai"), default=False)
    data_file = models.CharField(_("tệp dữ liệu"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("kế hoạch, đề án")
        verbose_name_plural = _("kế hoạch, đề án")
        ordering = ["start_year", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(end_year__gte=models.F("start_year")), name="kpi_plan_years"),
        ]

    def __str__(self) -> str:
        return self.title


class Target(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="targets")
    key = models.SlugField(_("mã chỉ tiêu trong kế hoạch"), max_length=60)
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="targets")
    unit = models.ForeignKey(
        AdministrativeUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("đơn vị riêng"), help_text=_("Để trống: cả tỉnh của kế hoạch."),
    )
    scope_level = models.CharField(_("cấp áp dụng"), max_length=10, choices=ScopeLevel.choices)
    year = models.PositiveSmallIntegerField(_("năm mục tiêu"))
    comparator = models.CharField(_("so sánh"), max_length=8, choices=[
        ("gte", "≥"), ("gt", ">"), ("eq", "="), ("lte", "≤"),
        ("top_n", _("trong nhóm N dẫn đầu")), ("improve", _("nâng cao so với năm trước")),
    ])
    value = models.DecimalField(_("giá trị mục tiêu"), max_digits=20, decimal_places=4, null=True, blank=True)
    source_sentence = models.TextField(_("câu nguồn (trích nguyên văn)"))
    source_file = models.CharField(_("tệp nguồn"), max_length=120)
    source_line = models.PositiveIntegerField(_("dòng trong tệp nguồn"))
    notes = models.TextField(_("ghi chú"), blank=True)
    order = models.PositiveIntegerField(_("thứ tự"), default=0)

    class Meta:
        verbose_name = _("chỉ tiêu của kế hoạch")
        verbose_name_plural = _("chỉ tiêu của kế hoạch")
        ordering = ["plan", "order", "year", "key"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "key"], name="kpi_target_key"),
            models.CheckConstraint(
                condition=(Q(comparator="improve") & Q(value__isnull=True))
                | (~Q(comparator="improve") & Q(value__isnull=False)),
                name="kpi_target_value_unless_improve",
            ),
        ]
        indexes = [models.Index(fields=["indicator", "year"], name="kpi_target_indicator_year")]

    def __str__(self) -> str:
        return f"{self.plan.code}/{self.key}"


class PeriodKindChoices(models.TextChoices):
    MONTH = "month", _("Tháng")
    QUARTER = "quarter", _("Quý")
    YEAR = "year", _("Năm")
    YTD = "ytd", _("Lũy kế từ đầu năm")


class PeriodFields(models.Model):
    """A `kpi.periods.Period` as columns: the key for equality, the dates for ranges and order."""

    period = models.CharField(_("kỳ"), max_length=12)
    period_kind = models.CharField(_("loại kỳ"), max_length=8, choices=PeriodKindChoices.choices)
    period_year = models.PositiveSmallIntegerField(_("năm"))
    period_start = models.DateField(_("từ ngày"))
    period_end = models.DateField(_("đến ngày (không kể)"))

    class Meta:
        abstract = True

    def set_period(self, period: Period) -> None:
        self.period = period.key
        self.period_kind = period.kind.value
        self.period_year = period.year
        self.period_start = period.start_date
        self.period_end = period.end_date

    @staticmethod
    def period_columns(period: Period) -> dict:
        return {"period": period.key, "period_kind": period.kind.value, "period_year": period.year,
                "period_start": period.start_date, "period_end": period.end_date}


class ReportedStatus(models.TextChoices):
    DRAFT = "draft", _("Nháp")
    SUBMITTED = "submitted", _("Đã gửi")
    APPROVED = "approved", _("Đã phê duyệt")


class ReportedValue(PeriodFields):
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="reported_values")
    unit = models.ForeignKey(AdministrativeUnit, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("đơn vị hành chính"))
    value = models.DecimalField(_("giá trị"), max_digits=20, decimal_places=4)
    evidence_document = models.CharField(_("văn bản kiểm chứng (số, ký hiệu, ngày)"), max_length=300, blank=True)
    evidence_url = models.URLField(_("đường dẫn tài liệu kiểm chứng"), max_length=500, blank=True)
    evidence_file = models.FileField(_("tệp kiểm chứng"), upload_to="kpi/evidence/%Y/%m/", max_length=300,
                                     blank=True)
    note = models.TextField(_("ghi chú"), blank=True)
    status = models.CharField(_("trạng thái"), max_length=10, choices=ReportedStatus.choices,
                              default=ReportedStatus.DRAFT)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("người nhập"))
    entered_at = models.DateTimeField(_("nhập lúc"))
    submitted_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("người phê duyệt"))
    approved_at = models.DateTimeField(_("phê duyệt lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("số liệu báo cáo")
        verbose_name_plural = _("số liệu báo cáo")
        ordering = ["indicator", "unit", "period_start"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "unit", "period"], name="kpi_reported_unique"),
            models.CheckConstraint(
                condition=~Q(evidence_document="") | ~Q(evidence_url="") | ~Q(evidence_file=""),
                name="kpi_reported_has_evidence",
            ),
            models.CheckConstraint(
                condition=~Q(status="approved") | (Q(approved_by__isnull=False) & Q(approved_at__isnull=False)),
                name="kpi_reported_approval_recorded",
            ),
        ]
        indexes = [models.Index(fields=["unit", "period_year", "indicator"], name="kpi_reported_unit_year")]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.unit} {self.period}: {self.value}"


class MeasurementScope(models.TextChoices):
    PROVINCE = "province", _("Tỉnh")
    DISTRICT = "district", _("Huyện (trước 01/7/2025)")
    COMMUNE = "commune", _("Xã")
    AGENCY = "agency", _("Cơ quan")
    PROCEDURE = "procedure", _("Thủ tục")


def scope_key(level: str, unit_id: int, agency_id: int | None = None, procedure_id: int | None = None) -> str:
    """The one string that names a scope: nullable foreign keys cannot be in a unique constraint
    that both SQLite and PostgreSQL enforce the same way, so the scope is also spelled out."""
    return f"{level}:{unit_id}:{agency_id or ''}:{procedure_id or ''}"


class Measurement(PeriodFields):
    """A computed value. `value` = numerator / denominator × the indicator's factor; None means no
    data (an empty denominator), never 0. The indicator row names its version, so one scope and
    period can hold the 766-2022 and 766-dvcqg-2025 readings side by side.

    Scopes: province or commune (`unit`); agency (`agency`, `unit` = its unit); procedure
    (`procedure` within `unit`, optionally within `agency`).
    """

    # No single-column index on the four keys: the composite indexes below begin with each of them
    # (the partial ones hold every non-null agency and procedure), and each extra index cost the
    # engine's bulk writes (~145,000 rows a year) about a tenth of their time (kpi migration 0004).
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="measurements",
                                  db_index=False)
    scope_level = models.CharField(_("phạm vi"), max_length=10, choices=MeasurementScope.choices)
    unit = models.ForeignKey(AdministrativeUnit, on_delete=models.PROTECT, related_name="+", db_index=False)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               db_index=False)
    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                  db_index=False)
    scope = models.CharField(max_length=60, editable=False)
    numerator = models.DecimalField(_("tử số"), max_digits=20, decimal_places=4, null=True, blank=True)
    denominator = models.DecimalField(_("mẫu số"), max_digits=20, decimal_places=4, null=True, blank=True)
    value = models.DecimalField(_("giá trị"), max_digits=20, decimal_places=4, null=True, blank=True)
    points = models.DecimalField(_("điểm"), max_digits=8, decimal_places=4, null=True, blank=True)
    note = models.CharField(_("ghi chú"), max_length=300, blank=True)
    computed_at = models.DateTimeField(_("tính lúc"))

    class Meta:
        verbose_name = _("kết quả đo")
        verbose_name_plural = _("kết quả đo")
        constraints = [
            models.UniqueConstraint(fields=["indicator", "period", "scope"], name="kpi_measurement_unique"),
        ]
        indexes = [
            # One indicator, every commune (or agency, procedure) of one period: rankings, maps.
            models.Index(fields=["indicator", "period", "scope_level"], name="kpi_meas_indicator_period"),
            # One unit, every indicator, one year (months, quarters and the year itself).
            models.Index(fields=["unit", "scope_level", "period_year", "indicator"], name="kpi_meas_unit_year"),
            # Agency and procedure pages.
            models.Index(fields=["agency", "period_year"], name="kpi_meas_agency_year",
                         condition=Q(agency__isnull=False)),
            models.Index(fields=["procedure", "period_year"], name="kpi_meas_procedure_year",
                         condition=Q(procedure__isnull=False)),
        ]

    def save(self, *args, **kwargs):
        self.scope = scope_key(self.scope_level, self.unit_id, self.agency_id, self.procedure_id)
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.scope} {self.period}: {self.value}"


# --- The Decision 766 measurement engine's own state (kpi/engine) ----------------------------------


class MonthCell(models.Model):
    """What the engine's one pass over the dossiers yields for one competent agency, one procedure and
    one month: counts keyed by counter name (kpi/engine/components.py names them). Quarters, years
    and year to date are sums of months, so the engine keeps the months and adds them up again; an
    incremental update rewrites only the cells its events touch. Derived data: a full recompute
    rebuilds every cell of a year. `judged_at` is the moment dossiers still open were judged at
    (Decision 766 item 2.1: the end of the period, or now within the current one)."""

    year = models.PositiveSmallIntegerField(_("năm"))
    month = models.PositiveSmallIntegerField(_("tháng"))
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="+")
    counts = models.JSONField(_("số đếm"), default=dict)
    judged_at = models.DateTimeField(_("thời điểm xét hồ sơ đang xử lý"))
    computed_at = models.DateTimeField(_("tính lúc"))

    class Meta:
        verbose_name = _("ô đếm theo tháng")
        verbose_name_plural = _("ô đếm theo tháng")
        constraints = [
            models.UniqueConstraint(fields=["year", "month", "agency", "procedure"], name="kpi_cell_unique"),
        ]
        indexes = [models.Index(fields=["year", "agency"], name="kpi_cell_year_agency")]

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d} {self.agency_id}/{self.procedure_id}"


class EngineCursor(models.Model):
    """How far the engine's incremental update has read an append-only table (the last id passed)."""

    name = models.CharField(max_length=40, unique=True)
    last_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name}@{self.last_id}"
