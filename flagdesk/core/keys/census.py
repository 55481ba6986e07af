"""How many stored values and files each key encrypts, and what no key can open.

A Fernet token does not name its key; its HMAC tells whether a key made it
(``Fernet.extract_timestamp`` checks the HMAC without decrypting), so each token is tried
against the ring's keys in turn. Nothing here decrypts or prints a value or a key.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from cryptography.fernet import Fernet, InvalidToken

from flagdesk.core.crypto import stored_token

from .stores import Column, FileStore


class KeyFinder:
    """Which of ``keys`` made a token."""

    def __init__(self, keys: Sequence[str]) -> None:
        self._fernets = [(key, Fernet(key.encode())) for key in keys]

    def key_of(self, token: bytes | None) -> str | None:
        if not token:
            return None
        for key, fernet in self._fernets:
            try:
                fernet.extract_timestamp(token)
            except InvalidToken:
                continue
            return key
        return None


@dataclass
class Census:
    """Counts by key, and by column or file store for what no key opens. ``keys`` is the ring
    the census was taken against (MultiFernet order)."""

    keys: tuple[str, ...]
    values: Counter[str] = field(default_factory=Counter)
    files: Counter[str] = field(default_factory=Counter)
    unreadable_values: Counter[str] = field(default_factory=Counter)
    unreadable_files: Counter[str] = field(default_factory=Counter)
    missing_files: Counter[str] = field(default_factory=Counter)

    def uses(self, key: str) -> int:
        return self.values[key] + self.files[key]

    def under_older_keys(self) -> tuple[int, int]:
        """Values and files under any key but the first, the one that encrypts."""
        older = self.keys[1:]
        return sum(self.values[k] for k in older), sum(self.files[k] for k in older)

    @property
    def unreadable(self) -> tuple[int, int]:
        return self.unreadable_values.total(), self.unreadable_files.total()


def take_census(
    keys: Sequence[str], columns: Iterable[Column], stores: Iterable[FileStore]
) -> Census:
    finder = KeyFinder(keys)
    census = Census(keys=tuple(keys))
    for column in columns:
        stored = column.rows().values_list(column.stored(), flat=True)
        for value in stored.iterator(chunk_size=2000):
            key = finder.key_of(stored_token(value))
            if key is None:
                census.unreadable_values[column.label] += 1
            else:
                census.values[key] += 1
    for store in stores:
        names = store.rows().values_list(store.name_field, flat=True)
        for name in names.iterator(chunk_size=2000):
            try:
                token = store.read_token(name)
            except FileNotFoundError:
                census.missing_files[store.label] += 1
                continue
            key = finder.key_of(token)
            if key is None:
                census.unreadable_files[store.label] += 1
            else:
                census.files[key] += 1
    return census
