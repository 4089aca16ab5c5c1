"""Read side of accounts: who holds which role in which agency, on a given day.

Least privilege: permission checks ask "does this person hold role R in agency A today?". There is
no global "is admin" flag; Django's superuser exists only for the IT team (the admin site, and
bootstrapping the first province admin). A role counts on day d when the role's period and the
agency's period both contain d (both `valid_to` are exclusive), and the account is active.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from tinhso.accounts.models import AgencyRole, Role, User
from tinhso.core.models import Agency
from tinhso.core.selectors import valid_on


def _agency_valid_on(day: dt.date, prefix: str = "") -> Q:
    return (Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": day})) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gt": day})
    )


def user_roles(user: User, on: dt.date | None = None) -> QuerySet[AgencyRole]:
    """The roles `user` holds on day `on` (default today), with their agencies."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return AgencyRole.objects.none()
    day = on or timezone.localdate()
    return (
        AgencyRole.objects.filter(valid_on(day), _agency_valid_on(day, "agency__"), user=user)
        .select_related("agency")
        .order_by("agency__code", "role")
    )


def roles_current(*, role: str, on: dt.date | None = None) -> QuerySet[AgencyRole]:
    """Everyone's roles of kind `role` on day `on`, of active accounts."""
    day = on or timezone.localdate()
    return AgencyRole.objects.filter(valid_on(day), _agency_valid_on(day, "agency__"), role=role,
                                     user__is_active=True)


def user_has_role(user: User, *, agency: Agency, roles: Iterable[str], on: dt.date | None = None) -> bool:
    return user_roles(user, on).filter(agency=agency, role__in=list(roles)).exists()


def agencies_where(user: User, role: str, *, on: dt.date | None = None) -> QuerySet[Agency]:
    """The agencies in which `user` holds `role` on day `on`."""
    agency_ids = user_roles(user, on).filter(role=role).values("agency_id")
    return Agency.objects.filter(pk__in=agency_ids).order_by("code")


def user_is_province_admin(user: User, *, on: dt.date | None = None) -> bool:
    return user_roles(user, on).filter(role=Role.PROVINCE_ADMIN).exists()


def user_may_administer(user: User, *, agency: Agency, on: dt.date | None = None) -> bool:
    """May `user` manage staff and API tokens of `agency`: its agency admin, a province admin, or
    the IT team's superuser."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return user_roles(user, on).filter(
        Q(role=Role.PROVINCE_ADMIN) | Q(role=Role.AGENCY_ADMIN, agency=agency)
    ).exists()


def user_administers_any(user: User, *, on: dt.date | None = None) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return user_roles(user, on).filter(role__in=[Role.PROVINCE_ADMIN, Role.AGENCY_ADMIN]).exists()


@dataclass(frozen=True)
class AgencyRoles:
    agency: Agency
    roles: tuple[str, ...]


def user_roles_by_agency(user: User, *, on: dt.date | None = None) -> list[AgencyRoles]:
    grouped: dict[int, tuple[Agency, list[str]]] = {}
    for agency_role in user_roles(user, on):
        grouped.setdefault(agency_role.agency_id, (agency_role.agency, []))[1].append(agency_role.role)
    return [AgencyRoles(agency=agency, roles=tuple(roles)) for agency, roles in grouped.values()]
