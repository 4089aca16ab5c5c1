"""Fixtures for the web shell's tests."""

from __future__ import annotations

import pytest

from tinhso.web.context_processors import clear_province_cache


@pytest.fixture(autouse=True)
def _fresh_province_cache():
    """The header caches the deployment's province: each test starts without it. Only that key is
    dropped: with Redis, cache.clear() would empty the database that parallel workers share."""
    clear_province_cache()
    yield
    clear_province_cache()


@pytest.fixture
def province(db, settings):
    """The deployment's province (Vĩnh Long, 86): loaded by core's data migration, else created."""
    from tinhso.core.models import AdministrativeUnit, UnitLevel
    from tinhso.core.selectors import deployment_province

    settings.TINHSO_PROVINCE = "86"
    return deployment_province() or AdministrativeUnit.objects.create(
        level=UnitLevel.PROVINCE, code="86", name="Tỉnh Vĩnh Long", division_type="tỉnh"
    )


@pytest.fixture
def no_province(db, settings):
    """A deployment whose province is not in the reference data (yet)."""
    settings.TINHSO_PROVINCE = "00"
