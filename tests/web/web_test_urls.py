"""A URLconf for tests: the real one plus views that fail on purpose (never in the product)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.db import connection
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import include, path

from tinhso.urls import handler400, handler403, handler404, handler500  # noqa: F401
from tinhso.urls import urlpatterns as real_urlpatterns


def boom(request):
    raise RuntimeError("secret detail that must not reach the user")


def query_the_database(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok")


def forbidden(request):
    raise PermissionDenied


def suspicious(request):
    raise SuspiciousOperation("bad input")


def message(request):
    messages.success(request, "Đã lưu hồ sơ.")
    return redirect("/")


def procedures(request):
    return HttpResponse("procedures")


catalog_patterns = ([path("", procedures, name="procedure_list")], "catalog")

urlpatterns = [
    path("_test/boom", boom),
    path("_test/db", query_the_database),
    path("_test/forbidden", forbidden),
    path("_test/suspicious", suspicious),
    path("_test/message", message),
    path("thu-tuc/", include(catalog_patterns)),
    *real_urlpatterns,
]
