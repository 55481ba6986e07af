"""Monitoring: whether reported content is still online, and evidence of what was online.

- ``Watch``: one item under re-checks after its notice (the schedule, and who holds it now).
- ``Check``: one fetch of the item's URL and what it found (append-only history).
- ``HostSlot``: politeness per host shared by every worker on every machine.
- ``Capture`` and ``CaptureFile``: one evidence capture (screenshot, WARC, text, DOM,
  headers) with the SHA-256 of every file and an RFC 3161 timestamp of its manifest.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from flagdesk.cases.models import Item


class Outcome(models.TextChoices):
    REFUSED = "refused", _("Refused (not fetched)")
    ONLINE = "online", _("Online")
    GONE = "gone", _("Gone")
    UNREACHABLE = "unreachable", _("Unreachable")
    ERROR = "error", _("Failed")


class Watch(models.Model):
    """An item whose URL is re-checked on a schedule (docs/monitoring.md).

    ``next_check_at`` is when it is due (None: not due: ended, or waiting for a notice);
    ``lease_until``/``leased_by`` say which worker holds it, so that two workers on two
    machines never check it at once and a killed worker's lease simply runs out.
    """

    class End(models.TextChoices):
        CONFIRMED_GONE = "confirmed_gone", _("Removal confirmed by an analyst")
        RESOLVED = "resolved", _("Item resolved")
        EXPIRED = "expired", _("Watched for the longest period")

    id = models.BigAutoField(primary_key=True)
    item = models.OneToOneField(Item, on_delete=models.PROTECT, related_name="watch")
    host = models.CharField(max_length=255, db_index=True)
    # When the first notice naming the item was sent: the schedule counts from here. None: a
    # check was asked for before any notice (the schedule starts when one is sent).
    started_at = models.DateTimeField(null=True, blank=True)
    scheduled_done = models.PositiveIntegerField(default=0)
    next_check_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # A check asked for by a person (the web page or the API): runs before the schedule's.
    requested_at = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lease_until = models.DateTimeField(null=True, blank=True)
    leased_by = models.CharField(max_length=64, blank=True)
    # The content's hash at the first check that found it online: a later different hash is a
    # sign that the content changed (or was replaced by a notice of removal).
    baseline_sha256 = models.CharField(max_length=64, blank=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    # Set by a check that found the content gone; an analyst confirms (or not) and it clears.
    looks_gone_since = models.DateTimeField(null=True, blank=True, db_index=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=20, choices=End.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["next_check_at"]

    def __str__(self) -> str:
        return f"watch {self.item_id} next {self.next_check_at}"


class Check(models.Model):
    """One fetch of an item's URL: what the server answered and whether the content looks
    gone. Never changed once written."""

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", _("Scheduled")
        REQUEST = "request", _("Asked for")

    class GoneSignal(models.TextChoices):
        STATUS = "status", _("HTTP status (404, 410 or 451)")
        PATTERN = "pattern", _("The platform's “content unavailable” page")
        CHANGED = "changed", _("The content changed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="checks")
    at = models.DateTimeField(db_index=True)
    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    reason = models.CharField(max_length=40)
    detail = models.CharField(max_length=500, blank=True)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    final_url = models.CharField(max_length=2048, blank=True)
    content_sha256 = models.CharField(max_length=64, blank=True)
    looks_gone = models.BooleanField(default=False)
    gone_signal = models.CharField(max_length=10, choices=GoneSignal.choices, blank=True)
    elapsed_ms = models.PositiveIntegerField(default=0)
    # Media found at the URL (an image or a video answer), hashed and matched like intake.
    media_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["item", "-at"], name="monitoring_check_item_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.outcome}"


class HostSlot(models.Model):
    """One of a host's ``MONITORING_HOST_CONCURRENCY`` fetch slots.

    A worker takes a slot by moving ``free_at`` forward with a conditional UPDATE (only if it
    is free now), so every worker on every machine shares one limit per host without a lock
    held across the fetch; after the fetch the slot is freed ``MONITORING_HOST_INTERVAL_SECONDS``
    later. A killed worker's slot frees itself when its ``free_at`` (the fetch deadline) passes.
    """

    host = models.CharField(max_length=255)
    slot = models.PositiveSmallIntegerField()
    free_at = models.DateTimeField()
    held_by = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["host", "slot"], name="monitoring_hostslot_unique")
        ]

    def __str__(self) -> str:
        return f"{self.host}#{self.slot}"


class Capture(models.Model):
    """One evidence capture of an item's URL.

    Where the law forbids keeping media (CSAM, minors: ``media_allowed`` False) only the URL,
    the time, the HTTP status and hashes are kept: no screenshot, no page, no text.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Capturing")
        DONE = "done", _("Captured")
        FAILED = "failed", _("Failed")

    class Trigger(models.TextChoices):
        REQUEST = "request", _("Asked for")
        APPROVAL = "approval", _("On approval")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="captures")
    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_until = models.DateTimeField(null=True, blank=True)
    leased_by = models.CharField(max_length=64, blank=True)
    media_allowed = models.BooleanField(default=False)
    url = models.CharField(max_length=2048)
    captured_at = models.DateTimeField(null=True, blank=True)
    final_url = models.CharField(max_length=2048, blank=True)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    failure = models.CharField(max_length=500, blank=True)
    # The manifest lists every file with its SHA-256 (sha256sum's format); the timestamp token
    # (RFC 3161, DER) covers the manifest's SHA-256.
    manifest = models.TextField(blank=True)
    manifest_sha256 = models.CharField(max_length=64, blank=True)
    timestamp_token = models.BinaryField(null=True, blank=True)
    timestamped_at = models.DateTimeField(null=True, blank=True)
    timestamp_problem = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["status", "requested_at"], name="monitoring_capture_due")]

    def __str__(self) -> str:
        return f"capture {self.item_id} {self.status}"


class CaptureFile(models.Model):
    """One file of a capture, stored encrypted through the evidence storage (``storage``)."""

    class Kind(models.TextChoices):
        SCREENSHOT = "screenshot", _("Full-page screenshot")
        WARC = "warc", _("Web archive (WARC)")
        TEXT = "text", _("Page text")
        DOM = "dom", _("Page source (DOM)")
        HEADERS = "headers", _("Response headers")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    capture = models.ForeignKey(Capture, on_delete=models.PROTECT, related_name="files")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    name = models.CharField(max_length=100)  # in the bundle: screenshot.png, page.warc.gz...
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    storage_key = models.CharField(max_length=200, unique=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["capture", "name"], name="monitoring_file_unique")
        ]

    def __str__(self) -> str:
        return self.name
