"""Refusals of the kpi services: the shared refusals of `tinhso.core.errors`."""

from __future__ import annotations

from tinhso.core.errors import Conflict, Forbidden, InvalidInput, NotFound, ServiceError

KpiError = ServiceError

__all__ = ["Conflict", "Forbidden", "InvalidInput", "KpiError", "NotFound"]
