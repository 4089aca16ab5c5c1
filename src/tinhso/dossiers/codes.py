"""Dossier codes (mã hồ sơ): `{agency code}-{YYMMDD}-{NNNN}`.

Circular 01/2018/TT-VPCP Art. 19 (regulations.md §2.5): the QCVN 102 code of the receiving agency,
the date of receipt, and a 4-digit sequence number within the agency for the day. Newer national
systems seem to use an 8-digit date and a 7-digit sequence (unverified), so the format is a setting
(TINHSO_DOSSIER_CODE, a dotted path to a callable(agency, day, seq) -> str).

The sequence is one row per (agency, day), incremented by a single upsert inside the intake
transaction: concurrent intakes queue on that row, each gets its own number, and a rolled-back
intake gives its number back with the rest of its work, so no code is used twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.utils.module_loading import import_string

from tinhso.core.models import Agency


def qcvn_code(agency: Agency, day: dt.date, seq: int) -> str:
    """Circular 01/2018/TT-VPCP Art. 19. Past 9,999 dossiers a day the number simply grows."""
    return f"{agency.code}-{day:%y%m%d}-{seq:04d}"


def long_code(agency: Agency, day: dt.date, seq: int) -> str:
    """The longer form seen in newer national systems (8-digit date, 7-digit number)."""
    return f"{agency.code}-{day:%Y%m%d}-{seq:07d}"


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
