"""Load the administrative units and their 2025 lineage from core/data/, then index the folded names.

Indexes after the load, so that SQLite fills its FTS tables in one 'rebuild' and PostgreSQL builds
the trigram indexes once. On PostgreSQL this also installs `unaccent`, `pg_trgm` and the IMMUTABLE
`tinhso_unaccent(text)` wrapper (see core/search.py).
"""

from django.db import migrations

from tinhso.core import search, units


def load_units(apps, schema_editor):
    units.units_load(apps=apps)


def unload_units(apps, schema_editor):
    units.units_unload(apps=apps)


def create_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # The load left deferred foreign-key checks pending, and PostgreSQL will not build an index
        # on a table with pending trigger events inside the same transaction: run the checks now.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for index in (search.UNIT_INDEX, search.AGENCY_INDEX):
        search.search_index_create(connection=schema_editor.connection, index=index)


def drop_search_indexes(apps, schema_editor):
    for index in (search.UNIT_INDEX, search.AGENCY_INDEX):
        search.search_index_drop(connection=schema_editor.connection, index=index)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS tinhso_unaccent(text)")


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [
        migrations.RunPython(load_units, unload_units, elidable=False),
        migrations.RunPython(create_search_indexes, drop_search_indexes, elidable=False),
    ]
