"""The procedure catalogue (danh mục thủ tục hành chính) and the workflow definitions.

A procedure (thủ tục hành chính, TTHC) keeps its national code and name; everything a dossier
depends on — time limit, fees, components, form, workflow — lives in a `ProcedureVersion`. A
published version is frozen: a dossier points at the version it was received under, so publishing
a new version never changes a dossier already received (the "pin in-flight dossiers" lesson of
DIGIT, anchors.md §1).

Workflow definitions are versioned the same way: a published `WorkflowDefinition` is immutable and
carries its states and actions as one validated JSON document (see catalog/workflow.py). The
dossier's runtime state is a single column plus its event rows; nothing grows per step.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tinhso.core.calendar import DeadlineUnit
from tinhso.core.text import fold


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Bản nháp")
    PUBLISHED = "published", _("Đã công bố")
    RETIRED = "retired", _("Ngừng áp dụng")


class ServiceLevel(models.TextChoices):
    """Decree 42/2022/NĐ-CP Art. 11: two levels of online public service."""

    FULL = "full", _("Dịch vụ công trực tuyến toàn trình")
    PARTIAL = "partial", _("Dịch vụ công trực tuyến một phần")
    NONE = "none", _("Chưa cung cấp trực tuyến")


class AgencyLevel(models.TextChoices):
    PROVINCE = "province", _("Cấp tỉnh")
    COMMUNE = "commune", _("Cấp xã")


class Channel(models.IntegerChoices):
    """KenhThucHien of the national dossier sync (regulations.md §2.2)."""

    IN_PERSON = 1, _("Trực tiếp")
    ONLINE = 2, _("Trực tuyến")
    POSTAL = 3, _("Qua bưu chính công ích")


class ApplicantType(models.TextChoices):
    CITIZEN = "citizen", _("Công dân Việt Nam")
    FOREIGNER = "foreigner", _("Người nước ngoài")
    BUSINESS = "business", _("Doanh nghiệp, tổ chức")
    HOUSEHOLD = "household", _("Hộ kinh doanh")


class Field(models.Model):
    """A field (lĩnh vực) of procedures, e.g. Hộ tịch, Chứng thực, Đất đai."""

    code = models.CharField(_("mã lĩnh vực"), max_length=20, unique=True)
    name = models.CharField(_("tên lĩnh vực"), max_length=200)

    class Meta:
        verbose_name = _("lĩnh vực")
        verbose_name_plural = _("lĩnh vực")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class WorkflowDefinition(models.Model):
    """One version of a workflow (quy trình nội bộ): states, actions, roles, time allowances.

    `definition` is validated by catalog.workflow.definition_parse on every save through the
    services; a published row never changes again (the engine caches it by id).
    """

    code = models.SlugField(_("mã quy trình"), max_length=60)
    version = models.PositiveIntegerField(_("phiên bản"))
    name = models.CharField(_("tên quy trình"), max_length=200)
    status = models.CharField(_("trạng thái"), max_length=10, choices=VersionStatus.choices,
                              default=VersionStatus.DRAFT)
    definition = models.JSONField(_("định nghĩa"))
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("quy trình xử lý")
        verbose_name_plural = _("quy trình xử lý")
        ordering = ["code", "-version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="workflow_unique_version")]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"


class Procedure(models.Model):
    """A TTHC by its national code (mã TTHC in the national TTHC database)."""

    code = models.CharField(_("mã thủ tục"), max_length=30, unique=True)
    name = models.CharField(_("tên thủ tục"), max_length=500)
    name_folded = models.CharField(max_length=500, editable=False, db_index=True)
    field = models.ForeignKey(Field, on_delete=models.PROTECT, related_name="procedures",
                              verbose_name=_("lĩnh vực"))
    current_version = models.ForeignKey(
        "ProcedureVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("phiên bản đang áp dụng"),
    )
    is_active = models.BooleanField(_("đang áp dụng"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("thủ tục hành chính")
        verbose_name_plural = _("thủ tục hành chính")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def save(self, *args, **kwargs):
        self.name_folded = fold(self.name)
        super().save(*args, **kwargs)


class ProcedureVersion(models.Model):
    """What a procedure requires, as published at one time. Frozen once published.

    The JSON columns hold short lists validated by catalog.schemas (pydantic) in the services:
    `fees` [{code, name, kind, amount, note}], `components` [{code, name, originals, copies,
    required, reusable_result, note}], `results` [{code, name, paper, electronic}], `legal_basis`
    [str]. They are read with the version, never queried across versions.
    """

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("phiên bản"))
    status = models.CharField(_("trạng thái"), max_length=10, choices=VersionStatus.choices,
                              default=VersionStatus.DRAFT)
    name = models.CharField(_("tên thủ tục"), max_length=500)
    applicant_types = models.JSONField(_("đối tượng thực hiện"), default=list)
    agency_levels = models.JSONField(_("cấp thực hiện"), default=list)
    channels = models.JSONField(_("cách thức thực hiện"), default=list)
    processing_amount = models.DecimalField(_("thời hạn giải quyết"), max_digits=6, decimal_places=2)
    processing_unit = models.CharField(_("đơn vị thời hạn"), max_length=12, choices=DeadlineUnit.choices)
    fees = models.JSONField(_("phí, lệ phí"), default=list, blank=True)
    components = models.JSONField(_("thành phần hồ sơ"), default=list, blank=True)
    results = models.JSONField(_("kết quả thực hiện"), default=list, blank=True)
    legal_basis = models.JSONField(_("căn cứ pháp lý"), default=list, blank=True)
    requirements = models.TextField(_("yêu cầu, điều kiện"), blank=True)
    service_level = models.CharField(_("mức độ dịch vụ công trực tuyến"), max_length=10,
                                     choices=ServiceLevel.choices, default=ServiceLevel.PARTIAL)
    eligible_full = models.BooleanField(
        _("đủ điều kiện cung cấp dịch vụ công trực tuyến toàn trình"), default=False,
        help_text=_("Cờ của Cơ sở dữ liệu quốc gia về TTHC; mẫu số của các chỉ số 766 nhóm 3."),
    )
    requires_presence = models.BooleanField(_("phải có mặt hoặc kiểm tra thực địa"), default=False)
    form_schema = models.JSONField(_("biểu mẫu (JSON Schema 2020-12)"), default=dict, blank=True)
    form_ui = models.JSONField(_("gợi ý hiển thị biểu mẫu"), default=dict, blank=True)
    workflow = models.ForeignKey(WorkflowDefinition, on_delete=models.PROTECT, related_name="procedure_versions",
                                 verbose_name=_("quy trình"))
    effective_from = models.DateField(_("áp dụng từ"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")

    class Meta:
        verbose_name = _("phiên bản thủ tục")
        verbose_name_plural = _("phiên bản thủ tục")
        ordering = ["procedure", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "number"], name="procedure_version_unique"),
            models.CheckConstraint(condition=Q(processing_amount__gt=0), name="procedure_time_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.procedure.code} v{self.number}"

    @property
    def fee_total(self) -> int:
        return sum(int(fee.get("amount") or 0) for fee in self.fees)


class ProcedureAssignment(models.Model):
    """An agency of the province that is competent to decide a procedure (the province's published
    list of TTHC per agency). Intake checks the competent agency against these rows."""

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="assignments")
    agency = models.ForeignKey("core.Agency", on_delete=models.CASCADE, related_name="procedure_assignments")

    class Meta:
        verbose_name = _("cơ quan giải quyết thủ tục")
        verbose_name_plural = _("cơ quan giải quyết thủ tục")
        constraints = [models.UniqueConstraint(fields=["procedure", "agency"], name="procedure_assignment_unique")]
