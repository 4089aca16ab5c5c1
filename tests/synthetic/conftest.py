"""The demo province (agencies, catalogue) and one generated data set shared by a test module.

`generated` loads the demo agencies and catalogue, generates 500 dossiers over the 13 months to the
end of October 2026 and keeps the generator's intents; it lives in one transaction per module, rolled back at the
end, and each test runs in a savepoint inside it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.db import transaction
from django.test import override_settings

from tinhso.catalog.demo import catalog_load_demo
from tinhso.core.models import AdministrativeUnit, UnitLevel
from tinhso.core.units import agencies_load_demo, units_load
from tinhso.synthetic.services import Summary, province_generate

SEED = 20261123
DOSSIERS = 500
#: A fixed period (13 months to the end of October 2026), so that the data are the same every day.
END = dt.date(2026, 10, 31)


def demo_province_load() -> None:
    """Units (reloaded if a transactional test elsewhere flushed them), demo agencies, catalogue."""
    if not AdministrativeUnit.objects.filter(level=UnitLevel.PROVINCE, code=settings.TINHSO_PROVINCE).exists():
        units_load()
    agencies_load_demo()
    catalog_load_demo(province_code=settings.TINHSO_PROVINCE)


@dataclass
class Generated:
    summary: Summary


def _storages(root) -> dict:
    storages = dict(settings.STORAGES)
    for alias in ("dossier_files", "citizen_files"):
        storages[alias] = {"BACKEND": "django.core.files.storage.FileSystemStorage",
                           "OPTIONS": {"location": str(root / alias), "file_permissions_mode": 0o600}}
    return storages


@pytest.fixture(autouse=True)
def _files_in_tmp(settings, tmp_path_factory):
    """Generated attachments point at files stored in a temporary directory, never in var/."""
    settings.STORAGES = _storages(tmp_path_factory.getbasetemp() / "synthetic-files")


@pytest.fixture(scope="module")
def generated(django_db_setup, django_db_blocker, tmp_path_factory):
    storages = _storages(tmp_path_factory.getbasetemp() / "synthetic-files")
    with override_settings(STORAGES=storages), django_db_blocker.unblock(), transaction.atomic():
        demo_province_load()
        summary = province_generate(dossiers=DOSSIERS, months=13, end=END, seed=SEED, keep_intents=True)
        yield Generated(summary)
        transaction.set_rollback(True)
