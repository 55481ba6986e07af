"""Moving stored values and files to the ring's first key, in short steps that can be resumed.

Re-encryption runs while the application serves. Each batch of values is one short
transaction and each file another (a kept file may weigh 50 MB); whatever is already under
the first key is left alone, so an interrupted run is simply started again. A value is written
back only if its row still holds what was read (``Column.swap``): an edit or an erasure made
meanwhile wins. ``MultiFernet.rotate`` keeps each token's original timestamp.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.db import transaction

from flagdesk.core.crypto import stored_token, stored_value

from .stores import Column, FileStore

# Called after each batch with (label, done, total): "intake.Report.reporter_email", 1500, 4200.
Progress = Callable[[str, int, int], None]


@dataclass
class Tally:
    rewritten: int = 0
    already_current: int = 0
    unreadable: int = 0  # under no key of the ring: left as they are
    changed_meanwhile: int = 0  # edited or erased during the run: left as they are
    missing: int = 0  # a file row whose file is gone

    def add(self, other: Tally) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


class _Ring:
    def __init__(self, keys: Sequence[str]) -> None:
        fernets = [Fernet(key.encode()) for key in keys]
        self.first = fernets[0]
        self.all = MultiFernet(fernets)

    def rotated(self, token: bytes | None, tally: Tally) -> bytes | None:
        """The token under the first key; None (and counted) if it needs no change or no
        key opens it."""
        if not token:
            tally.unreadable += 1
            return None
        try:
            self.first.extract_timestamp(token)  # checks the HMAC only, decrypts nothing
        except InvalidToken:
            pass
        else:
            tally.already_current += 1
            return None
        try:
            return self.all.rotate(token)
        except InvalidToken:
            tally.unreadable += 1
            return None


def reencrypt_column(
    column: Column, keys: Sequence[str], *, batch_size: int, progress: Progress
) -> Tally:
    ring, tally = _Ring(keys), Tally()
    rows = column.rows().order_by("pk")
    total, done, last = rows.count(), 0, None
    while True:
        with transaction.atomic():
            page = rows if last is None else rows.filter(pk__gt=last)
            batch = list(page.values_list("pk", column.stored())[:batch_size])
            for pk, value in batch:
                new = ring.rotated(stored_token(value), tally)
                if new is None:
                    continue
                if column.swap(pk, value, stored_value(new)):
                    tally.rewritten += 1
                else:
                    tally.changed_meanwhile += 1
        if not batch:
            if not done:
                progress(column.label, 0, total)
            return tally
        last, done = batch[-1][0], done + len(batch)
        progress(column.label, done, max(total, done))  # rows added meanwhile count too


def reencrypt_files(
    store: FileStore, keys: Sequence[str], *, batch_size: int, progress: Progress
) -> Tally:
    ring, tally = _Ring(keys), Tally()
    rows = store.rows().order_by("pk")
    total, done, last = rows.count(), 0, None
    while True:
        page = rows if last is None else rows.filter(pk__gt=last)
        batch = list(page.values_list("pk", flat=True)[:batch_size])
        for pk in batch:
            _reencrypt_file(store, pk, ring, tally)
        if not batch:
            if not done:
                progress(store.label, 0, total)
            return tally
        last, done = batch[-1], done + len(batch)
        progress(store.label, done, max(total, done))


def _reencrypt_file(store: FileStore, pk: Any, ring: _Ring, tally: Tally) -> None:
    # The row stays locked while its file is rewritten (SQLite: the IMMEDIATE transaction's
    # write lock), so a deletion of both waits for the new file instead of racing it.
    with transaction.atomic():
        locked = store.rows().select_for_update().filter(pk=pk)
        name = locked.values_list(store.name_field, flat=True).first()
        if name is None:
            return  # deleted meanwhile, file and all
        try:
            token = store.read_token(name)
        except FileNotFoundError:
            tally.missing += 1
            return
        new = ring.rotated(token, tally)
        if new is not None:
            store.write_token(name, new)
            tally.rewritten += 1
