"""Django's `flush`, made to work on SQLite despite the audit log's append-only triggers.

`flush` empties every table by design. On PostgreSQL it TRUNCATEs, which row triggers do not
see; on SQLite it DELETEs, which the audit log's trigger refuses. So on SQLite the triggers are
lifted for the flush and put back right after it, keeping both
databases alike. (Test cases that use a live server flush the database after each test.)
"""

from __future__ import annotations

from django.core.management.commands.flush import Command as DjangoFlush
from django.db import connections

from tinhso.core.audit_guard import audit_guard_lifted


class Command(DjangoFlush):
    def handle(self, **options):
        connection = connections[options["database"]]
        with audit_guard_lifted(connection):
            return super().handle(**options)
