"""Shared fixtures. Tests run on SQLite by default and on PostgreSQL when DATABASE_URL says so."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _vietnamese_first(settings):
    settings.LANGUAGE_CODE = "vi"


@pytest.fixture(autouse=True)
def _no_kept_tracking_answers(settings):
    """Dossier codes repeat from test to test (every test numbers from 0001 again), so a public
    tracking answer kept by one test must not answer the next: the tests of that cache turn it on."""
    settings.TINHSO_TRACKING_CACHE_SECONDS = 0


@pytest.fixture(autouse=True)
def _no_kept_monitor_pages(monkeypatch):
    """The monitor's page cache is keyed by the time of the latest recompute, and the tests' clock is
    frozen: pages kept by one test (or an earlier run sharing Redis) must not answer another. The
    test of that cache turns it on under a key prefix of its own."""
    from tinhso.web.monitor import views

    monkeypatch.setattr(views, "_cache_on", False)
