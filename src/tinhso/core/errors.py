"""Refusals of the services of every app: an HTTP-like status, a stable code and a Vietnamese-first
message, so that the API, the pages and the commands render them the same way. Apps name their own
base (`dossiers.errors.DossierError`, `kpi.errors.KpiError`) as an alias of `ServiceError`."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    status = 400
    code = "error"

    def __init__(self, message: str, *, details: Any = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.details = details
        if code:
            self.code = code


class InvalidInput(ServiceError):
    """Field-level problems: details = [{"field", "message"}]."""

    status = 422
    code = "invalid_input"


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class Conflict(ServiceError):
    """Someone changed the record first (or an idempotency key was reused for another request)."""

    status = 409
    code = "conflict"
