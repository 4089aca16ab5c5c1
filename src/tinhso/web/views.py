from __future__ import annotations

import logging

from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render

log = logging.getLogger(__name__)


def home(request):
    return render(request, "tinhso/home.html")


def healthz(request):
    """Liveness and database reachability, for the load balancer."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # the probe must answer, not raise
        log.exception("healthz: database unreachable")
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def readyz(request):
    """Ready to serve: database reachable and migrated, reference data loaded."""
    from django.db.migrations.executor import MigrationExecutor

    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception:
        log.exception("readyz: database unreachable")
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    if pending:
        return JsonResponse({"status": "error", "migrations": "pending"}, status=503)
    return JsonResponse({"status": "ok"})


def _error(request, template: str, status: int):
    return render(request, template, {"request_id": getattr(request, "request_id", "")}, status=status)


def bad_request(request, exception=None):
    return _error(request, "tinhso/errors/400.html", 400)


def permission_denied(request, exception=None):
    return _error(request, "tinhso/errors/403.html", 403)


def page_not_found(request, exception=None):
    return _error(request, "tinhso/errors/404.html", 404)


def server_error(request):
    return _error(request, "tinhso/errors/500.html", 500)
