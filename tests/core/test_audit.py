"""The audit log is append-only and hash-chained: any edit of a past entry is found."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.utils import DatabaseError

from tinhso.cli import main as tinhso_main
from tinhso.core.audit import audit_record, audit_verify
from tinhso.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def _three_entries():
    audit_record(action="login.succeeded", object_type="user", object_id=7, data={"username": "079201001234"})
    audit_record(action="role.granted", object_type="agency_role", object_id=3,
                 before=None, after={"role": "leader", "agency": "000.00.00.H61"})
    audit_record(action="calendar_day.set", object_type="calendar_day", object_id="2026-02-14",
                 before={"kind": "working"}, after={"kind": "holiday", "name": "Tết Nguyên đán"})


def _tamper(sql: str, params: list) -> None:
    """An attacker with database access: lifts the append-only guard, edits, puts it back."""
    table = AuditEntry._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            cursor.execute(sql.format(table=table), params)
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        else:
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type='trigger' AND tbl_name=%s", [table])
            triggers = cursor.fetchall()
            for name, _ in triggers:
                cursor.execute(f'DROP TRIGGER "{name}"')
            cursor.execute(sql.format(table=table), params)
            for _, create_sql in triggers:
                cursor.execute(create_sql)


def test_an_untouched_chain_verifies():
    _three_entries()
    checked, broken = audit_verify()
    assert (checked, broken) == (3, None)
    call_command("check_audit")  # raises on a broken chain


def test_entries_link_to_their_predecessor():
    _three_entries()
    first, second, third = AuditEntry.objects.order_by("seq")
    assert first.prev_digest == "0" * 64
    assert second.prev_digest == first.digest
    assert third.prev_digest == second.digest
    assert third.before_digest and third.after_digest and third.before_digest != third.after_digest


def test_the_database_refuses_updates_and_deletes_of_past_entries():
    _three_entries()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(seq=2).update(action="role.revoked")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(seq=2).delete()
    assert AuditEntry.objects.get(seq=2).action == "role.granted"


def test_check_audit_names_the_first_tampered_entry():
    _three_entries()
    _tamper("UPDATE {table} SET data = %s WHERE seq = 2", ['{"role": "province_admin"}'])
    with pytest.raises(CommandError, match="#2"):
        call_command("check_audit")


def test_a_deleted_entry_is_reported():
    _three_entries()
    _tamper("DELETE FROM {table} WHERE seq = 2", [])
    checked, broken = audit_verify()
    assert checked == 1
    assert broken.seq == 2


def test_rewriting_an_entry_and_its_digest_still_breaks_the_next_link():
    _three_entries()
    _tamper("UPDATE {table} SET action = 'login.failed', digest = %s WHERE seq = 1", ["f" * 64])
    _, broken = audit_verify()
    assert broken.seq == 1


def test_the_tinhso_command_exits_non_zero_on_tampering(capsys):
    _three_entries()
    assert tinhso_main(["check-audit"]) == 0
    _tamper("UPDATE {table} SET actor = 'someone-else' WHERE seq = 3", [])
    assert tinhso_main(["check-audit"]) == 1
    assert "#3" in capsys.readouterr().err


@pytest.mark.django_db(transaction=True)
def test_flush_empties_the_log_and_the_guard_is_back_afterwards():
    """`flush` empties every table on both databases (live-server tests flush after each test);
    the append-only guard must be in place again once it is done."""
    _three_entries()
    call_command("flush", interactive=False, verbosity=0)
    assert AuditEntry.objects.count() == 0
    audit_record(action="login.succeeded", object_type="user", object_id=1)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(seq=1).delete()
