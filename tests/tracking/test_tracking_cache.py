"""The public tracking answer kept for TINHSO_TRACKING_CACHE_SECONDS: the API already lets any cache
keep it 30 s (Cache-Control), so the server keeps it too and a code asked again costs no query."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from .conftest import online

pytestmark = pytest.mark.django_db


@pytest.fixture
def kept(settings):
    settings.TINHSO_TRACKING_CACHE_SECONDS = 30
    codes = []
    yield codes
    for code in codes:
        for language in ("vi", "en"):
            cache.delete(f"tracking:answer:{language}:{code}")


def look_up(client, code, **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/api/v1/tracking/{code}", **headers)
    return response, len(queries)


@pytest.mark.parametrize("backend", ["configured", "locmem"])
def test_a_code_asked_again_is_answered_without_a_query(client, desk, kept, settings, backend):
    if backend == "locmem":
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    dossier = online(desk)
    kept.append(dossier.code)
    first, first_queries = look_up(client, dossier.code)
    again, again_queries = look_up(client, dossier.code.lower())  # the same code, typed differently
    assert first.status_code == again.status_code == 200
    assert first_queries >= 1 and again_queries == 0
    assert again.content == first.content
    assert again["Cache-Control"] == "public, max-age=30"


def test_answers_are_kept_per_language(client, desk, kept):
    dossier = online(desk)
    kept.append(dossier.code)
    vietnamese, _ = look_up(client, dossier.code)
    english, english_queries = look_up(client, dossier.code, HTTP_ACCEPT_LANGUAGE="en")
    assert english_queries >= 1  # not the Vietnamese answer
    assert vietnamese.json()["status_name"] != english.json()["status_name"]


def test_an_unknown_code_is_not_kept(client, desk, kept):
    missing = "000.91.60.H61-991231-9999"
    kept.append(missing)
    assert look_up(client, missing)[0].status_code == 404
    response, queries = look_up(client, missing)
    assert response.status_code == 404 and queries >= 1


def test_a_limited_client_gets_no_kept_answer(client, desk, kept, settings):
    settings.TINHSO_TRACKING_RATE = "1/m"
    dossier = online(desk)
    kept.append(dossier.code)
    assert look_up(client, dossier.code)[0].status_code == 200
    assert look_up(client, dossier.code)[0].status_code == 429


def test_with_the_cache_off_every_look_up_reads_the_database(client, desk, settings):
    settings.TINHSO_TRACKING_CACHE_SECONDS = 0
    dossier = online(desk)
    assert look_up(client, dossier.code)[1] >= 1
    assert look_up(client, dossier.code)[1] >= 1
