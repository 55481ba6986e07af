"""Key rotation assembled: every app's encrypted files, and the operator's steps.

A process reads the field keys once, at start-up, and cannot decrypt what a key it has never
seen encrypted. So a new key goes through three steps, each a command (docs/operations.md,
"Keys and encryption"):

1. ``keys rotate`` stages it: listed second, it decrypts but encrypts nothing. The operator
   reloads every process, which then knows it.
2. ``keys rotate --promote`` puts it first and re-encrypts every value and file with it.
   Processes not yet reloaded still write with the old key, which they and the others read.
3. ``keys retire`` drops older keys once nothing is left under them (after a reload and, if
   ``keys status`` still counts values under an old key, ``keys rotate --reencrypt-only``).

Each step is recorded in the audit trail; keys appear only as fingerprints.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from django.utils.translation import gettext as _

from flagdesk.audit.services import record
from flagdesk.core.errors import Conflict
from flagdesk.core.keys import ring as keyring
from flagdesk.core.keys.census import Census, take_census
from flagdesk.core.keys.reencrypt import Progress, Tally, reencrypt_column, reencrypt_files
from flagdesk.core.keys.stores import FileStore, encrypted_columns
from flagdesk.matching.models import MediaFile
from flagdesk.matching.services.evidence import evidence_dir
from flagdesk.monitoring.models import CaptureFile
from flagdesk.monitoring.storage import store as evidence_store

log = logging.getLogger(__name__)

# Files encrypted with the field keys, one per row (columns are found by their field type).
FILE_STORES = [
    FileStore(
        label="matching.MediaFile",
        rows=lambda: MediaFile.objects.all(),
        name_field="storage_name",
        directory=evidence_dir,
    ),
    # Evidence captures: local files or S3-compatible objects, read and written by their store.
    FileStore(
        label="monitoring.CaptureFile",
        rows=lambda: CaptureFile.objects.all(),
        name_field="storage_key",
        read=lambda key: evidence_store().read_token(key),
        write=lambda key, token: evidence_store().write_token(key, token),
    ),
]


def _editable_ring() -> Path:
    path = keyring.ring_file()
    if path is None:
        raise Conflict(
            _(
                "The keys come from FLAGDESK_FIELD_KEYS (or its _FILE), which flagdesk does not "
                "change: change them there as docs/operations.md describes, then run "
                "flagdesk keys rotate --reencrypt-only."
            )
        )
    return path


def stage_key() -> keyring.KeyRing:
    """Add a new key to the ring file that decrypts but does not encrypt yet. Raises
    ``Conflict`` when the keys come from the environment or a key is already staged."""
    _, ring = keyring.edit_ring(_editable_ring(), lambda ring: ring.with_staged(keyring.new_key()))
    staged = keyring.fingerprint(str(ring.staged))
    record("keys.stage", actor=None, data={"key": staged})
    log.info("keys.staged", extra={"key": staged})
    return ring


def promote_key() -> keyring.KeyRing:
    """Make the staged key the one that encrypts (it stays readable to every process that
    was reloaded after ``stage_key``). Raises ``Conflict`` when no key is staged."""
    before, ring = keyring.edit_ring(_editable_ring(), lambda ring: ring.promoted())
    data = {"key": keyring.fingerprint(ring.active), "previous": keyring.fingerprint(before.active)}
    record("keys.promote", actor=None, data=data)
    log.info("keys.promoted", extra=data)
    return ring


def reencrypt(keys: Sequence[str], *, batch_size: int, progress: Progress) -> Tally:
    """Move every encrypted value and file to ``keys[0]``; resumable, safe while serving."""
    tally = Tally()
    for column in encrypted_columns():
        tally.add(reencrypt_column(column, keys, batch_size=batch_size, progress=progress))
    for store in FILE_STORES:
        tally.add(reencrypt_files(store, keys, batch_size=batch_size, progress=progress))
    data = {"key": keyring.fingerprint(keys[0]), "rewritten": tally.rewritten}
    record("keys.reencrypt", actor=None, data=data)
    log.info("keys.reencrypted", extra=data)
    return tally


def key_census(keys: Sequence[str] | None = None) -> Census:
    """What each key encrypts; by default against the ring a process started now would use."""
    return take_census(keys or keyring.configured_ring().keys, encrypted_columns(), FILE_STORES)


def retire_keys() -> tuple[list[str], Census]:
    """Drop the older keys that encrypt nothing (a copy goes to ``field_keys.retired``: a
    database backup made before the rotation needs them). Returns the retired keys and the
    census that showed them unused, which also counts what the others still encrypt."""
    path = _editable_ring()
    ring = keyring.read_ring(path)
    census = key_census(ring.keys)
    unused = [key for key in ring.older if not census.uses(key)]
    if unused:
        keyring.archive_retired(path, unused)  # before the ring forgets them
        keyring.edit_ring(path, lambda current: current.without(unused))
        data = {"keys": [keyring.fingerprint(k) for k in unused]}
        record("keys.retire", actor=None, data=data)
        log.info("keys.retired", extra=data)
    return unused, census
