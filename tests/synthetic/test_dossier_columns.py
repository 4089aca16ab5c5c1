"""The generator writes the dossier's Decision 766 columns itself (dossiers migration 0005): on
PostgreSQL they are checked with the database's triggers off, as a load with `fk_checks=False`
runs, so what is stored is what the generator wrote; on SQLite the triggers cannot be turned off and
the check is that both agree."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction

from kpi.test_dossier_facts import truth
from synthetic.conftest import _storages, demo_province_load
from tinhso.synthetic.services import province_generate

pytestmark = pytest.mark.django_db


class Rollback(Exception):
    pass


def test_the_generators_766_columns_are_those_of_its_files_ratings_pakn_and_supplements(settings, tmp_path):
    settings.STORAGES = _storages(tmp_path)
    with pytest.raises(Rollback), transaction.atomic():
        demo_province_load()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
        province_generate(dossiers=400, months=13, end=dt.date(2026, 10, 31), seed=20261124)
        rows = list(truth())
        assert len(rows) >= 400
        wrong = [row for row in rows if row[1:8] != row[8:15]]
        assert not wrong, wrong[:3]
        # The data exercise the columns (else the check says little); no outbox is generated, so
        # `sync_delivered` stays false.
        for i in range(1, 7):
            assert any(row[i] for row in rows), i
        assert not any(row[7] for row in rows)
        raise Rollback
