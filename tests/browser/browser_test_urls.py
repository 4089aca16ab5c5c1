"""The real URLconf plus one view that fails on purpose, to see the 500 page in a browser."""

from django.urls import path

from tinhso.urls import handler400, handler403, handler404, handler500  # noqa: F401
from tinhso.urls import urlpatterns as real_urlpatterns


def boom(request):
    raise RuntimeError("browser test: deliberate failure")


urlpatterns = [path("_test/boom", boom), *real_urlpatterns]
