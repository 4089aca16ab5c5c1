"""HTTP API of accounts: who am I, with which roles in which agencies (mounted at /api/v1/)."""

from __future__ import annotations

from typing import Literal

from allauth.mfa.models import Authenticator
from django.utils.translation import gettext as _
from ninja import Router, Schema

from tinhso.accounts.api_auth import caller_auth as api_caller_auth
from tinhso.accounts.models import Role
from tinhso.accounts.selectors import user_roles_by_agency
from tinhso.api.errors import ApiError

# The same pair as tinhso.api.root.caller_auth; not imported from there because root imports this
# module to mount the router (an import cycle when this module is imported first).
caller_auth = api_caller_auth()

router = Router(tags=["accounts"], auth=caller_auth)


class AgencyOut(Schema):
    code: str
    name: str


class RoleOut(Schema):
    role: str
    label: str


class AgencyRolesOut(Schema):
    agency: AgencyOut
    roles: list[RoleOut]


class MeOut(Schema):
    username: str
    kind: Literal["citizen", "business", "official"]
    full_name: str
    second_factor: bool
    authenticated_by: Literal["session", "token"]
    roles: list[AgencyRolesOut]


def _require_second_factor(request, has_totp: bool) -> None:
    # Defence in depth behind OfficialMfaRequiredMiddleware: an official's session without a second
    # factor gets nothing but the instruction to set one up.
    if request.user.is_official and not has_totp and getattr(request, "api_token", None) is None:
        raise ApiError(403, "mfa_required", _("Cán bộ cần bật xác thực hai lớp trước khi dùng hệ thống."))


@router.get("/me", response=MeOut, summary="Tài khoản đang đăng nhập và vai trò tại từng cơ quan")
def me(request):
    user = request.user
    has_totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    _require_second_factor(request, has_totp)
    labels = dict(Role.choices)
    return {
        "username": user.get_username(),
        "kind": user.kind,
        "full_name": user.full_name,
        "second_factor": has_totp,
        "authenticated_by": "token" if getattr(request, "api_token", None) else "session",
        "roles": [
            {"agency": {"code": item.agency.code, "name": item.agency.name},
             "roles": [{"role": role, "label": str(labels[role])} for role in item.roles]}
            for item in user_roles_by_agency(user)
        ],
    }
