"""The application's URLs plus GET /bench/fixed, the baseline of the HTTP benchmarks: a bare
Django view returning a fixed JSON document through the same middleware stack."""

from django.http import JsonResponse
from django.urls import path

from tinhso.urls import handler400, handler403, handler404, handler500  # noqa: F401
from tinhso.urls import urlpatterns as application_urls

FIXED = {"count": 1, "page": 1, "page_size": 50, "items": [{"code": "000.00.00.H86-261123-0001"}]}


def fixed(request):
    return JsonResponse(FIXED)


urlpatterns = [path("bench/fixed", fixed), *application_urls]
