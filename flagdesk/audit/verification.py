"""Verifying the audit trail: the keyed chain, the latest signed checkpoint, the timestamps.

``verify_chain`` streams the entries once, in ``seq`` order, and stops at the first one that
is wrong, naming it and what is wrong with it:

- *changed*: its HMAC does not match its content (nobody without the audit key can make one);
- *reordered*: its HMAC matches, but for another position;
- *removed*: a number is missing (keyed entries are numbered without gaps), or its link to
  the previous entry is broken;
- *missing*: the signed checkpoint (or a timestamp) saw the chain reach further, or saw
  another entry at that number;
- *downgraded*: an unkeyed (legacy) entry where only keyed ones may be.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.utils.translation import gettext as _

from . import anchoring
from .checkpoints import (
    Checkpoint,
    CheckpointError,
    anchor_files,
    chain_head,
    latest_checkpoint,
    read_checkpoint,
)
from .keys import audit_key, audit_key_id
from .models import HMAC_SCHEME, LEGACY_SCHEME, AuditAnchor, AuditEntry

GENESIS = "0" * 64
# How far away a moved entry is looked for, only once the chain is already found broken.
REORDER_WINDOW = 1000


@dataclass(frozen=True)
class ChainCheck:
    is_intact: bool
    checked: int  # entries read
    first_bad_seq: int | None = None
    problem: str = ""
    head_seq: int = 0
    checkpoint: Checkpoint | None = None  # the signed checkpoint the chain was compared with
    anchors: int = 0  # timestamps checked
    notes: tuple[str, ...] = ()


@dataclass
class _Timestamp:
    seq: int
    token: bytes
    head_hash: str  # "" for a copy in the checkpoint directory (only its token is there)
    source: str


@dataclass
class _Walk:
    """What the walk has seen so far."""

    key: bytes
    checkpoint: Checkpoint | None
    timestamps: dict[int, list[_Timestamp]]
    prev_hash: str | None  # None: the first entry's link is not checked (a partial walk)
    next_seq: int  # the number the next keyed entry must have
    is_keyed: bool  # a keyed entry was seen: no legacy entry may follow
    last_seq: int = 0
    checked: int = 0
    upto_checkpoint: int = 0
    met_checkpoint: bool = False
    anchors: int = 0

    def advance(self, entry: AuditEntry) -> None:
        self.prev_hash = entry.entry_hash
        self.last_seq = entry.seq
        self.next_seq = entry.seq + 1
        self.is_keyed = self.is_keyed or entry.scheme == HMAC_SCHEME
        if self.checkpoint and entry.seq <= self.checkpoint.seq:
            self.upto_checkpoint += 1
            self.met_checkpoint = self.met_checkpoint or entry.seq == self.checkpoint.seq


def _removed(first: int, last: int) -> str:
    if first == last:
        return _("entry #%(seq)d was removed") % {"seq": first}
    return _("entries #%(first)d to #%(last)d were removed") % {"first": first, "last": last}


def _moved_from(entry: AuditEntry, key: bytes) -> int | None:
    """The position a keyed entry's HMAC was made for, if it is near its current one."""
    low = max(1, entry.seq - REORDER_WINDOW)
    for seq in range(low, entry.seq + REORDER_WINDOW + 1):
        if seq != entry.seq and entry.compute_hash(key=key, seq=seq) == entry.entry_hash:
            return seq
    return None


def _position_problem(entry: AuditEntry, walk: _Walk) -> tuple[int, str] | None:
    """Is this entry where it may be: no number skipped, no unkeyed entry after keyed ones?"""
    checkpoint = walk.checkpoint
    if entry.scheme == LEGACY_SCHEME:
        # Legacy entries were numbered by the database, which may skip numbers after a
        # rollback; their links still show a removal.
        if walk.is_keyed or (checkpoint and entry.seq > checkpoint.legacy_until):
            return entry.seq, _("an unkeyed entry where only keyed ones may be (rewritten)")
    elif entry.scheme != HMAC_SCHEME:
        return entry.seq, _("unknown hash scheme %(scheme)d") % {"scheme": entry.scheme}
    elif entry.seq > walk.next_seq:
        return walk.next_seq, _removed(walk.next_seq, entry.seq - 1)
    if checkpoint and not walk.met_checkpoint and entry.seq > checkpoint.seq:
        return checkpoint.seq, _removed(checkpoint.seq, checkpoint.seq)
    return None


def _entry_problem(entry: AuditEntry, walk: _Walk) -> tuple[int, str] | None:
    """(first bad seq, problem) for this entry given what came before, or None."""
    if found := _position_problem(entry, walk):
        return found
    if entry.compute_hash(key=walk.key) != entry.entry_hash:
        moved = _moved_from(entry, walk.key) if entry.scheme == HMAC_SCHEME else None
        if moved is not None:
            return entry.seq, _("reordered: this is the entry written as #%(seq)d") % {"seq": moved}
        return entry.seq, _("content was changed")
    if walk.prev_hash is not None and entry.prev_hash != walk.prev_hash:
        return entry.seq, _("previous hash does not match (an entry before it was removed)")
    checkpoint = walk.checkpoint
    if checkpoint and entry.seq == checkpoint.seq and entry.entry_hash != checkpoint.head_hash:
        return entry.seq, _("differs from the signed checkpoint %(name)s") % {
            "name": checkpoint.name
        }
    for stamp in walk.timestamps.get(entry.seq, ()):
        if stamp.head_hash and stamp.head_hash != entry.entry_hash:
            return entry.seq, _("differs from its timestamp (%(source)s)") % {
                "source": stamp.source
            }
        data = anchoring.statement(entry.seq, entry.entry_hash)
        if problem := anchoring.token_problem(anchoring.decode(stamp.token), data):
            return entry.seq, f"{problem} ({stamp.source})"
        walk.anchors += 1
    return None


def _timestamps() -> dict[int, list[_Timestamp]]:
    """Every stored timestamp, from the database and from the checkpoint directory."""
    found: dict[int, list[_Timestamp]] = {}
    for anchor in AuditAnchor.objects.order_by("seq").iterator(chunk_size=500):
        found.setdefault(anchor.seq, []).append(
            _Timestamp(anchor.seq, bytes(anchor.token), anchor.head_hash, f"anchor {anchor.pk}")
        )
    for seq, path in anchor_files():
        token = _read(path)
        # The usual case: the copy of a timestamp the database holds too, checked once.
        if not any(stamp.token == token for stamp in found.get(seq, ())):
            found.setdefault(seq, []).append(_Timestamp(seq, token, "", path.name))
    return found


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def verify_chain(
    *,
    since_checkpoint: bool = False,
    until_seq: int | None = None,
    checkpoint_path: Path | None = None,
) -> ChainCheck:
    """Check the whole trail (or, with ``since_checkpoint``, what was added after the latest
    checkpoint: all a new checkpoint needs, without reading millions of old entries).

    ``checkpoint_path`` compares with that checkpoint instead of the latest, and leaves out
    the timestamps of later entries: a backup is checked against the checkpoint of its time.
    Never raises for a broken trail: the answer says what is wrong.
    """
    try:
        checkpoint = read_checkpoint(checkpoint_path) if checkpoint_path else latest_checkpoint()
    except CheckpointError as e:
        return ChainCheck(False, 0, None, str(e.message))
    key = audit_key()
    if checkpoint and checkpoint.audit_key_id != audit_key_id(key):
        return ChainCheck(
            False,
            0,
            None,
            _(
                "the audit key is not the one the chain was written with "
                "(the checkpoint %(name)s names key %(key)s)"
            )
            % {"name": checkpoint.name, "key": checkpoint.audit_key_id},
            checkpoint=checkpoint,
        )
    entries = AuditEntry.objects.order_by("seq")
    if until_seq is not None:
        entries = entries.filter(seq__lte=until_seq)
    if since_checkpoint and checkpoint:
        entries = entries.filter(seq__gte=checkpoint.seq)
        is_keyed = checkpoint.seq > checkpoint.legacy_until
        walk = _Walk(key, checkpoint, {}, None, checkpoint.seq, is_keyed, checkpoint.seq - 1)
    else:
        timestamps = _timestamps()
        if checkpoint_path and checkpoint:
            timestamps = {seq: t for seq, t in timestamps.items() if seq <= checkpoint.seq}
        walk = _Walk(key, checkpoint, timestamps, GENESIS, 1, False)
    for entry in entries.iterator(chunk_size=2000):
        walk.checked += 1
        if found := _entry_problem(entry, walk):
            return _broken(walk, *found)
        walk.advance(entry)
    return _ending(walk, partial=since_checkpoint and checkpoint is not None)


def _broken(walk: _Walk, seq: int | None, problem: str) -> ChainCheck:
    return ChainCheck(
        False, walk.checked, seq, problem, walk.last_seq, walk.checkpoint, walk.anchors
    )


def _ending(walk: _Walk, *, partial: bool) -> ChainCheck:
    """The checks that need the whole walk: is anything missing after the last entry?"""
    last = walk.last_seq
    checkpoint = walk.checkpoint
    if walk.checked and not walk.is_keyed:
        # Upgrading seals unkeyed entries with a keyed one (migration 0003), so a chain of
        # unkeyed entries only is one rewritten without the key, or cut short.
        problem = _("the chain ends with an unkeyed entry: it was rewritten or cut short")
        return _broken(walk, last, problem)
    if checkpoint and last < checkpoint.seq:
        missing = _("%(problem)s: the signed checkpoint %(name)s saw the chain reach #%(seq)d") % {
            "problem": _removed(last + 1, checkpoint.seq),
            "name": checkpoint.name,
            "seq": checkpoint.seq,
        }
        return _broken(walk, last + 1, missing)
    if checkpoint and not partial and walk.upto_checkpoint != checkpoint.count:
        counted = _(
            "entries up to #%(seq)d: %(found)d here, %(count)d in the signed checkpoint %(name)s"
        ) % {
            "found": walk.upto_checkpoint,
            "seq": checkpoint.seq,
            "name": checkpoint.name,
            "count": checkpoint.count,
        }
        return _broken(walk, None, counted)
    if checkpoint and partial:
        head = chain_head(until_seq=checkpoint.seq)
        if head is None or head.count != checkpoint.count:
            problem = _("the number of entries up to the signed checkpoint %(name)s changed")
            return _broken(walk, None, problem % {"name": checkpoint.name})
    later = sorted(seq for seq in walk.timestamps if seq > last)
    if later:
        problem = _("%(problem)s: a timestamp saw the chain reach #%(seq)d") % {
            "problem": _removed(last + 1, later[-1]),
            "seq": later[-1],
        }
        return _broken(walk, last + 1, problem)
    notes = []
    if checkpoint is None and walk.checked:
        notes.append(_("No signed checkpoint yet: a removed tail would go unnoticed."))
    if walk.anchors and not anchoring.tsa_certificates():
        notes.append(
            _("Without FLAGDESK_AUDIT_TSA_CA_FILE, the timestamps' signatures were not checked.")
        )
    return ChainCheck(True, walk.checked, None, "", last, checkpoint, walk.anchors, tuple(notes))


@dataclass(frozen=True)
class RecentCheck:
    check: ChainCheck
    checked_at: datetime


_recent: dict[tuple[object, ...], tuple[float, RecentCheck]] = {}
_recent_lock = threading.Lock()


def recent_check(*, now: datetime, max_age_seconds: float = 300) -> RecentCheck:
    """``verify_chain()``, reused for a few minutes while the head, the latest checkpoint and
    the timestamps stay as they were: the audit page shows it on every view, and a full
    check reads every entry."""
    try:
        checkpoint: object = latest_checkpoint()
    except CheckpointError:
        checkpoint = "unreadable"  # verify_chain says why
    head = AuditEntry.objects.order_by("-seq").values_list("seq", "entry_hash").first()
    state = (head, checkpoint, AuditAnchor.objects.count())
    with _recent_lock:
        cached = _recent.get(state)
        if cached and time.monotonic() - cached[0] < max_age_seconds:
            return cached[1]
    result = RecentCheck(verify_chain(), now)
    with _recent_lock:
        _recent.clear()
        _recent[state] = (time.monotonic(), result)
    return result
