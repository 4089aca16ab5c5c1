"""Refusals of the dossier services. Each carries an HTTP-like status, a stable code and a
Vietnamese-first message, so that the API and the back office render them the same way."""

from __future__ import annotations

from typing import Any


class DossierError(Exception):
    status = 400
    code = "dossier_error"

    def __init__(self, message: str, *, details: Any = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.details = details
        if code:
            self.code = code


class InvalidInput(DossierError):
    """Field-level problems: details = [{"field", "message"}]."""

    status = 422
    code = "invalid_input"


class Forbidden(DossierError):
    status = 403
    code = "forbidden"


class NotFound(DossierError):
    status = 404
    code = "not_found"


class ActionNotAllowed(DossierError):
    """The action is not possible in the dossier's current state: details = allowed actions."""

    status = 409
    code = "action_not_allowed"


class Conflict(DossierError):
    """Someone changed the dossier first (or an idempotency key was reused for another request)."""

    status = 409
    code = "conflict"
