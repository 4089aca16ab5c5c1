"""Dossier codes (mã hồ sơ): `{agency code}-{YYMMDD}-{NNNN}`.

Circular 01/2018/TT-VPCP Art. 19 (regulations.md §2.5): the QCVN 102 code of the receiving agency,
the date of receipt, and a 4-digit sequence number within the agency for the day. Newer national
systems seem to use an 8-digit date and a 7-digit sequence (unverified), so the format is a setting
(TINHSO_DOSSIER_CODE, a dotted path to a callable(agency, day, seq) -> str).

The sequence is one row per (agency, day), incremented by a single upsert inside the intake
transaction: concurrent intakes queue on that row, each gets its own number, and a rolled-back
intake gives its number back with the rest of its work, so no code is used twice and none is
skipped. The price is that an agency's intakes commit one after another; on PostgreSQL the number
is therefore taken, formatted and written into the dossier and its outbox messages by one statement
issued just before COMMIT (`code_assign`), so the row is held for one round trip and the commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.utils.module_loading import import_string

from tinhso.core.models import Agency


@dataclass(frozen=True)
class CodeFormat:
    """`{agency code}-{date}-{number}`, the number zero-padded to at least `width` digits (past
    that it simply grows). Callable as (agency, day, seq) -> str, like any generator; its parts
    also let PostgreSQL format the code in the statement that takes the number."""

    date_format: str
    width: int

    def prefix(self, agency: Agency, day: dt.date) -> str:
        return f"{agency.code}-{day.strftime(self.date_format)}-"

    def __call__(self, agency: Agency, day: dt.date, seq: int) -> str:
        return f"{self.prefix(agency, day)}{seq:0{self.width}d}"


#: Circular 01/2018/TT-VPCP Art. 19: 6-digit date, 4-digit number of the day.
qcvn_code = CodeFormat("%y%m%d", 4)
#: The longer form seen in newer national systems (8-digit date, 7-digit number).
long_code = CodeFormat("%Y%m%d", 7)


def _generator() -> Callable[[Agency, dt.date, int], str]:
    return import_string(settings.TINHSO_DOSSIER_CODE)


def sequence_next(*, agency_id: int, day: dt.date) -> int:
    """The next number of the day for the agency. Must run inside the caller's transaction."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO dossiers_dossiersequence (agency_id, day, last) VALUES (%s, %s, 1) "
            "ON CONFLICT (agency_id, day) DO UPDATE SET last = dossiers_dossiersequence.last + 1 "
            "RETURNING last",
            [agency_id, day],
        )
        return int(cursor.fetchone()[0])


def dossier_code_next(*, agency: Agency, day: dt.date) -> str:
    return _generator()(agency, day, sequence_next(agency_id=agency.pk, day=day))


def code_assign_supported() -> bool:
    """Whether `code_assign` can number in one statement: PostgreSQL and a `CodeFormat` generator."""
    return connection.vendor == "postgresql" and isinstance(_generator(), CodeFormat)


def code_assign(*, dossier_id: int, provisional: str, agency: Agency, day: dt.date,
                outbox_ids: Sequence[int]) -> str:
    """Take the agency's next number of the day and write the code over the provisional one in
    the dossier and in its outbox messages (JSON text replace: the provisional code is a unique
    token), in one statement. Must run inside the caller's transaction, as its last write."""
    generator = _generator()
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH s AS ("
            " INSERT INTO dossiers_dossiersequence (agency_id, day, last) VALUES (%s, %s, 1)"
            " ON CONFLICT (agency_id, day) DO UPDATE SET last = dossiers_dossiersequence.last + 1"
            " RETURNING last),"
            " c AS (SELECT %s || CASE WHEN length(last::text) >= %s THEN last::text"
            " ELSE lpad(last::text, %s, '0') END AS code FROM s),"
            " d AS (UPDATE dossiers_dossier SET code = c.code FROM c WHERE id = %s RETURNING c.code),"
            " o AS (UPDATE dossiers_outboxmessage SET payload = replace(payload::text, %s, c.code)::jsonb"
            " FROM c WHERE id = ANY(%s) RETURNING 1)"
            " SELECT code, (SELECT count(*) FROM o) FROM d",
            [agency.pk, day, generator.prefix(agency, day), generator.width, generator.width,
             dossier_id, provisional, list(outbox_ids)],
        )
        code, rewritten = cursor.fetchone()
    if rewritten != len(outbox_ids):
        raise RuntimeError(f"code_assign rewrote {rewritten} of {len(outbox_ids)} outbox messages")
    return code
