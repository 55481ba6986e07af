"""Writing and verifying the hash-chained audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from .models import AuditEntry

if TYPE_CHECKING:
    from flagdesk.accounts.models import User

GENESIS = "0" * 64


def record(
    action: str,
    *,
    actor: User | None,
    target: str = "",
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry. The chain needs a total order, so appends are serialised by a lock
    on the last row (PostgreSQL) or by SQLite's IMMEDIATE write lock."""
    with transaction.atomic():
        last = AuditEntry.objects.select_for_update().order_by("-seq").first()
        entry = AuditEntry(
            created_at=timezone.now(),
            actor=actor,
            action=action,
            target=target,
            reason=reason,
            data=data or {},
            prev_hash=last.entry_hash if last else GENESIS,
        )
        entry.entry_hash = entry.compute_hash()
        entry.save()
        return entry


@dataclass(frozen=True)
class ChainCheck:
    is_intact: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str = ""


def verify_chain() -> ChainCheck:
    previous = GENESIS
    count = 0
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=2000):
        count += 1
        if entry.prev_hash != previous:
            return ChainCheck(False, count, entry.seq, "previous hash does not match")
        if entry.compute_hash() != entry.entry_hash:
            return ChainCheck(False, count, entry.seq, "content was changed")
        previous = entry.entry_hash
    return ChainCheck(True, count)
