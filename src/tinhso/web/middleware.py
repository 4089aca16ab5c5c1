from __future__ import annotations

import contextvars
import logging
import re
import uuid

# The current request's reference id, for log records (see RequestIdLogFilter).
current_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("tinhso_request_id", default="-")

# An id handed in by the proxy is kept only if it is short and plain: it goes into logs and headers.
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def new_request_id() -> str:
    return uuid.uuid4().hex[:12]


def request_id_for(request) -> str:
    """The request's reference id, creating one if the middleware has not run (early errors)."""
    request_id = getattr(request, "request_id", "")
    if not request_id:
        request_id = new_request_id()
        request.request_id = request_id
    return request_id


class RequestIdMiddleware:
    """Gives every request a short reference id: shown on the 500 page, written to the log,
    returned as the X-Request-Id header. A proxy's X-Request-Id is reused when it is safe."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-Id", "")
        request.request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else new_request_id()
        token = current_request_id.set(request.request_id)
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(token)
        response["X-Request-Id"] = request.request_id
        return response


class RequestIdLogFilter(logging.Filter):
    """Adds `request_id` to every log record, for a format such as "%(request_id)s %(message)s"."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            request = getattr(record, "request", None)
            record.request_id = getattr(request, "request_id", None) or current_request_id.get()
        return True
