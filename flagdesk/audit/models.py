"""The audit trail of security-relevant actions (reads of personal data, logins, exports).

Each entry is chained to the one before it: its hash covers its own content, its position
(``seq``) and the previous entry's hash. Since scheme 2 the hash is an HMAC whose key is kept
outside the database (``keys.audit_key``), so someone who can write to the database cannot
recompute it after editing, removing or reordering rows. What the chain cannot show by itself,
its tail cut off or the whole table emptied, the signed checkpoints written outside the
database show (``checkpoints``), and RFC 3161 timestamps from a third party anchor it in time
(``AuditAnchor``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from flagdesk.core.history import AppendOnly

from .keys import audit_key

# Entries written before the chain was keyed: plain SHA-256 of the content, no ``seq``. They
# stay verifiable, but only as the chain's first entries (a later one would be a downgrade).
LEGACY_SCHEME = 1
# HMAC-SHA256 with the audit key, over the content and ``seq``.
HMAC_SCHEME = 2


class AuditEntry(AppendOnly):
    # Assigned by ``services.record`` (last + 1) rather than by a database sequence, which on
    # PostgreSQL skips numbers after a rollback: a gap always means a removed entry.
    seq = models.BigIntegerField(primary_key=True)
    scheme = models.PositiveSmallIntegerField(default=HMAC_SCHEME)
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

    def content(self, *, seq: int | None = None) -> bytes:
        """The bytes the hash covers; ``seq`` to ask what the entry would hash to elsewhere."""
        fields: dict[str, Any] = {
            "created_at": self.created_at.isoformat(),
            "actor": self.actor_id,
            "action": self.action,
            "target": self.target,
            "reason": self.reason,
            "data": self.data,
            "prev": self.prev_hash,
        }
        if self.scheme != LEGACY_SCHEME:
            fields["seq"] = self.seq if seq is None else seq
            fields["scheme"] = self.scheme
        return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()

    def compute_hash(self, *, key: bytes | None = None, seq: int | None = None) -> str:
        """The entry's hash under its scheme; ``key`` defaults to this instance's audit key."""
        if self.scheme == LEGACY_SCHEME:
            return hashlib.sha256(self.content()).hexdigest()
        if self.scheme != HMAC_SCHEME:
            return ""  # an unknown scheme never matches a stored hash
        secret = audit_key() if key is None else key
        return hmac.new(secret, self.content(seq=seq), hashlib.sha256).hexdigest()


class AuditAnchor(AppendOnly):
    """An RFC 3161 timestamp of the chain's head: a third party's signature that the entry
    ``seq`` had the hash ``head_hash`` at ``timestamped_at``. No foreign key to the entry: the
    anchor must outlive an attacker's deletion of it, as its copy in the checkpoint directory
    does."""

    seq = models.BigIntegerField()
    head_hash = models.CharField(max_length=64)
    # The TSA's whole answer (a DER TimeStampResp), as ``openssl ts -verify -in`` reads it.
    token = models.BinaryField()
    tsa_url = models.CharField(max_length=500)
    timestamped_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["seq", "created_at"]

    def __str__(self) -> str:
        return f"anchor of #{self.seq} at {self.timestamped_at:%Y-%m-%d %H:%M}"
