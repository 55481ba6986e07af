"""Signed checkpoints of the chain's head, written outside the database.

A checkpoint says "the trail had ``count`` entries, the last one ``#seq`` with hash
``head_hash``, at ``created_at``", signed with the Ed25519 signing key. Someone who can write to
the database can cut the chain's tail off or empty the table, and what is left is still a
valid chain; the checkpoint is what remembers that there was more.

One file per checkpoint in ``AUDIT_CHECKPOINT_DIR``, created 0600 and never rewritten, so the
directory can be append-only or write-once, or be copied off the machine as it grows. Each
file is JSON: ``payload`` (the exact text that was signed), ``signature`` (base64) and
``public_key`` (the name of the public key file next to it), so anyone can check one with
OpenSSL (docs/operations.md). Copies of the RFC 3161 timestamps go there too.
"""

from __future__ import annotations

import base64
import json
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from django.conf import settings
from django.db.models import Max
from django.utils.translation import gettext as _

from flagdesk.core.errors import FlagdeskError

from .keys import audit_key_id, public_key_id, public_key_pem, signing_key
from .models import LEGACY_SCHEME, AuditEntry

FORMAT = "flagdesk-audit-checkpoint/1"
CHECKPOINT_NAME = re.compile(r"checkpoint-(\d{15})-(\d{8}T\d{12}Z)\.json")
ANCHOR_NAME = re.compile(r"anchor-(\d{15})-(\d{8}T\d{12}Z)\.tsr")
STAMP = "%Y%m%dT%H%M%S%fZ"


class CheckpointError(FlagdeskError):
    """A checkpoint file that cannot be trusted (unsigned, altered, another key) or written."""

    code = "audit_checkpoint"


@dataclass(frozen=True)
class Head:
    """The chain's last entry, how many entries lead to it, and the last unkeyed one."""

    seq: int
    entry_hash: str
    count: int
    legacy_until: int


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    count: int
    head_hash: str
    legacy_until: int
    created_at: datetime
    audit_key_id: str
    signing_key_id: str
    name: str


def checkpoint_dir() -> Path:
    return Path(settings.AUDIT_CHECKPOINT_DIR)


def chain_head(*, until_seq: int | None = None) -> Head | None:
    """The last entry (up to ``until_seq``), or None for an empty trail."""
    entries = AuditEntry.objects.all()
    if until_seq is not None:
        entries = entries.filter(seq__lte=until_seq)
    last = entries.order_by("-seq").values_list("seq", "entry_hash").first()
    if last is None:
        return None
    upto = entries.filter(seq__lte=last[0])
    legacy = upto.filter(scheme=LEGACY_SCHEME).aggregate(last=Max("seq"))["last"]
    return Head(seq=last[0], entry_hash=last[1], count=upto.count(), legacy_until=legacy or 0)


def write_once(path: Path, content: bytes) -> None:
    """Create ``path`` (0600) with ``content``; an existing file is never opened for writing."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as e:
        raise CheckpointError(
            _("%(path)s cannot be created: %(error)s") % {"path": path, "error": e.strerror}
        ) from e
    with os.fdopen(descriptor, "wb") as file:
        file.write(content)
        file.flush()
        os.fsync(file.fileno())


def _publish_public_key() -> str:
    """The file name of the signing key's public half in the checkpoint directory, written
    there once per key so that checkpoints can be checked without access to this machine."""
    public = signing_key().public_key()
    name = f"audit-signing-key-{public_key_id(public)}.pem"
    path = checkpoint_dir() / name
    if not path.exists():
        write_once(path, public_key_pem(public))
    return name


def write_checkpoint(head: Head, *, now: datetime) -> Checkpoint:
    key = signing_key()
    public_name = _publish_public_key()
    created_at = now.astimezone(UTC)
    payload = {
        "format": FORMAT,
        "seq": head.seq,
        "count": head.count,
        "head_hash": head.entry_hash,
        "legacy_until": head.legacy_until,
        "created_at": created_at.isoformat(),
        "audit_key_id": audit_key_id(),
        "signing_key_id": public_key_id(key.public_key()),
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    document = {
        "payload": text,
        "signature": base64.b64encode(key.sign(text.encode())).decode(),
        "public_key": public_name,
    }
    name = f"checkpoint-{head.seq:015d}-{created_at.strftime(STAMP)}.json"
    write_once(checkpoint_dir() / name, (json.dumps(document, indent=1) + "\n").encode())
    return _checkpoint(payload, name)


def _checkpoint(payload: dict[str, object], name: str) -> Checkpoint:
    return Checkpoint(
        seq=int(payload["seq"]),  # type: ignore[call-overload]
        count=int(payload["count"]),  # type: ignore[call-overload]
        head_hash=str(payload["head_hash"]),
        legacy_until=int(payload["legacy_until"]),  # type: ignore[call-overload]
        created_at=datetime.fromisoformat(str(payload["created_at"])),
        audit_key_id=str(payload["audit_key_id"]),
        signing_key_id=str(payload["signing_key_id"]),
        name=name,
    )


def read_checkpoint(path: Path) -> Checkpoint:
    """The checkpoint in ``path`` once its signature is checked against this instance's
    signing key; ``CheckpointError`` naming the file otherwise."""
    match = CHECKPOINT_NAME.fullmatch(path.name)
    public = signing_key().public_key()
    try:
        document = json.loads(path.read_bytes())
        text = document["payload"]
        public.verify(base64.b64decode(document["signature"], validate=True), text.encode())
        payload = json.loads(text)
        checkpoint = _checkpoint(payload, path.name)
    except InvalidSignature:
        raise CheckpointError(
            _("The checkpoint %(name)s is not signed by this instance's signing key.")
            % {"name": path.name}
        ) from None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        raise CheckpointError(
            _("The checkpoint %(name)s cannot be read.") % {"name": path.name}
        ) from None
    if payload.get("format") != FORMAT or not match or int(match[1]) != checkpoint.seq:
        raise CheckpointError(_("The checkpoint %(name)s cannot be read.") % {"name": path.name})
    return checkpoint


def latest_checkpoint() -> Checkpoint | None:
    """The checkpoint of the highest ``seq`` (the newest among equals).

    The highest, not the newest: after the tail was cut off, new entries would get the
    removed entries' numbers, and a newer checkpoint of the shortened chain must not hide
    the older one that saw it longer.
    """
    try:
        names = [e.name for e in os.scandir(checkpoint_dir()) if CHECKPOINT_NAME.fullmatch(e.name)]
    except FileNotFoundError:
        return None
    if not names:
        return None
    return read_checkpoint(checkpoint_dir() / max(names))


def write_anchor_file(seq: int, token: bytes, *, now: datetime) -> Path:
    path = checkpoint_dir() / f"anchor-{seq:015d}-{now.astimezone(UTC).strftime(STAMP)}.tsr"
    write_once(path, token)
    return path


def anchor_files() -> list[tuple[int, Path]]:
    """(seq, path) of every timestamp copy in the checkpoint directory, in order."""
    try:
        entries = list(os.scandir(checkpoint_dir()))
    except FileNotFoundError:
        return []
    found = [(m, Path(e.path)) for e in entries if (m := ANCHOR_NAME.fullmatch(e.name))]
    return sorted((int(m[1]), path) for m, path in found)
