"""Append-only history (S7): rows that record what happened are never edited or deleted.

Statistics, the regulator's questions and court bundles are rebuilt from these rows, so a
correction is a new row pointing at the old one. The database user could still change them;
this stops the application from doing it by mistake.
"""

from __future__ import annotations

from typing import Any

from django.db import models

REFUSAL = "This history is append-only: write a new row instead of changing or deleting one."


class AppendOnlyQuerySet(models.QuerySet[Any]):
    def update(self, **kwargs: Any) -> int:
        raise TypeError(REFUSAL)

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError(REFUSAL)


class AppendOnly(models.Model):
    """A model whose rows are written once: ``save()`` of an existing row, ``delete()`` and
    the queryset's ``update()``/``delete()`` all raise ``TypeError``."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError(REFUSAL)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError(REFUSAL)
