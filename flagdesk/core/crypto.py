"""Field encryption for victims' and reporters' data (GDPR arts 9, 10, 32).

Keys come from ``settings.FLAGDESK_FIELD_KEYS`` (FLAGDESK_FIELD_KEYS, comma separated, newest
first). MultiFernet decrypts with any listed key and encrypts with the first, so a key is
rotated by prepending a new one; values written under the old key stay readable while it is
listed (re-encrypting them so the old key can be dropped is a later command).
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
