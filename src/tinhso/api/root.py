"""The HTTP API under /api/v1: one NinjaAPI, routers contributed by each app, one error shape.

Every error body is {"code": str, "message": str (Vietnamese first), "details": object|list|null}.
Browsers authenticate with their session (CSRF-checked); other systems of the province with a
bearer token (see accounts.ApiToken).
"""

from __future__ import annotations

import logging

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer

from tinhso.accounts.api_auth import caller_auth as api_caller_auth
from tinhso.api.errors import ApiError

log = logging.getLogger(__name__)


class UnicodeJSONRenderer(JSONRenderer):
    """JSON with Vietnamese letters as they are, not as \\u escapes."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    title="tinhso API",
    version="1.0.0",
    description="API của nền tảng chính quyền số cấp tỉnh tinhso.",
    renderer=UnicodeJSONRenderer(),
    urls_namespace="api",
    docs_url="/docs",
)


def error_response(request: HttpRequest, status: int, code: str, message: str, details=None):
    return api.create_response(request, {"code": code, "message": message, "details": details}, status=status)


@api.exception_handler(ApiError)
def _api_error(request, exc: ApiError):
    return error_response(request, exc.status, exc.code, str(exc.message), exc.details)


@api.exception_handler(ValidationError)
def _validation_error(request, exc: ValidationError):
    details = [
        {"field": ".".join(str(p) for p in err.get("loc", ()) if p not in ("query", "body", "path")),
         "message": err.get("msg", "")}
        for err in exc.errors
    ]
    return error_response(request, 422, "invalid_input", _("Dữ liệu gửi lên không hợp lệ."), details)


@api.exception_handler(AuthenticationError)
def _auth_error(request, exc):
    return error_response(request, 401, "unauthenticated", _("Cần đăng nhập hoặc khóa truy cập hợp lệ."))


@api.exception_handler(Http404)
def _not_found(request, exc):
    return error_response(request, 404, "not_found", _("Không tìm thấy."))


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    return error_response(request, exc.status_code, "http_error", str(exc))


@api.exception_handler(Exception)
def _unexpected(request, exc):
    # The detail goes to the log with the request id; the caller gets a reference, not a traceback.
    request_id = getattr(request, "request_id", "")
    log.exception("API error request_id=%s", request_id)
    return error_response(
        request, 500, "server_error",
        _("Hệ thống gặp lỗi. Vui lòng thử lại sau. Mã tham chiếu: %(ref)s") % {"ref": request_id},
        {"reference": request_id},
    )


#: Authentication accepted by endpoints that need a caller: a browser session or a system token.
caller_auth = api_caller_auth()

from tinhso.accounts.api import router as accounts_router  # noqa: E402
from tinhso.catalog.api import router as catalog_router  # noqa: E402
from tinhso.core.api import router as core_router  # noqa: E402  (routers import `api` helpers)

api.add_router("/", core_router)
api.add_router("/", accounts_router)
api.add_router("/", catalog_router)

from tinhso.dossiers.api import national_router  # noqa: E402
from tinhso.dossiers.api import router as dossiers_router

api.add_router("/", dossiers_router)
api.add_router("/", national_router)

from tinhso.dossiers.api_tracking import router as tracking_router  # noqa: E402

api.add_router("/", tracking_router)

from tinhso.kpi.api import router as kpi_router  # noqa: E402

api.add_router("/kpi/", kpi_router)
