"""Shared fixtures. Tests run on SQLite by default and on PostgreSQL when DATABASE_URL says so."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _vietnamese_first(settings):
    settings.LANGUAGE_CODE = "vi"
