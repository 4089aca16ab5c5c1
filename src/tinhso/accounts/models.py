"""People who use tinhso: citizens, businesses and officials, and officials' roles per agency."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from tinhso.accounts.validators import validate_personal_id, validate_tax_code
from tinhso.core.models import Agency


class UserKind(models.TextChoices):
    CITIZEN = "citizen", _("Công dân")
    BUSINESS = "business", _("Tổ chức, doanh nghiệp")
    OFFICIAL = "official", _("Cán bộ, công chức")


class UserManager(DjangoUserManager):
    """`createsuperuser` makes an official: the IT team are officials (a citizen account needs a
    personal id, and officials must set up a second factor)."""

    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("kind", UserKind.OFFICIAL)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """One account. Citizens log in with their 12-digit personal identification number, businesses
    with their tax code, officials with a username given by their agency admin."""

    kind = models.CharField(_("loại tài khoản"), max_length=10, choices=UserKind.choices, default=UserKind.CITIZEN)
    full_name = models.CharField(_("họ và tên"), max_length=150, blank=True)
    personal_id = models.CharField(_("số định danh cá nhân"), max_length=12, null=True, blank=True,
                                   unique=True, validators=[validate_personal_id])
    tax_code = models.CharField(_("mã số thuế"), max_length=14, null=True, blank=True, unique=True,
                                validators=[validate_tax_code])
    phone = models.CharField(_("số điện thoại"), max_length=15, blank=True)

    objects = UserManager()

    class Meta:
        verbose_name = _("tài khoản")
        verbose_name_plural = _("tài khoản")
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="citizen") | Q(personal_id__isnull=False), name="citizen_has_personal_id"
            ),
            models.CheckConstraint(
                condition=~Q(kind="business") | Q(tax_code__isnull=False), name="business_has_tax_code"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def is_official(self) -> bool:
        return self.kind == UserKind.OFFICIAL


class Role(models.TextChoices):
    RECEIVING_OFFICER = "receiving_officer", _("Cán bộ tiếp nhận (một cửa)")
    SPECIALIST = "specialist", _("Chuyên viên xử lý")
    LEADER = "leader", _("Lãnh đạo phê duyệt")
    RESULT_CLERK = "result_clerk", _("Cán bộ trả kết quả")
    AGENCY_ADMIN = "agency_admin", _("Quản trị cơ quan")
    PROVINCE_ADMIN = "province_admin", _("Quản trị hệ thống cấp tỉnh")
    # A technical account of a connected system (the national portal's intake, LGSP): acts as the
    # workflow's "system" actor, for the agencies of the province where it holds the role.
    INTEGRATION = "integration", _("Hệ thống kết nối")


class AgencyRole(models.Model):
    """A role an official holds in one agency, for a period. Least privilege: every permission
    check asks for a role in a given agency, never for a global flag."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="agency_roles")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="staff_roles")
    role = models.CharField(_("vai trò"), max_length=20, choices=Role.choices)
    valid_from = models.DateField(_("từ ngày"), null=True, blank=True)
    valid_to = models.DateField(_("đến ngày (không kể)"), null=True, blank=True)

    class Meta:
        verbose_name = _("vai trò tại cơ quan")
        verbose_name_plural = _("vai trò tại cơ quan")
        constraints = [
            models.UniqueConstraint(fields=["user", "agency", "role"], name="agency_role_unique"),
            # valid_to is exclusive; valid_to == valid_from is an empty period (a revoked future grant).
            models.CheckConstraint(
                condition=(Q(valid_to__isnull=True) | Q(valid_from__isnull=True)
                           | Q(valid_to__gte=F("valid_from"))),
                name="agency_role_valid_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.agency}"


class ApiToken(models.Model):
    """A bearer token for another system of the province calling the API (organisation-level
    authentication, as in X-Road). Only the SHA-256 of the token is stored."""

    name = models.CharField(_("tên hệ thống"), max_length=120)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="api_tokens")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="api_tokens",
                             help_text=_("Tài khoản kỹ thuật mà hệ thống hành động thay mặt."))
    token_sha256 = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("hết hạn lúc"), null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("khóa truy cập API")
        verbose_name_plural = _("khóa truy cập API")

    def __str__(self) -> str:
        return self.name
