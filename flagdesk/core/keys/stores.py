"""What the field keys encrypt: every ``EncryptedTextField`` column, and files such as kept media.

Columns are found through the app registry, so a model that gains an encrypted field is
rotated without anyone remembering to list it. Files are declared by the apps that keep them
(``site/keys.py`` lists them, S1b), one file per database row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import ExpressionWrapper, F, TextField
from django.db.models.lookups import Exact

from flagdesk.core.crypto import EncryptedTextField
from flagdesk.core.durable import write_atomically


@dataclass(frozen=True)
class Column:
    model: type[models.Model]
    field_name: str

    @property
    def label(self) -> str:
        """``intake.Report.reporter_email``: what progress and status lines name."""
        return f"{self.model._meta.label}.{self.field_name}"

    def stored(self) -> ExpressionWrapper[F]:
        """The column as stored (the ``fernet:`` token), not decrypted: a plain text output
        field has no ``from_db_value``, and its lookups do not encrypt their argument."""
        return ExpressionWrapper(F(self.field_name), output_field=TextField())

    def rows(self) -> models.QuerySet[Any]:
        """Rows holding a value (empty strings and NULL are stored as they are)."""
        name = self.field_name
        manager = self.model._base_manager
        return manager.exclude(**{f"{name}__isnull": True}).exclude(**{name: ""})

    def swap(self, pk: Any, old: str, new: str) -> bool:
        """Store ``new`` if the row still holds ``old``: a value changed or erased while it
        was being re-encrypted keeps its new content instead of getting the old one back."""
        unchanged = self.model._base_manager.filter(Exact(self.stored(), old), pk=pk)
        stored_new = ExpressionWrapper(models.Value(new), output_field=TextField())
        return bool(unchanged.update(**{self.field_name: stored_new}))


def encrypted_columns() -> list[Column]:
    """Every encrypted column of every installed model, each once (proxies and models stored
    by someone else are skipped; a multi-table child lists only the columns of its table)."""
    found: list[Column] = []
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed:
            continue
        found.extend(
            Column(model, field.name)
            for field in meta.local_concrete_fields
            if isinstance(field, EncryptedTextField)
        )
    return sorted(found, key=lambda column: column.label)


@dataclass(frozen=True)
class FileStore:
    """Files encrypted with the field keys, one per row of ``rows()``, named by its
    ``name_field`` inside ``directory()``. The row is locked while its file is rewritten, so
    deleting the row and its file (an erasure) cannot race a rewrite that brings it back."""

    label: str
    rows: Callable[[], models.QuerySet[Any]]
    name_field: str
    directory: Callable[[], Path] | None = None
    # A store that is not a flat directory (evidence captures, possibly on S3) reads and
    # writes its encrypted bytes itself: ``read`` raises FileNotFoundError for a missing one.
    read: Callable[[str], bytes] | None = None
    write: Callable[[str, bytes], None] | None = None

    def path(self, name: str) -> Path | None:
        """The file of a row; None for a name that would leave the directory."""
        if self.directory is None or not name or Path(name).name != name or name.startswith("."):
            return None
        return self.directory() / name

    def read_token(self, name: str) -> bytes | None:
        """The stored (encrypted) bytes of a row; None for a name the store refuses."""
        if self.read is not None:
            return self.read(name)
        path = self.path(name)
        return path.read_bytes() if path else None

    def write_token(self, name: str, token: bytes) -> None:
        if self.write is not None:
            self.write(name, token)
            return
        path = self.path(name)
        if path is not None:
            write_atomically(path, token)
