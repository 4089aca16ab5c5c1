"""Shared reference data: administrative units, agencies, the working-day calendar, the audit log."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tinhso.core.text import fold


class UnitLevel(models.TextChoices):
    PROVINCE = "province", _("Tỉnh, thành phố")
    DISTRICT = "district", _("Huyện, quận, thị xã")
    COMMUNE = "commune", _("Xã, phường, đặc khu")


class AdministrativeUnit(models.Model):
    """An administrative unit (đơn vị hành chính) over the time it existed.

    Units before 1 July 2025 (three tiers) end on that date; the units of the two-tier system start
    on it (Resolution 202/2025/QH15 for provinces; the Standing Committee's resolutions per province
    for communes). A unit that kept its name and code is still two rows: its children changed.
    `valid_to` is exclusive: the unit existed on day d iff valid_from <= d < valid_to.
    """

    code = models.CharField(_("mã GSO"), max_length=5, db_index=True)
    level = models.CharField(_("cấp"), max_length=10, choices=UnitLevel.choices)
    name = models.CharField(_("tên"), max_length=120)
    division_type = models.CharField(_("loại đơn vị"), max_length=40)
    name_folded = models.CharField(max_length=120, editable=False, db_index=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("thuộc")
    )
    valid_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    valid_to = models.DateField(_("hiệu lực đến (không kể)"), null=True, blank=True)

    class Meta:
        verbose_name = _("đơn vị hành chính")
        verbose_name_plural = _("đơn vị hành chính")
        ordering = ["level", "code"]
        constraints = [
            # Two partial constraints rather than nulls_distinct=False, which SQLite ignores.
            models.UniqueConstraint(fields=["level", "code", "valid_from"], name="unit_unique_code_per_era",
                                    condition=Q(valid_from__isnull=False)),
            models.UniqueConstraint(fields=["level", "code"], name="unit_unique_code_first_era",
                                    condition=Q(valid_from__isnull=True)),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_from__isnull=True) | Q(valid_to__gt=models.F("valid_from")),
                name="unit_valid_range",
            ),
        ]
        indexes = [models.Index(fields=["parent", "valid_from", "valid_to"], name="unit_parent_validity")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.name_folded = fold(self.name)
        super().save(*args, **kwargs)


class LineageKind(models.TextChoices):
    MERGED = "merged", _("Nhập vào")
    SPLIT = "split", _("Chia một phần vào")
    CONTINUED = "continued", _("Giữ nguyên")


class UnitLineage(models.Model):
    """One edge old unit → new unit of a reorganisation (an edge table, not a fixed tree: one old
    commune may be split among several new ones, and several old ones merged into one)."""

    predecessor = models.ForeignKey(AdministrativeUnit, on_delete=models.CASCADE, related_name="successor_links")
    successor = models.ForeignKey(AdministrativeUnit, on_delete=models.CASCADE, related_name="predecessor_links")
    kind = models.CharField(max_length=10, choices=LineageKind.choices)
    effective_on = models.DateField(_("ngày hiệu lực"))
    source = models.CharField(_("căn cứ"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("quan hệ kế thừa đơn vị hành chính")
        constraints = [
            models.UniqueConstraint(fields=["predecessor", "successor"], name="lineage_unique_edge"),
        ]


class AgencyKind(models.TextChoices):
    PROVINCE_PEOPLES_COMMITTEE = "ubnd_tinh", _("UBND tỉnh")
    DEPARTMENT = "so", _("Sở, ban, ngành")
    PROVINCE_SERVICE_CENTRE = "ttpvhcc_tinh", _("Trung tâm Phục vụ hành chính công tỉnh")
    COMMUNE_PEOPLES_COMMITTEE = "ubnd_xa", _("UBND xã, phường")
    COMMUNE_SERVICE_CENTRE = "ttpvhcc_xa", _("Trung tâm Phục vụ hành chính công xã")
    OTHER = "khac", _("Cơ quan, đơn vị khác")


class Agency(models.Model):
    """A state agency (cơ quan, đơn vị) identified by its QCVN 102:2016/BTTTT code."""

    code = models.CharField(_("mã định danh (QCVN 102:2016)"), max_length=20, unique=True)
    name = models.CharField(_("tên cơ quan"), max_length=200)
    short_name = models.CharField(_("tên viết tắt"), max_length=60, blank=True)
    name_folded = models.CharField(max_length=200, editable=False, db_index=True)
    kind = models.CharField(_("loại cơ quan"), max_length=15, choices=AgencyKind.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children",
        verbose_name=_("cơ quan cấp trên"),
    )
    unit = models.ForeignKey(
        AdministrativeUnit, on_delete=models.PROTECT, related_name="agencies", verbose_name=_("địa bàn")
    )
    works_saturday = models.BooleanField(
        _("làm việc sáng thứ Bảy"), default=False,
        help_text=_("Một số trung tâm phục vụ hành chính công tiếp nhận hồ sơ vào sáng thứ Bảy."),
    )
    valid_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    valid_to = models.DateField(_("hiệu lực đến (không kể)"), null=True, blank=True)

    class Meta:
        verbose_name = _("cơ quan")
        verbose_name_plural = _("cơ quan")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.name_folded = fold(self.name)
        super().save(*args, **kwargs)


class CalendarDayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Ngày nghỉ lễ, Tết")
    DAY_OFF = "day_off", _("Ngày nghỉ (hoán đổi, nghỉ bù)")
    WORKING_DAY = "working", _("Ngày làm việc (làm bù)")


class CalendarDay(models.Model):
    """A day the official calendar of a year sets apart from the default rules.

    The Labour Code 2019 (Art. 112) fixes the holidays, but each year the Government (through the
    Ministry of Home Affairs) decides which days of Tết officials take, and may swap a working day
    for a bridge day; provinces may add their own. Those decisions are data, entered by a province
    admin. A row with province = NULL applies nationwide.
    """

    date = models.DateField(_("ngày"))
    kind = models.CharField(_("loại"), max_length=10, choices=CalendarDayKind.choices)
    name = models.CharField(_("tên"), max_length=120)
    source = models.CharField(_("căn cứ"), max_length=250, blank=True)
    province = models.ForeignKey(
        AdministrativeUnit, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        limit_choices_to={"level": UnitLevel.PROVINCE}, verbose_name=_("áp dụng cho tỉnh"),
    )

    class Meta:
        verbose_name = _("ngày trong lịch làm việc")
        verbose_name_plural = _("lịch làm việc")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["date", "province"], name="calendar_day_unique",
                                    condition=Q(province__isnull=False)),
            models.UniqueConstraint(fields=["date"], name="calendar_day_unique_national",
                                    condition=Q(province__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.name}"


class AuditEntry(models.Model):
    """One entry of the append-only, hash-chained audit log (nhật ký kiểm toán).

    `digest` = SHA-256 over the canonical form of this entry's fields and the previous entry's
    digest, so changing, deleting or inserting any row breaks the chain from that row on.
    """

    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField()
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=80)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=80, blank=True)
    before_digest = models.CharField(max_length=64, blank=True)
    after_digest = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict, blank=True)
    ip = models.CharField(max_length=45, blank=True)
    prev_digest = models.CharField(max_length=64)
    digest = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("nhật ký kiểm toán")
        verbose_name_plural = _("nhật ký kiểm toán")
        ordering = ["seq"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]


class AuditChainHead(models.Model):
    """A single row locked by every append, so that two writers cannot both extend the same tip."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    digest = models.CharField(max_length=64, default="0" * 64)
