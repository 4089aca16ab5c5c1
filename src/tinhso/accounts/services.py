"""Write side of accounts. Every function is keyword-only, runs in one transaction and writes one
audit entry; refusals are ValidationError (bad input, keyed by field) or PermissionDenied (the
actor may not do this). `actor=None` means the system itself (a management command, the demo).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.accounts.models import AgencyRole, ApiToken, Role, User, UserKind
from tinhso.accounts.selectors import (
    roles_current,
    user_administers_any,
    user_is_province_admin,
    user_may_administer,
    user_roles,
)
from tinhso.accounts.validators import personal_id_parse, phone_normalize, tax_code_parse
from tinhso.core.audit import audit_record
from tinhso.core.models import Agency

# Officials' usernames start with a letter, so that they can never take a citizen's personal id or
# a business's tax code (those are all digits) as their login.
_OFFICIAL_USERNAME_RE = re.compile(r"^[a-z][a-z0-9._-]{2,59}$")
API_TOKEN_PREFIX = "tinhso_"


def _field_error(field: str, error: ValidationError | str) -> ValidationError:
    errors = error.error_list if isinstance(error, ValidationError) else [ValidationError(error)]
    return ValidationError({field: errors})


def _user_state(user: User) -> dict:
    return {"kind": user.kind, "username": user.username, "is_active": user.is_active}


def _require_counter_official(actor: User | None) -> None:
    # Citizens and businesses are registered at the counter by an official who holds a role today.
    if actor is not None and not (actor.is_superuser or user_roles(actor).exists()):
        raise PermissionDenied(_("Chỉ cán bộ đang giữ vai trò tại một cơ quan mới được tạo tài khoản."))


def _user_create(*, actor: User | None, kind: str, username: str, full_name: str, password: str,
                 **fields) -> User:
    full_name = " ".join((full_name or "").split())
    if not full_name:
        raise _field_error("full_name", _("Nhập họ và tên (hoặc tên tổ chức)."))
    if User.objects.filter(username__iexact=username).exists():
        raise _field_error("username",
                           _("Đã có tài khoản đăng nhập bằng %(username)s.") % {"username": username})
    user = User(username=username, kind=kind, full_name=full_name, **fields)
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise _field_error("password", error) from None
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    audit_record(action="user.created", actor=actor, object_type="user", object_id=user.pk,
                 after=_user_state(user), data={"kind": kind})
    return user


@transaction.atomic
def user_create_citizen(*, personal_id: str, full_name: str, password: str, phone: str = "",
                        actor: User | None = None) -> User:
    """A citizen logs in with their personal identification number."""
    _require_counter_official(actor)
    try:
        number = personal_id_parse(personal_id).number
        phone = phone_normalize(phone)
    except ValidationError as error:
        raise _field_error("phone" if error.code == "phone_format" else "personal_id", error) from None
    return _user_create(actor=actor, kind=UserKind.CITIZEN, username=number, full_name=full_name,
                        password=password, personal_id=number, phone=phone)


@transaction.atomic
def user_create_business(*, tax_code: str, name: str, password: str, actor: User | None = None) -> User:
    """A business (or a household business, with its owner's personal id) logs in with its tax code."""
    _require_counter_official(actor)
    try:
        number = tax_code_parse(tax_code).number
    except ValidationError as error:
        raise _field_error("tax_code", error) from None
    return _user_create(actor=actor, kind=UserKind.BUSINESS, username=number, full_name=name,
                        password=password, tax_code=number)


@transaction.atomic
def user_create_official(*, username: str, full_name: str, password: str, actor: User | None = None) -> User:
    """An official's account; roles are given separately, per agency (agency_role_grant)."""
    if actor is not None and not user_administers_any(actor):
        raise PermissionDenied(
            _("Chỉ quản trị cơ quan hoặc quản trị cấp tỉnh mới được tạo tài khoản cán bộ."))
    username = (username or "").strip().lower()
    if not _OFFICIAL_USERNAME_RE.match(username):
        raise _field_error("username", _(
            "Tên đăng nhập của cán bộ dài 3–60 ký tự, bắt đầu bằng chữ cái, chỉ gồm chữ thường không dấu, "
            "chữ số và các dấu . _ -"))
    return _user_create(actor=actor, kind=UserKind.OFFICIAL, username=username, full_name=full_name,
                        password=password)


# --- Roles ---------------------------------------------------------------------------------

def _role_state(agency_role: AgencyRole) -> dict:
    return {"user_id": agency_role.user_id, "agency": agency_role.agency.code, "role": agency_role.role,
            "valid_from": agency_role.valid_from, "valid_to": agency_role.valid_to}


def _require_administrator(actor: User | None, agency: Agency, role: str) -> None:
    if actor is None:  # the system (demo, commands run by the IT team on the server)
        return
    if not user_may_administer(actor, agency=agency):
        raise PermissionDenied(_("Chỉ quản trị của cơ quan này hoặc quản trị cấp tỉnh mới được giao, "
                                 "thu hồi vai trò."))
    if role == Role.PROVINCE_ADMIN and not (actor.is_superuser or user_is_province_admin(actor)):
        raise PermissionDenied(_("Chỉ quản trị cấp tỉnh mới được giao, thu hồi vai trò quản trị cấp tỉnh."))


def _check_role_grant(*, user: User, agency: Agency, role: str, valid_from, valid_to) -> None:
    if role not in Role.values:
        raise _field_error("role", _("Vai trò không tồn tại."))
    if not (user.is_active and user.is_official):
        raise _field_error("user", _("Chỉ tài khoản cán bộ, công chức đang hoạt động mới được giao vai trò."))
    today = timezone.localdate()
    if agency.valid_to is not None and agency.valid_to <= today:
        raise _field_error("agency", _("Cơ quan này đã hết hiệu lực (giải thể hoặc sáp nhập)."))
    if valid_from and valid_to and valid_to <= valid_from:
        raise _field_error("valid_to", _("Ngày kết thúc phải sau ngày bắt đầu."))


@transaction.atomic
def agency_role_grant(*, actor: User | None, user: User, agency: Agency, role: str,
                      valid_from: dt.date | None = None, valid_to: dt.date | None = None) -> AgencyRole:
    """Give `user` a role in `agency` for [valid_from, valid_to). Granting a role the user already
    holds sets its period anew (the audit log keeps the previous one)."""
    _require_administrator(actor, agency, role)
    _check_role_grant(user=user, agency=agency, role=role, valid_from=valid_from, valid_to=valid_to)
    agency_role = (
        AgencyRole.objects.select_for_update().select_related("agency")
        .filter(user=user, agency=agency, role=role).first()
    )
    before = _role_state(agency_role) if agency_role else None
    if agency_role is None:
        agency_role = AgencyRole(user=user, agency=agency, role=role)
    agency_role.valid_from, agency_role.valid_to = valid_from, valid_to
    agency_role.save()
    audit_record(action="role.granted", actor=actor, object_type="agency_role", object_id=agency_role.pk,
                 before=before, after=_role_state(agency_role),
                 data={"agency": agency.code, "role": role, "user_id": user.pk})
    return agency_role


@transaction.atomic
def agency_role_revoke(*, actor: User | None, agency_role: AgencyRole) -> AgencyRole:
    """End a role today (valid_to is exclusive, so the role no longer counts from today on)."""
    agency_role = AgencyRole.objects.select_for_update().select_related("agency").get(pk=agency_role.pk)
    _require_administrator(actor, agency_role.agency, agency_role.role)
    today = timezone.localdate()
    if agency_role.valid_to is not None and agency_role.valid_to <= today:
        return agency_role  # already ended
    if agency_role.role == Role.PROVINCE_ADMIN and not (actor and actor.is_superuser):
        others = roles_current(role=Role.PROVINCE_ADMIN).exclude(pk=agency_role.pk)
        if not others.exists():
            raise ValidationError(_("Không thể thu hồi vai trò quản trị cấp tỉnh cuối cùng: hãy giao vai trò "
                                    "này cho người khác trước."))
    before = _role_state(agency_role)
    agency_role.valid_to = max(today, agency_role.valid_from or today)
    agency_role.save(update_fields=["valid_to"])
    audit_record(action="role.revoked", actor=actor, object_type="agency_role", object_id=agency_role.pk,
                 before=before, after=_role_state(agency_role),
                 data={"agency": agency_role.agency.code, "role": agency_role.role,
                       "user_id": agency_role.user_id})
    return agency_role


# --- API tokens ----------------------------------------------------------------------------

@dataclass(frozen=True)
class IssuedApiToken:
    api_token: ApiToken
    token: str  # shown once; only its SHA-256 is stored


@transaction.atomic
def api_token_issue(*, actor: User | None, agency: Agency, user: User, name: str,
                    expires_at: dt.datetime | None = None) -> IssuedApiToken:
    """A bearer token for another system of the province, acting as `user` (a technical official
    account holding a role in `agency`, so the token can do no more than that account)."""
    if actor is not None and not user_may_administer(actor, agency=agency):
        raise PermissionDenied(
            _("Chỉ quản trị của cơ quan này hoặc quản trị cấp tỉnh mới được cấp khóa API."))
    name = " ".join((name or "").split())
    if not name:
        raise _field_error("name", _("Nhập tên hệ thống dùng khóa."))
    if user.is_superuser or not (user.is_active and user.is_official) or not user_roles(user).filter(
            agency=agency).exists():
        raise _field_error(
            "user", _("Khóa API phải gắn với một tài khoản cán bộ đang giữ vai trò tại cơ quan này."))
    if expires_at is not None and expires_at <= timezone.now():
        raise _field_error("expires_at", _("Thời điểm hết hạn phải ở tương lai."))
    token = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    api_token = ApiToken.objects.create(
        name=name, agency=agency, user=user, expires_at=expires_at,
        token_sha256=hashlib.sha256(token.encode()).hexdigest(),
    )
    audit_record(action="api_token.issued", actor=actor, object_type="api_token", object_id=api_token.pk,
                 data={"name": name, "agency": agency.code, "user_id": user.pk, "expires_at": expires_at})
    return IssuedApiToken(api_token=api_token, token=token)


@transaction.atomic
def api_token_revoke(*, actor: User | None, api_token: ApiToken) -> ApiToken:
    api_token = ApiToken.objects.select_for_update().select_related("agency").get(pk=api_token.pk)
    if actor is not None and not user_may_administer(actor, agency=api_token.agency):
        raise PermissionDenied(
            _("Chỉ quản trị của cơ quan này hoặc quản trị cấp tỉnh mới được thu hồi khóa API."))
    if api_token.revoked_at is None:
        api_token.revoked_at = timezone.now()
        api_token.save(update_fields=["revoked_at"])
        audit_record(action="api_token.revoked", actor=actor, object_type="api_token", object_id=api_token.pk,
                     data={"name": api_token.name, "agency": api_token.agency.code})
    return api_token
