"""Field encryption for victims' and reporters' data (GDPR arts 9, 10, 32).

Keys come from ``settings.FLAGDESK_FIELD_KEYS``: FLAGDESK_FIELD_KEYS(_FILE), or the ring file
in KEY_DIR (``core/keys/ring.py``). MultiFernet decrypts with any listed key and encrypts with
the first; ``flagdesk keys rotate`` moves stored values and files to a new first key so that
an old one can be retired (``core/keys/``, docs/operations.md "Keys and encryption").
"""

from __future__ import annotations

from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

_MARKER = "fernet:"


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("FLAGDESK_FIELD_KEYS is empty: no key to encrypt personal data.")
    try:
        return MultiFernet([Fernet(k.encode()) for k in keys])
    except ValueError as e:
        raise ImproperlyConfigured(f"FLAGDESK_FIELD_KEYS holds an invalid Fernet key: {e}") from e


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FLAGDESK_FIELD_KEYS))


def stored_token(value: str) -> bytes | None:
    """The Fernet token inside an encrypted column's stored value; None if there is none."""
    if not value.startswith(_MARKER):
        return None
    return value[len(_MARKER) :].encode()


def stored_value(token: bytes) -> str:
    """What an encrypted column stores for ``token``: the inverse of ``stored_token``."""
    return _MARKER + token.decode()


def encrypt(text: str) -> str:
    return _MARKER + fernet().encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    if not token.startswith(_MARKER):
        raise ValueError("value is not an encrypted field")
    try:
        return fernet().decrypt(token[len(_MARKER) :].encode()).decode()
    except InvalidToken as e:
        raise ImproperlyConfigured(
            "An encrypted field cannot be decrypted with FLAGDESK_FIELD_KEYS: was a key removed?"
        ) from e


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """A text column stored as a Fernet token; empty strings stay empty (nothing to hide).

    The database never sees the clear text, so encrypted fields cannot be searched or
    filtered on; keep anything you need to query in a separate, non-personal column.
    """

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt(str(value))

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value in (None, ""):
            return value
        return decrypt(value)


def generate_key() -> str:
    return Fernet.generate_key().decode()
