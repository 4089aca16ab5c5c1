"""Accent-insensitive search index (FTS5 trigram on SQLite, pg_trgm on PostgreSQL): core/search.py."""

from django.db import migrations

from tinhso.core import search
from tinhso.dossiers.search import APPLICANT_INDEX


def create(apps, schema_editor):
    search.search_index_create(connection=schema_editor.connection, index=APPLICANT_INDEX)


def drop(apps, schema_editor):
    search.search_index_drop(connection=schema_editor.connection, index=APPLICANT_INDEX)


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0001_initial"), ("core", "0004_constraints_and_audit_guard")]

    operations = [migrations.RunPython(create, drop)]
