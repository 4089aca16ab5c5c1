from __future__ import annotations

import logging
import sys
from dataclasses import dataclass

from django.db import connection
from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.html import escape
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token

from tinhso.web.middleware import request_id_for

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PortalService:
    """A service announced on the home page. It is linked only once its URL exists; until then the
    page says plainly that it is coming."""

    title: Promise
    description: Promise
    url_name: str


# The modules that provide these name their URLs so (see docs/modules/web.md).
HOME_SERVICES = (
    PortalService(
        gettext_lazy("Tra cứu thủ tục hành chính"),
        gettext_lazy("Tìm thủ tục bạn cần: giấy tờ phải nộp, lệ phí, thời hạn giải quyết và nơi nhận hồ sơ."),
        "portal:search",
    ),
    PortalService(
        gettext_lazy("Nộp hồ sơ trực tuyến"),
        gettext_lazy("Điền tờ khai, đính kèm giấy tờ và nộp hồ sơ ngay trên điện thoại hoặc máy tính."),
        "portal:search",
    ),
    PortalService(
        gettext_lazy("Tra cứu tiến độ hồ sơ"),
        gettext_lazy("Xem hồ sơ của bạn đang được xử lý ở bước nào và khi nào có kết quả."),
        "tracking:lookup",
    ),
)


def _url_or_none(url_name: str) -> str | None:
    try:
        return reverse(url_name)
    except NoReverseMatch:
        return None


def home(request):
    services = [
        {"title": service.title, "description": service.description, "url": _url_or_none(service.url_name)}
        for service in HOME_SERVICES
    ]
    return render(request, "tinhso/home.html", {"services": services})


@never_cache
def healthz(request):
    """Liveness and database reachability, for the load balancer."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # the probe must answer, not raise
        log.exception("healthz: database unreachable")
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@never_cache
def readyz(request):
    """Ready to serve: database reachable and every migration applied."""
    from django.db.migrations.executor import MigrationExecutor

    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception:
        log.exception("readyz: database unreachable")
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    if pending:
        return JsonResponse({"status": "error", "migrations": "pending", "pending": len(pending)}, status=503)
    return JsonResponse({"status": "ok"})


# --- Error pages ------------------------------------------------------------------------------
# 400 and 500 render with `tinhso_minimal`: no signed-in user, no messages, the province only from
# the cache, so that no database query is made (the error may be the database, or the session).
# 403 and 404 keep the full shell: the visitor's sign-in state matters there.


def _error(request, template: str, status: int, *, minimal: bool):
    if minimal:
        request.tinhso_minimal = True
    context = {"request_id": request_id_for(request), "status": status}
    return render(request, template, context, status=status)


@requires_csrf_token
def bad_request(request, exception=None):
    return _error(request, "tinhso/errors/400.html", 400, minimal=True)


@requires_csrf_token
def permission_denied(request, exception=None):
    return _error(request, "tinhso/errors/403.html", 403, minimal=False)


@requires_csrf_token
def page_not_found(request, exception=None):
    return _error(request, "tinhso/errors/404.html", 404, minimal=False)


@requires_csrf_token
def server_error(request):
    request_id = request_id_for(request)
    exc_type = sys.exc_info()[0]
    # Django logs the traceback itself (logger django.request); this line ties it to the id the
    # user sees and may read out to the help desk.
    log.error(
        "server error ref=%s %s %s (%s)",
        request_id,
        request.method,
        request.path,
        exc_type.__name__ if exc_type else "unknown",
    )
    try:
        return _error(request, "tinhso/errors/500.html", 500, minimal=True)
    except Exception:
        # Last resort, when even the template fails: plain HTML, no template, no database.
        log.exception("server error ref=%s: the 500 page itself failed", request_id)
        return HttpResponseServerError(_plain_500(request_id), content_type="text/html; charset=utf-8")


def _plain_500(request_id: str) -> str:
    title = escape(_("Xin lỗi, hệ thống đang gặp sự cố"))
    retry = escape(_("Hãy thử lại sau ít phút."))
    reference = escape(_("Mã tham chiếu:"))
    return (
        f'<!DOCTYPE html><html lang="{escape(get_language() or "vi")}"><head><meta charset="utf-8"><title>{title}</title>'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
        f"<body><main><h1>{title}</h1><p>{retry}</p><p>{reference} <strong>{escape(request_id)}</strong></p>"
        f"</main></body></html>"
    )
