"""The hash-chained audit trail of security-relevant actions (reads of personal data, logins).

Each entry stores the SHA-256 of its own content chained with the previous entry's hash, so
editing or deleting any row breaks ``flagdesk audit verify`` from that row on.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    seq = models.BigAutoField(primary_key=True)
    created_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(max_length=60)
    target = models.CharField(max_length=100, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.target}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError("Audit entries are append-only.")
        super().save(*args, **kwargs)

    def compute_hash(self) -> str:
        content = json.dumps(
            {
                "created_at": self.created_at.isoformat(),
                "actor": self.actor_id,
                "action": self.action,
                "target": self.target,
                "reason": self.reason,
                "data": self.data,
                "prev": self.prev_hash,
            },
            sort_keys=True,
            separators=(",", ":"),
        )
        return hashlib.sha256(content.encode()).hexdigest()
