from __future__ import annotations

import uuid


class RequestIdMiddleware:
    """Gives every request a short reference id: shown on the 500 page, written to the log."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = request.headers.get("X-Request-Id", "")[:64] or uuid.uuid4().hex[:12]
        response = self.get_response(request)
        response["X-Request-Id"] = request.request_id
        return response
