"""The database-level guard of the audit log: triggers that refuse UPDATE and DELETE.

Installed by migration 0004; `audit_guard_lifted` exists only for `flush` on SQLite (see
core/management/commands/flush.py).
"""

from __future__ import annotations

from contextlib import contextmanager

TABLE = "core_auditentry"

PG_INSTALL = f"""
CREATE OR REPLACE FUNCTION tinhso_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'Nhật ký kiểm toán chỉ được ghi thêm / the audit log is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION tinhso_audit_append_only();
"""
PG_REMOVE = f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE}; DROP FUNCTION IF EXISTS tinhso_audit_append_only();"
SQLITE_INSTALL = [
    f"CREATE TRIGGER IF NOT EXISTS {TABLE}_no_update BEFORE UPDATE ON {TABLE} "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;",
    f"CREATE TRIGGER IF NOT EXISTS {TABLE}_no_delete BEFORE DELETE ON {TABLE} "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;",
]
SQLITE_REMOVE = [f"DROP TRIGGER IF EXISTS {TABLE}_no_update;", f"DROP TRIGGER IF EXISTS {TABLE}_no_delete;"]


def audit_guard_install(execute, vendor: str) -> None:
    if vendor == "postgresql":
        execute(PG_INSTALL)
    elif vendor == "sqlite":
        for statement in SQLITE_INSTALL:
            execute(statement)


def audit_guard_remove(execute, vendor: str) -> None:
    if vendor == "postgresql":
        execute(PG_REMOVE)
    elif vendor == "sqlite":
        for statement in SQLITE_REMOVE:
            execute(statement)


@contextmanager
def audit_guard_lifted(connection):
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type='trigger' AND name=%s", [f"{TABLE}_no_delete"])
        installed = cursor.fetchone() is not None
        if installed:
            audit_guard_remove(cursor.execute, "sqlite")
    try:
        yield
    finally:
        if installed:
            with connection.cursor() as cursor:
                audit_guard_install(cursor.execute, "sqlite")
