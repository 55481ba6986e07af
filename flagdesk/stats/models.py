"""The stored parts of the statistics: frozen annual reports and Transparency Database
imports. Figures themselves are never stored; they are computed from events (stats/figures)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AnnualReport(models.Model):
    """A year's art. 22(3) DSA report as it was finalised: the JSON, frozen, and its SHA-256.

    Every format of a final year (JSON, CSV, HTML, PDF, open data) is drawn from ``data``, never
    recomputed, so what was sent to the Digital Services Coordinator and published never
    changes when a late decision or a correction arrives afterwards. ``sha256`` is the hash of
    the canonical JSON (sorted keys, UTF-8, no spaces): anyone can recompute it from the
    published JSON file without its ``sha256`` key.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    data = models.JSONField()
    sha256 = models.CharField(max_length=64)
    finalised_at = models.DateTimeField()
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year} {self.sha256[:12]}"
