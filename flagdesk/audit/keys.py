"""The audit trail's two keys, both kept outside the database and outside var/.

- the **audit key** (HMAC) chains the entries: ``FLAGDESK_AUDIT_KEY`` or ``_FILE``, else one
  generated on first use as ``KEY_DIR/audit_key``;
- the **signing key** (Ed25519) signs the checkpoints: ``KEY_DIR/audit_signing_key.pem``,
  generated on first use; its public half is written next to the checkpoints.

Someone who can write to the database but cannot read these files can neither recompute the
chain after changing it nor sign a checkpoint that would agree with the change.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

from flagdesk.core.keys.ring import key_file

AUDIT_KEY_FILE = "audit_key"
SIGNING_KEY_FILE = "audit_signing_key.pem"


@lru_cache(maxsize=4)
def _audit_key(configured: str, key_dir: str) -> bytes:
    if configured:
        return configured.encode()
    generated = key_file(Path(key_dir) / AUDIT_KEY_FILE, lambda: secrets.token_hex(32).encode())
    return generated.strip()


def audit_key() -> bytes:
    """The HMAC key of the chain; read once per process (``record`` must stay cheap)."""
    return _audit_key(settings.AUDIT_KEY, str(settings.KEY_DIR))


def audit_key_id(key: bytes | None = None) -> str:
    """A name for the audit key that does not reveal it, so a checkpoint can say which key
    the chain was written with and ``verify`` can tell "wrong key" from "changed entries"."""
    secret = audit_key() if key is None else key
    return hmac.new(secret, b"flagdesk audit key id", hashlib.sha256).hexdigest()[:16]


@lru_cache(maxsize=4)
def _signing_key(key_dir: str) -> Ed25519PrivateKey:
    pem = key_file(
        Path(key_dir) / SIGNING_KEY_FILE,
        lambda: Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise TypeError(f"{Path(key_dir) / SIGNING_KEY_FILE} is not an Ed25519 private key")
    return key


def signing_key() -> Ed25519PrivateKey:
    return _signing_key(str(settings.KEY_DIR))


def public_key_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def public_key_id(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]
