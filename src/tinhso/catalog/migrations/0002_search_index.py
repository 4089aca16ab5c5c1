"""Accent-insensitive search index (FTS5 trigram on SQLite, pg_trgm on PostgreSQL): core/search.py."""

from django.db import migrations

from tinhso.catalog.search import PROCEDURE_INDEX
from tinhso.core import search


def create(apps, schema_editor):
    search.search_index_create(connection=schema_editor.connection, index=PROCEDURE_INDEX)


def drop(apps, schema_editor):
    search.search_index_drop(connection=schema_editor.connection, index=PROCEDURE_INDEX)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial"), ("core", "0004_constraints_and_audit_guard")]

    operations = [migrations.RunPython(create, drop)]
