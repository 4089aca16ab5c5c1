"""Refusals of the dossier services: the shared refusals of `tinhso.core.errors`, and the one
that only a workflow has (an action not possible in the dossier's current state)."""

from __future__ import annotations

from tinhso.core.errors import Conflict, Forbidden, InvalidInput, NotFound, ServiceError

DossierError = ServiceError


class ActionNotAllowed(ServiceError):
    """The action is not possible in the dossier's current state: details = allowed actions."""

    status = 409
    code = "action_not_allowed"


__all__ = ["ActionNotAllowed", "Conflict", "DossierError", "Forbidden", "InvalidInput", "NotFound"]
