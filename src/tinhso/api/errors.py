from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A refusal the caller can act on: rendered as {code, message, details} with `status`."""

    def __init__(self, status: int, code: str, message: str, details: Any = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
