"""Accent-insensitive search over a folded column, the same answers on SQLite and PostgreSQL.

Every searchable row stores its name folded by `core.text.fold` (a `*_folded` column). A query is
folded the same way and split into words; a row matches when its folded column contains every word
as a substring ("ben tre", "BẾN TRE" and "Bến Tre" are one query). The indexes only make that fast:

- SQLite: an FTS5 table with the trigram tokenizer over the folded column (external content, kept
  in step by triggers). Trigrams need 3 characters, so 1–2 character words use LIKE instead.
- PostgreSQL: a GIN `gin_trgm_ops` index on the folded column serves LIKE '%word%' directly. The
  extensions `unaccent` and `pg_trgm` and an IMMUTABLE `tinhso_unaccent(text)` are installed for
  ad-hoc SQL and expression indexes; `lower(tinhso_unaccent(x))` is tested to agree with fold().

Other apps reuse this: register the index in their AppConfig.ready() with `search_index_register`,
create it in a migration with `search_index_create` (a RunPython), then call `folded_search`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from tinhso.core.text import fold

TRIGRAM = 3  # the shortest word the trigram indexes can look up


@dataclass(frozen=True)
class SearchIndex:
    db_table: str
    column: str
    name: str

    @property
    def fts_table(self) -> str:  # SQLite
        return f"{self.name}_fts"

    @property
    def trigram_index(self) -> str:  # PostgreSQL
        return f"{self.name}_trgm"


_INDEXES: dict[tuple[str, str], SearchIndex] = {}


def search_index_register(*, db_table: str, column: str, name: str) -> SearchIndex:
    index = SearchIndex(db_table=db_table, column=column, name=name)
    _INDEXES[(db_table, column)] = index
    return index


UNIT_INDEX = search_index_register(
    db_table="core_administrativeunit", column="name_folded", name="core_unit_name"
)
AGENCY_INDEX = search_index_register(db_table="core_agency", column="name_folded", name="core_agency_name")


def search_terms(q: str | None) -> list[str]:
    """The folded words of a query, in order, without repeats."""
    return list(dict.fromkeys(fold(q).split()))


def folded_search(queryset: QuerySet, q: str | None, *, field: str = "name_folded") -> QuerySet:
    """Rows of `queryset` whose folded `field` contains every folded word of `q` (all rows if q is blank)."""
    terms = search_terms(q)
    if not terms:
        return queryset
    connection = connections[queryset.db]
    index = _INDEXES.get((queryset.model._meta.db_table, queryset.model._meta.get_field(field).column))
    long_terms = []
    if connection.vendor == "sqlite" and index is not None:
        long_terms = [t for t in terms if len(t) >= TRIGRAM]
    if long_terms:
        # Each word a quoted FTS5 string (quotes doubled), all required: substring match on trigrams.
        match = " AND ".join('"' + t.replace('"', '""') + '"' for t in long_terms)
        fts = index.fts_table
        sql = f'SELECT rowid FROM "{fts}" WHERE "{fts}" MATCH %s'  # noqa: S608 (a registered name)
        queryset = queryset.filter(pk__in=RawSQL(sql, [match]))
    for term in terms:
        if term not in long_terms:
            queryset = queryset.filter(**{f"{field}__contains": term})
    return queryset


# --- Index DDL, run from migrations ------------------------------------------------------------


def _sqlite_fts_sql(index: SearchIndex) -> list[str]:
    t, c, f = index.db_table, index.column, index.fts_table
    return [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {f} USING fts5({c}, content='{t}', content_rowid='id', "
        "tokenize='trigram')",
        f"CREATE TRIGGER IF NOT EXISTS {f}_ai AFTER INSERT ON {t} BEGIN "
        f"INSERT INTO {f}(rowid, {c}) VALUES (new.id, new.{c}); END",
        f"CREATE TRIGGER IF NOT EXISTS {f}_ad AFTER DELETE ON {t} BEGIN "
        f"INSERT INTO {f}({f}, rowid, {c}) VALUES ('delete', old.id, old.{c}); END",
        f"CREATE TRIGGER IF NOT EXISTS {f}_au AFTER UPDATE OF {c} ON {t} BEGIN "
        f"INSERT INTO {f}({f}, rowid, {c}) VALUES ('delete', old.id, old.{c}); "
        f"INSERT INTO {f}(rowid, {c}) VALUES (new.id, new.{c}); END",
    ]


POSTGRES_SETUP_SQL = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    # unaccent() is only STABLE (it reads a dictionary that could change); naming the dictionary
    # makes the result fixed, so the wrapper may be IMMUTABLE and used in expression indexes.
    "CREATE OR REPLACE FUNCTION tinhso_unaccent(text) RETURNS text "
    "LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT "
    "AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$",
]


def _sqlite_triggers_missing(connection: BaseDatabaseWrapper, index: SearchIndex) -> bool:
    names = [f"{index.fts_table}_{suffix}" for suffix in ("ai", "ad", "au")]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN (%s, %s, %s)", names
        )
        return cursor.fetchone()[0] < len(names)


def search_index_create(*, connection: BaseDatabaseWrapper, index: SearchIndex) -> None:
    """Create the search index of one folded column, or repair it (idempotent).

    On SQLite, Django rebuilds a table for many ALTERs and the table's triggers go with it; calling
    this again (core does after every migrate) re-creates them and re-fills the FTS table.
    """
    if connection.vendor == "sqlite":
        missing = _sqlite_triggers_missing(connection, index)
        with connection.cursor() as cursor:
            for statement in _sqlite_fts_sql(index):
                cursor.execute(statement)
            if missing:
                cursor.execute(f"INSERT INTO {index.fts_table}({index.fts_table}) VALUES ('rebuild')")
    elif connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for statement in POSTGRES_SETUP_SQL:
                cursor.execute(statement)
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS {index.trigram_index} ON {index.db_table} "
                f"USING gin ({index.column} gin_trgm_ops)"
            )


def search_index_drop(*, connection: BaseDatabaseWrapper, index: SearchIndex) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for suffix in ("ai", "ad", "au"):
                cursor.execute(f"DROP TRIGGER IF EXISTS {index.fts_table}_{suffix}")
            cursor.execute(f"DROP TABLE IF EXISTS {index.fts_table}")
        elif connection.vendor == "postgresql":
            cursor.execute(f"DROP INDEX IF EXISTS {index.trigram_index}")


def search_indexes_ensure(*, using: str = "default", **kwargs) -> None:
    """Create or repair every registered index; a post_migrate receiver (extra kwargs ignored)."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return  # PostgreSQL indexes survive ALTER TABLE
    tables = set(connection.introspection.table_names())
    for index in _INDEXES.values():
        if index.db_table in tables:
            search_index_create(connection=connection, index=index)
