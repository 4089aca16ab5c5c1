"""Django admin (/quan-tri/), for the IT team. Role and token changes go through the services, so
the same permission checks and audit entries apply as everywhere else."""

from __future__ import annotations

from allauth.mfa.admin import AuthenticatorAdmin as AllauthAuthenticatorAdmin
from allauth.mfa.models import Authenticator
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from tinhso.accounts.models import AgencyRole, ApiToken, User
from tinhso.accounts.services import agency_role_grant, agency_role_revoke, api_token_revoke
from tinhso.core.audit import audit_record


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "full_name", "kind", "is_active", "is_superuser", "last_login")
    list_filter = ("kind", "is_active", "is_superuser")
    search_fields = ("username", "full_name")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Thông tin"), {"fields": ("kind", "full_name", "personal_id", "tax_code", "phone", "email")}),
        (_("Trạng thái"), {"fields": ("is_active", "is_staff", "is_superuser", "last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "kind", "full_name", "personal_id", "tax_code",
                                                 "password1", "password2")}),
    )
    readonly_fields = ("last_login", "date_joined")
    # Permissions are roles per agency (AgencyRole), not Django groups.
    filter_horizontal = ()

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        changed = sorted(set(form.changed_data) - {"password1", "password2"})
        audit_record(action="user.changed" if change else "user.created", actor=request.user,
                     object_type="user", object_id=obj.pk,
                     data={"fields": changed, "via": "admin"})


@admin.register(AgencyRole)
class AgencyRoleAdmin(admin.ModelAdmin):
    list_display = ("user", "agency", "role", "valid_from", "valid_to")
    list_filter = ("role",)
    search_fields = ("user__username", "user__full_name", "agency__code", "agency__name")
    raw_id_fields = ("user", "agency")
    actions = ["revoke_selected"]

    def has_delete_permission(self, request, obj=None):
        return False  # a role is ended (valid_to), not deleted: the history stays readable

    def save_model(self, request, obj, form, change):
        try:
            saved = agency_role_grant(actor=request.user, user=obj.user, agency=obj.agency, role=obj.role,
                                      valid_from=obj.valid_from, valid_to=obj.valid_to)
        except (PermissionDenied, ValidationError) as error:
            raise PermissionDenied(str(error)) from error
        obj.pk = saved.pk

    @admin.action(description=_("Thu hồi các vai trò đã chọn (từ hôm nay)"))
    def revoke_selected(self, request, queryset):
        for agency_role in queryset:
            try:
                agency_role_revoke(actor=request.user, agency_role=agency_role)
            except (PermissionDenied, ValidationError) as error:
                self.message_user(request, f"{agency_role}: {error}", messages.ERROR)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued by api_token_issue (the clear token is shown once, never stored)."""

    list_display = ("name", "agency", "user", "created_at", "expires_at", "revoked_at", "last_used_at")
    readonly_fields = ("name", "agency", "user", "token_sha256", "created_at", "expires_at", "revoked_at",
                       "last_used_at")
    actions = ["revoke_selected"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Thu hồi các khóa đã chọn"))
    def revoke_selected(self, request, queryset):
        for api_token in queryset:
            try:
                api_token_revoke(actor=request.user, api_token=api_token)
            except PermissionDenied as error:
                self.message_user(request, f"{api_token}: {error}", messages.ERROR)


# Resetting a lost phone = deleting the official's authenticator here; the next login then asks
# them to set up a new one. Audited like every other change to a second factor.
admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class AuthenticatorAdmin(AllauthAuthenticatorAdmin):
    def _audit_delete(self, request, authenticator: Authenticator) -> None:
        audit_record(action="mfa.authenticator_removed", actor=request.user, object_type="user",
                     object_id=authenticator.user_id,
                     data={"username": authenticator.user.get_username(), "type": authenticator.type,
                           "via": "admin"})

    def delete_model(self, request, obj):
        self._audit_delete(request, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for authenticator in queryset.select_related("user"):
            self._audit_delete(request, authenticator)
        super().delete_queryset(request, queryset)
