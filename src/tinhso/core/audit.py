"""The append-only, hash-chained audit log (nhật ký kiểm toán).

`audit_record` is called inside the caller's transaction, so an entry exists iff the change it
describes was committed. Each entry's digest covers its own fields and the previous digest; one
head row, locked for update, serialises appends so the chain never forks.
`audit_verify` walks the chain and returns the first entry that does not match.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from tinhso.core.models import AuditChainHead, AuditEntry

GENESIS = "0" * 64


def _canonical(value: Any) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def state_digest(state: Any) -> str:
    """Digest of an object's state before or after a change (the state itself is not kept here:
    the log proves what changed without copying personal data into it)."""
    if state is None:
        return ""
    return hashlib.sha256(_canonical(state).encode()).hexdigest()


def _entry_digest(fields: dict[str, Any], prev_digest: str) -> str:
    return hashlib.sha256((prev_digest + _canonical(fields)).encode()).hexdigest()


def _hashed_fields(entry: AuditEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "at": entry.at.isoformat(timespec="microseconds"),
        "actor_id": entry.actor_id,
        "actor": entry.actor,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "before_digest": entry.before_digest,
        "after_digest": entry.after_digest,
        "data": entry.data,
        "ip": entry.ip,
    }


def audit_record(
    *,
    action: str,
    actor=None,
    object_type: str = "",
    object_id: str | int = "",
    before: Any = None,
    after: Any = None,
    data: dict[str, Any] | None = None,
    ip: str = "",
) -> AuditEntry:
    """Append one entry. `actor` is a user (or None for the system); `before`/`after` are
    JSON-able states of the object, stored only as digests."""
    with transaction.atomic():
        head, _ = AuditChainHead.objects.get_or_create(id=1)
        head = AuditChainHead.objects.select_for_update().get(id=1)
        entry = AuditEntry(
            seq=head.seq + 1,
            at=timezone.now(),
            actor_id=getattr(actor, "pk", None),
            actor=(getattr(actor, "get_username", lambda: "")() if actor is not None else "system")[:150],
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            before_digest=state_digest(before),
            after_digest=state_digest(after),
            # Round-trip through JSON so the stored value hashes the same when read back.
            data=json.loads(_canonical(data or {})),
            ip=ip or "",
            prev_digest=head.digest,
        )
        entry.digest = _entry_digest(_hashed_fields(entry), entry.prev_digest)
        entry.save(force_insert=True)
        head.seq, head.digest = entry.seq, entry.digest
        head.save(update_fields=["seq", "digest"])
    return entry


@dataclass(frozen=True)
class AuditBreak:
    seq: int
    reason: str


def audit_verify(*, batch_size: int = 2000) -> tuple[int, AuditBreak | None]:
    """Walk the chain in order. Returns (entries checked, first break or None)."""
    expected_prev, expected_seq, checked = GENESIS, 1, 0
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=batch_size):
        if entry.seq != expected_seq:
            return checked, AuditBreak(expected_seq, f"missing entry (next present is #{entry.seq})")
        if entry.prev_digest != expected_prev:
            return checked, AuditBreak(entry.seq, "previous-digest link does not match the chain")
        if _entry_digest(_hashed_fields(entry), entry.prev_digest) != entry.digest:
            return checked, AuditBreak(entry.seq, "content does not match its digest")
        expected_prev, expected_seq, checked = entry.digest, entry.seq + 1, checked + 1
    head = AuditChainHead.objects.filter(id=1).first()
    if head is not None and head.seq != checked:
        return checked, AuditBreak(checked + 1, f"chain head says {head.seq} entries, found {checked}")
    return checked, None
