"""Writing the audit trail: its entries, the signed checkpoints and the timestamps of its head.

Verifying it is ``verification`` (``verify_chain`` is offered here too, where callers always
found it); the file format of checkpoints is ``checkpoints``, the TSA client ``anchoring``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from flagdesk.core.errors import FlagdeskError, ValidationFailed

from . import anchoring
from .anchoring import AnchorFailed, AnchoringOff
from .checkpoints import (
    Checkpoint,
    chain_head,
    latest_checkpoint,
    write_anchor_file,
    write_checkpoint,
)
from .export import FORMATS, export_chunks
from .models import HMAC_SCHEME, AuditAnchor, AuditEntry
from .queries import EntryFilter, audit_entries
from .verification import GENESIS, ChainCheck, verify_chain

if TYPE_CHECKING:
    from flagdesk.accounts.models import User

__all__ = [
    "GENESIS",
    "AnchorFailed",
    "AnchoringOff",
    "ChainBroken",
    "ChainCheck",
    "anchor_head",
    "export_entries",
    "record",
    "take_checkpoint",
    "verify_chain",
]

log = logging.getLogger(__name__)

# Any constant will do: the advisory lock only has to be the same for every writer.
_POSTGRES_LOCK_ID = 0x666C6167_61756474  # "flagaudt"


def lock_chain() -> None:
    """Serialise appends until the transaction ends.

    SQLite's IMMEDIATE transactions already hold the write lock. PostgreSQL needs a lock of
    its own: ``SELECT ... FOR UPDATE`` on the last row would let a second writer wait, then
    chain onto the same row and fork the chain.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_POSTGRES_LOCK_ID])


def record(
    action: str,
    *,
    actor: User | None,
    target: str = "",
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry after the current last one: one lock, one read, one HMAC, one insert.

    Runs in the caller's transaction when there is one, so an action that rolls back leaves
    no entry behind (and no gap in ``seq``). ``target`` and ``reason`` are cut to their
    columns' lengths (PostgreSQL refuses longer text, SQLite would keep it): recording must
    never be what makes an action fail.
    """
    target = target[: AuditEntry._meta.get_field("target").max_length]
    reason = reason[: AuditEntry._meta.get_field("reason").max_length]
    with transaction.atomic():
        lock_chain()
        last = AuditEntry.objects.order_by("-seq").values_list("seq", "entry_hash").first()
        last_seq, last_hash = last if last else (0, GENESIS)
        entry = AuditEntry(
            seq=last_seq + 1,
            scheme=HMAC_SCHEME,
            created_at=timezone.now(),
            actor=actor,
            action=action,
            target=target,
            reason=reason,
            # As the database will give it back (keys as text, tuples as lists), so the hash
            # computed now is the one verify recomputes from the stored row.
            data=json.loads(json.dumps(data or {})),
            prev_hash=last_hash,
        )
        entry.entry_hash = entry.compute_hash()
        entry.save(force_insert=True)
        return entry


class ChainBroken(FlagdeskError):
    """The trail does not extend its latest checkpoint: writing a new checkpoint (or a
    timestamp) of it would vouch for the damage."""

    code = "audit_chain_broken"

    def __init__(self, check: ChainCheck) -> None:
        where = f"#{check.first_bad_seq}: " if check.first_bad_seq else ""
        super().__init__(
            _("The audit chain is broken (%(problem)s); no checkpoint was written.")
            % {"problem": where + check.problem}
        )
        self.check = check


def take_checkpoint(
    *, now: datetime | None = None, only_if_moved: bool = False
) -> Checkpoint | None:
    """Write a signed checkpoint of the head; None for an empty trail, or with
    ``only_if_moved`` when the latest checkpoint already shows this head.

    The entries added since the latest checkpoint are verified first (``ChainBroken``), so a
    checkpoint never vouches for a chain whose tail was cut off or rewritten meanwhile.
    ``CheckpointError`` when the latest checkpoint cannot be trusted or the file not written.
    """
    head = chain_head()
    if head is None:
        return None
    latest = latest_checkpoint()
    if only_if_moved and latest and (latest.seq, latest.head_hash) == (head.seq, head.entry_hash):
        return None
    check = verify_chain(since_checkpoint=True, until_seq=head.seq)
    if not check.is_intact:
        raise ChainBroken(check)
    checkpoint = write_checkpoint(head, now=now or timezone.now())
    log.info("audit.checkpoint", extra={"seq": checkpoint.seq, "file": checkpoint.name})
    return checkpoint


def anchor_head(*, now: datetime | None = None) -> AuditAnchor:
    """Timestamp the chain's head at the TSA of ``AUDIT_TSA_URL``; store the answer in the
    database and a copy next to the checkpoints.

    A checkpoint of the head is taken first (and so the new entries are verified).
    ``AnchoringOff`` without a TSA, ``AnchorFailed`` when it fails or answers wrongly.
    """
    if not settings.AUDIT_TSA_URL:
        raise AnchoringOff(
            _("Anchoring is off: FLAGDESK_AUDIT_TSA_URL names no timestamp authority.")
        )
    now = now or timezone.now()
    take_checkpoint(now=now, only_if_moved=True)
    head = chain_head()
    if head is None:
        raise AnchorFailed(_("The audit trail is empty: there is nothing to timestamp."))
    token = anchoring.request_timestamp(anchoring.statement(head.seq, head.entry_hash))
    response = anchoring.decode(token)
    assert response is not None  # noqa: S101 - request_timestamp decoded it already
    anchor = AuditAnchor.objects.create(
        seq=head.seq,
        head_hash=head.entry_hash,
        token=token,
        tsa_url=_without_credentials(settings.AUDIT_TSA_URL),
        timestamped_at=anchoring.timestamped_at(response),
        created_at=now,
    )
    write_anchor_file(head.seq, token, now=now)
    log.info("audit.anchored", extra={"seq": head.seq})
    return anchor


def _without_credentials(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit(parts._replace(netloc=netloc))


def export_entries(filters: EntryFilter, fmt: str, *, actor: User | None) -> Iterator[str]:
    """The entries ``filters`` select, as ``fmt`` (``export.FORMATS``), streamed.

    The export itself is audited (``audit.exported``, with the format and filters) before
    any row is read, and covers the trail as it was just before that entry: one snapshot,
    however long the download takes.
    """
    if fmt not in FORMATS:
        raise ValidationFailed(_("Export as csv or json."), fields={"format": fmt})
    entry = record(
        "audit.exported", actor=actor, data={"format": fmt, "filters": filters.as_dict()}
    )
    snapshot = replace(filters, until_seq=entry.seq - 1)
    return export_chunks(audit_entries(snapshot), fmt)
