"""Where evidence files live: one interface, local files by default, S3-compatible storage
for those who keep evidence off the machine (``settings.EVIDENCE_STORAGE``).

Every file is encrypted before it leaves this module (Fernet with the rotatable keys of
victims' data, ``core.crypto``), so neither a stolen disk nor a storage provider sees a
screenshot of someone's abuse. Keys are random names: nothing in them tells whose evidence it
is. ``put`` is all or nothing (an atomic rename locally, one PUT on S3).
"""

from __future__ import annotations

import re
import secrets
from functools import cache
from pathlib import Path
from typing import Protocol

from cryptography.fernet import InvalidToken
from django.conf import settings
from django.utils.translation import gettext as _

from flagdesk.core.crypto import fernet
from flagdesk.core.durable import write_atomically
from flagdesk.core.errors import FlagdeskError

_KEY = re.compile(r"^[a-z0-9]{2}/[a-z0-9]{40}$")


class EvidenceMissing(FlagdeskError):
    """A stored file cannot be read back (deleted, or encrypted with a retired key)."""

    code = "evidence_missing"
    status = 410


class Store(Protocol):
    def put(self, data: bytes) -> str:
        """Encrypt and store ``data``; return its new key."""

    def get(self, key: str) -> bytes:
        """The decrypted bytes of ``key``; ``EvidenceMissing`` if they cannot be read."""

    def delete(self, key: str) -> None:
        """Remove ``key`` (retention, erasure); absent keys are fine."""

    def read_token(self, key: str) -> bytes:
        """The stored, encrypted bytes (key rotation); FileNotFoundError when absent."""

    def write_token(self, key: str, token: bytes) -> None:
        """Replace the stored bytes of ``key`` with ``token``, all or nothing (key rotation)."""


def new_key() -> str:
    """A random key, fanned out over 256 directories: ``ab/<40 more>``."""
    token = secrets.token_hex(21)
    return f"{token[:2]}/{token[2:]}"


def _checked(key: str) -> str:
    # Keys come from our database, but a path must never be built from anything unchecked.
    if not _KEY.match(key):
        raise EvidenceMissing(_("This evidence file is not in the store."))
    return key


def encrypt(data: bytes) -> bytes:
    """What a store keeps for ``data``: every store encrypts the same way (``decrypt``)."""
    return fernet().encrypt(data)


def decrypt(token: bytes) -> bytes:
    try:
        return fernet().decrypt(token)
    except InvalidToken as e:
        raise EvidenceMissing(
            _("This evidence file cannot be decrypted with the current keys.")
        ) from e


class EncryptedStore:
    """What every store shares: new random keys, encryption on the way in, decryption and
    the "not in the store" error on the way out. A store says how it reads, writes and
    deletes its (encrypted) bytes."""

    def read_token(self, key: str) -> bytes:
        raise NotImplementedError

    def write_token(self, key: str, token: bytes) -> None:
        raise NotImplementedError

    def put(self, data: bytes) -> str:
        key = new_key()
        self.write_token(key, encrypt(data))
        return key

    def get(self, key: str) -> bytes:
        try:
            token = self.read_token(key)
        except FileNotFoundError as e:
            raise EvidenceMissing(_("This evidence file is not in the store.")) from e
        return decrypt(token)


class LocalStore(EncryptedStore):
    """Files under ``settings.EVIDENCE_DIR`` (mode 0700 directories)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / _checked(key)

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def read_token(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def write_token(self, key: str, token: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_atomically(path, token)


@cache
def _store(kind: str, root: str, s3: tuple[str, ...]) -> Store:
    if kind == "s3":
        from .s3 import S3Store  # boto3 is an optional dependency (the ``s3`` extra)

        return S3Store.from_settings()
    return LocalStore(Path(root))


def store() -> Store:
    """The configured store (tests change the settings; each combination gets its own)."""
    s3 = (
        settings.EVIDENCE_S3_ENDPOINT,
        settings.EVIDENCE_S3_BUCKET,
        settings.EVIDENCE_S3_REGION,
        settings.EVIDENCE_S3_ACCESS_KEY,
        settings.EVIDENCE_S3_SECRET_KEY,
    )
    return _store(settings.EVIDENCE_STORAGE, str(settings.EVIDENCE_DIR), s3)
