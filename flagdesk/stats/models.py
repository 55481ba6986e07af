"""The stored parts of the statistics: frozen annual reports and Transparency Database
imports. Figures themselves are never stored; they are computed from events (stats/figures)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from flagdesk.cases.models import Item
from flagdesk.notices.models import Notice
from flagdesk.platforms.models import Platform


class TdbImport(models.Model):
    """One dump file of the DSA Transparency Database read into flagdesk, with its counts.

    Its statements and monthly counts belong to it: a failed import deletes them, and the
    comparisons read only the rows of finished imports, so a half-read file never counts."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Finished")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    file_name = models.CharField(max_length=255)
    size = models.BigIntegerField(default=0)
    # The archive's SHA-256: the same file imported twice would double every count.
    sha256 = models.CharField(max_length=64)
    # The day a daily dump covers (from its name, ``sor-global-2026-11-30-full.zip``): the
    # full and the light dump of a day hold the same statements.
    dump_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    rows_read = models.BigIntegerField(default=0)
    rows_kept = models.BigIntegerField(default=0)  # statements of platforms in our registry
    rows_skipped = models.BigIntegerField(default=0)  # statements of other platforms
    rows_bad = models.BigIntegerField(default=0)
    bad_lines = models.JSONField(default=list, blank=True)  # the first few: "part:line why"
    statements_stored = models.PositiveIntegerField(default=0)
    statements_linked = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            # Race-safe refusal of a second import of the same file; a failed one may be redone.
            models.UniqueConstraint(
                fields=["sha256"],
                condition=Q(status__in=["running", "done"]),
                name="tdb_import_once",
            )
        ]

    def __str__(self) -> str:
        return self.file_name


class TdbMonthly(models.Model):
    """How many statements a platform published in a month, per source, category and action
    (``stats.actions``), as one import counted them: the comparison sums finished imports."""

    tdb_import = models.ForeignKey(TdbImport, on_delete=models.CASCADE, related_name="monthly")
    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()  # the first day of the month the decision applied
    source_type = models.CharField(max_length=40)
    category = models.CharField(max_length=80)
    action = models.CharField(max_length=20)
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tdb_import", "platform", "month", "source_type", "category", "action"],
                name="tdb_monthly_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.source_type} {self.category} {self.action}"


class TdbStatement(models.Model):
    """A statement of reasons whose ``puid`` is one of our items' content ids, kept whole,
    and whether (and why) it was linked to the notice it answers."""

    class Link(models.TextChoices):
        LINKED = "linked", _("Linked to our notice")
        NO_NOTICE = "no_notice", _("No notice sent for this item")
        BEFORE = "before", _("Applied before our notice was sent")
        LATE = "late", _("Applied too long after our notice")
        SOURCE = "source", _("Not from a notice (source type)")

    tdb_import = models.ForeignKey(TdbImport, on_delete=models.CASCADE, related_name="statements")
    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="+")
    uuid = models.UUIDField()
    puid = models.CharField(max_length=500)
    category = models.CharField(max_length=80)
    keywords = models.JSONField(default=list, blank=True)
    content_type = models.JSONField(default=list, blank=True)
    decision_visibility = models.JSONField(default=list, blank=True)
    decision_monetary = models.CharField(max_length=60, blank=True)
    decision_provision = models.CharField(max_length=60, blank=True)
    decision_account = models.CharField(max_length=60, blank=True)
    decision_ground = models.CharField(max_length=60, blank=True)
    # Our reading of the decision columns: a ``NoticeResponse.Decision`` value and its action.
    decision = models.CharField(max_length=20)
    action = models.CharField(max_length=20)
    source_type = models.CharField(max_length=40)
    automated_detection = models.BooleanField(null=True)
    automated_decision = models.CharField(max_length=40, blank=True)
    territorial_scope = models.JSONField(default=list, blank=True)
    content_date = models.DateField(null=True, blank=True)
    application_date = models.DateField()
    created_at = models.DateTimeField(null=True, blank=True)  # when the TDB received it
    item = models.ForeignKey(Item, on_delete=models.SET_NULL, null=True, related_name="+")
    notice = models.ForeignKey(Notice, on_delete=models.SET_NULL, null=True, related_name="+")
    link = models.CharField(max_length=10, choices=Link.choices, blank=True)
    # Where we learnt the item's puid: "answer" (the platform's statement id in its answer),
    # "identifiers" (recorded on the item) or "url" (the registry's pattern on its address).
    puid_source = models.CharField(max_length=12, blank=True)

    class Meta:
        ordering = ["-application_date"]
        constraints = [
            models.UniqueConstraint(fields=["platform", "uuid"], name="tdb_statement_once")
        ]

    def __str__(self) -> str:
        return str(self.uuid)

    @property
    def is_automated(self) -> bool:
        """Whether the platform said it used automated means to detect or decide."""
        return bool(self.automated_detection) or self.automated_decision in (
            "AUTOMATED_DECISION_FULLY",
            "AUTOMATED_DECISION_PARTIALLY",
        )


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
