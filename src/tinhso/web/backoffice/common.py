"""What the back office's pages share: who may come in (`desk_required`), small formatting helpers,
the officials who can take a dossier in a step, and putting the services' refusals back on a form."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.accounts.models import Role, User
from tinhso.accounts.selectors import roles_current, user_roles_by_agency
from tinhso.catalog.workflow import StateSpec
from tinhso.core.models import Agency
from tinhso.dossiers.errors import InvalidInput
from tinhso.dossiers.services import holding_roles

# --- Who may come in ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Desk:
    """The agencies where the official works (roles other than a connected system's), and the
    roles held in each."""

    agencies: tuple[Agency, ...]
    roles: dict[int, frozenset[str]]

    def pick(self, code: str | None, among: tuple[Agency, ...] | list[Agency] | None = None) -> Agency:
        agencies = among or self.agencies
        return next((a for a in agencies if a.code == code), agencies[0])

    def roles_at(self, agency: Agency) -> frozenset[str]:
        return self.roles.get(agency.pk, frozenset())

    def where(self, role: str) -> list[Agency]:
        return [a for a in self.agencies if role in self.roles_at(a)]


def desk_of(user: User) -> Desk:
    groups = [g for g in user_roles_by_agency(user) if set(g.roles) - {Role.INTEGRATION}]
    return Desk(agencies=tuple(g.agency for g in groups),
                roles={g.agency.pk: frozenset(set(g.roles) - {Role.INTEGRATION}) for g in groups})


def desk_required(view):
    """Officials with a role in some agency only; others get a polite 403 page (a citizen who
    follows a link is told this is the officers' area, not shown an error)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        desk = desk_of(user) if user.is_official else None
        if desk is None or not desk.agencies:
            return render(request, "backoffice/no_access.html", {"official": user.is_official}, status=403)
        request.desk = desk
        return view(request, *args, **kwargs)

    return wrapped


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


def scoped_key(request, key: str) -> str:
    """The anti-double-submit key as the services store it: scoped to the official."""
    return f"web:{request.user.pk}:{key}"[:80]


def when(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M") if value else ""


def vnd(amount: int) -> str:
    return _("%(amount)s đồng") % {"amount": f"{amount:,}".replace(",", ".")}


def officials_for(agency_ids: list[int], state: StateSpec) -> list[tuple[str, Any]]:
    """Who can hold a dossier in `state` at one of the agencies: officials with a role that has an
    action there. Grouped by agency when there are several."""
    roles = holding_roles(state)
    found: dict[int, dict[int, tuple[User, list[str]]]] = {i: {} for i in agency_ids}
    names: dict[int, str] = {}
    for role in sorted(roles):
        for held in roles_current(role=role).filter(agency_id__in=agency_ids).select_related("user", "agency"):
            if not held.user.is_official:
                continue
            names[held.agency_id] = held.agency.name
            found[held.agency_id].setdefault(held.user_id, (held.user, []))[1].append(str(held.get_role_display()))

    def options(people: dict[int, tuple[User, list[str]]]) -> list[tuple[str, str]]:
        listed = sorted(people.values(), key=lambda p: (p[0].full_name or p[0].username).casefold())
        return [(str(u.pk), f"{u.full_name or u.username} — {', '.join(r)}") for u, r in listed]

    if len(agency_ids) == 1:
        return options(found[agency_ids[0]])
    return [(names[i], options(found[i])) for i in agency_ids if found[i]]


def put_back(form, exc: InvalidInput, field_of) -> None:
    """The service's field-level refusals, on the form's own fields (unknown ones at the top)."""
    details = exc.details if isinstance(exc.details, list) else []
    placed = [(field_of(str(d.get("field") or "")), str(d.get("message") or "")) for d in details]
    if not placed or any(name is None for name, _m in placed):
        form.add_error(None, str(exc.message))
    for name, message in placed:
        if message and (name is None or name in form.fields):
            form.add_error(name, message)
        elif message:
            form.add_error(None, message)
