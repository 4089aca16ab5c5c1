"""Bulk writing of model rows past the ORM: PostgreSQL COPY, and batched INSERT on SQLite.

- `copy_rows(model, rows)`: COPY an iterable of dicts (by attname) into a model's table; columns
  a row leaves out take the field's default. Simple and general (benchmarks use it).
- `TextTable`: rows already in COPY text form (tuples of str in a fixed column order), which is
  what the province generator produces: turning Python values into text is most of the cost of
  a COPY from Python, so the generator formats each value once, as it makes it. `flush()` sends
  the rows with one COPY on PostgreSQL, or turns them into what Django's SQLite backend stores and
  inserts them in batches on SQLite (a test and demo path: `bulk_create` would overwrite the
  historical `auto_now` timestamps with the present, so a plain batched INSERT is used).
- `IdBlock`: primary keys handed out before the rows are written, so that child rows can name
  their parent: on PostgreSQL taken from the table's own sequence (`nextval` in one statement, so
  concurrent inserts by the application simply get other numbers); on SQLite, which has a single
  writer, counted on from the largest id.

Text form (PostgreSQL COPY TEXT): NULL is `\\N`; booleans `t`/`f`; timestamps
`YYYY-MM-DD HH:MM:SS+07:00`; durations `H:MM:SS`; JSON as its text; backslash, tab, newline and
carriage return escaped (`esc`). Values made by the generator are checked not to need escaping.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models
from django.db.models import JSONField
from django.utils import timezone

NULL = "\\N"
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_UNESCAPES = {"\\\\": "\\", "\\t": "\t", "\\n": "\n", "\\r": "\r"}
SQLITE_BATCH = 400


def esc(text: str) -> str:
    """A string in COPY text form."""
    return text.translate(_ESCAPES)


def unesc(text: str) -> str:
    if "\\" not in text:
        return text
    out, i = [], 0
    while i < len(text):
        pair = text[i:i + 2]
        if pair in _UNESCAPES:
            out.append(_UNESCAPES[pair])
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def text_of(field: models.Field, value: Any) -> str:
    """A Python value of `field` in COPY text form (used for defaults and constants)."""
    if value is None:
        return NULL
    if isinstance(field, JSONField):
        return esc(json.dumps(value, ensure_ascii=False, separators=(",", ":")))
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.timedelta):
        return duration_text(int(value.total_seconds()))
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return esc(str(value))


def duration_text(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"


def _sqlite_datetime(text: str) -> str:
    # Django's SQLite backend keeps aware datetimes as naive UTC text (adapt_datetimefield_value).
    return str(dt.datetime.fromisoformat(text).astimezone(dt.UTC).replace(tzinfo=None))


def _sqlite_duration(text: str) -> int:
    hours, minutes, seconds = text.split(":")
    return (int(hours) * 3600 + int(minutes) * 60 + int(seconds)) * 1_000_000  # bigint microseconds


def _sqlite_value(field: models.Field):
    """Text form → the value Django's SQLite backend stores for `field` (what get_db_prep_save
    would give, without its per-value cost)."""
    internal = field.get_internal_type()
    if isinstance(field, JSONField):
        return unesc
    if internal == "BooleanField":
        return lambda v: 1 if v == "t" else 0
    if internal == "DateTimeField":
        return _sqlite_datetime
    if internal == "DateField":
        return str
    if internal == "DurationField":
        return _sqlite_duration
    if internal in ("CharField", "TextField", "SlugField", "EmailField", "URLField", "GenericIPAddressField"):
        return unesc
    if internal == "UUIDField":
        return lambda v: v.replace("-", "")
    return int  # integers and foreign keys


def _copy_fields(model):
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    return fields, [f.column for f in fields]


def copy_rows(model, rows: Iterable[dict]) -> None:
    """COPY `rows` (dicts by attname) into the model's table; missing columns take the field
    default, `auto_now(_add)` columns the present time (PostgreSQL only)."""
    from psycopg.types.json import Jsonb

    fields, columns = _copy_fields(model)
    now = timezone.now()
    sql = f'COPY "{model._meta.db_table}" ({", ".join(chr(34) + c + chr(34) for c in columns)}) FROM STDIN'
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for values in rows:
            out = []
            for f in fields:
                if f.attname in values:
                    v = values[f.attname]
                elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                    v = now
                else:
                    v = f.get_default()
                if isinstance(f, JSONField) and v is not None:
                    v = Jsonb(v)
                out.append(v)
            copy.write_row(out)


class TextTable:
    """Rows of one model in COPY text form. `columns`: the attnames each row gives, in order;
    every other concrete column takes its default (fixed once here), and a column without a
    default that no row gives is an error at construction, not a NOT NULL failure mid-load."""

    def __init__(self, model: type[models.Model], columns: Sequence[str]):
        self.model = model
        by_name = {f.attname: f for f in model._meta.concrete_fields}
        unknown = [c for c in columns if c not in by_name]
        if unknown:
            raise ValueError(f"{model.__name__}: no such columns {unknown}")
        self.fields = [by_name[c] for c in columns]
        rest = [f for f in model._meta.concrete_fields if f.attname not in columns and not f.primary_key]
        tail = []
        for f in rest:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                raise ValueError(f"{model.__name__}.{f.attname}: give it (auto_now would write the present)")
            default = f.get_default()  # "" for a string column without a default
            if default is None and not f.null:
                raise ValueError(f"{model.__name__}.{f.attname}: no default, the rows must give it")
            tail.append(text_of(f, default))
        self.all_fields = self.fields + rest
        self.tail = "".join("\t" + t for t in tail)
        self.rows: list[str] = []
        self.written = 0
        quote = connection.ops.quote_name
        self.sql = (f"COPY {quote(model._meta.db_table)} ("
                    f"{', '.join(quote(f.column) for f in self.all_fields)}) FROM STDIN")

    def __len__(self) -> int:
        return len(self.rows)

    def take(self) -> list[str]:
        rows, self.rows = self.rows, []
        return rows

    # --- writing --------------------------------------------------------------------------

    def write_postgres(self, cursor, rows: list[str]) -> None:
        """COPY `rows` through a psycopg cursor (Django's, or the writer thread's own), a slice
        at a time so that the text is never held twice in full."""
        if not rows:
            return
        end = self.tail + "\n"
        with cursor.copy(self.sql) as copy:
            for start in range(0, len(rows), 2000):
                copy.write((end.join(rows[start:start + 2000]) + end).encode())
        self.written += len(rows)

    def write_sqlite(self, rows: list[str]) -> None:
        if not rows:
            return
        fields = self.all_fields
        converters = [_sqlite_value(f) for f in fields]
        tail = self.tail.split("\t")[1:] if self.tail else []
        quote = connection.ops.quote_name
        sql = (f"INSERT INTO {quote(self.model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
               f"VALUES ({', '.join(['%s'] * len(fields))})")
        values = [[None if text == NULL else convert(text)
                   for text, convert in zip(row.split("\t") + tail, converters, strict=True)] for row in rows]
        with connection.cursor() as cursor:
            for start in range(0, len(values), SQLITE_BATCH):
                cursor.executemany(sql, values[start:start + SQLITE_BATCH])
        self.written += len(rows)


class IdBlock:
    """Primary keys for rows written later by COPY/INSERT (see the module docstring)."""

    def __init__(self, model: type[models.Model], ahead: int = 1):
        self.model = model
        self.table = model._meta.db_table
        self.ahead = ahead
        self._next: int | None = None
        self._ahead: list[int] = []

    def take(self, n: int) -> list[int]:
        if n <= 0:
            return []
        if connection.vendor == "postgresql":
            # Fetched ahead in blocks; ids left unused at the end are simply never used.
            if len(self._ahead) < n:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                                   [self.table, max(n - len(self._ahead), self.ahead)])
                    self._ahead.extend(sorted(row[0] for row in cursor.fetchall()))
            out, self._ahead = self._ahead[:n], self._ahead[n:]
            return out
        if self._next is None:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(self.table)}")
                top = cursor.fetchone()[0]
                cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [self.table])
                row = cursor.fetchone()
                self._next = max(top, row[0] if row else 0) + 1
        first, self._next = self._next, self._next + n
        return list(range(first, first + n))
