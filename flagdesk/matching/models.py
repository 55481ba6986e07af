"""Hash banks, their entries, the hashes of items' media and the matches between them.

Integer keys stay internal (STYLE: ``BankEntry`` keeps integer keys and never exposes them); a
bank is addressed by its slug, an entry by ``public_id``, a match by its UUID.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from flagdesk.cases.models import Assessment, Case, Item
from flagdesk.core.crypto import EncryptedTextField

from .signal_types import SIGNAL_TYPES

SIGNAL_CHOICES = [(name, t.label) for name, t in SIGNAL_TYPES.items()]


class HashBank(models.Model):
    """A named collection of known hashes: our own cases, one partner's, one phenomenon's."""

    class Kind(models.TextChoices):
        OWN = "own", _("Own cases")
        PARTNER = "partner", _("Partner")
        PHENOMENON = "phenomenon", _("Phenomenon")
        OTHER = "other", _("Other")
        # Hashes that reporters computed on their own device and allowed us to keep looking
        # for (StopNCII-style); each entry names its case, withdrawn with the receipt code.
        REPORTERS = "reporters", _("Reporters' pictures")

    name = models.CharField(_("name"), max_length=120, unique=True)
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OWN)
    phenomenon = models.CharField(_("phenomenon"), max_length=40, blank=True)
    description = models.TextField(_("description"), blank=True)
    partner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="partner_banks",
        help_text=_("The partner account that may add hashes to this bank through the API."),
    )
    is_enabled = models.BooleanField(_("used for matching"), default=True)
    is_shared = models.BooleanField(
        _("shared with partners"),
        default=False,
        help_text=_("Partners with an API token may fetch this bank's hashes."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class BankEntry(models.Model):
    """One known hash in one bank, with where it came from and who put it there."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    bank = models.ForeignKey(HashBank, on_delete=models.PROTECT, related_name="entries")
    signal_type = models.CharField(_("signal type"), max_length=16, choices=SIGNAL_CHOICES)
    value = models.TextField(_("hash"))
    # The value for PDQ/MD5/SHA-256, a SHA-256 of it for vPDQ: exact look-ups and dedupe.
    value_key = models.CharField(max_length=64)
    quality = models.PositiveSmallIntegerField(_("quality"), null=True, blank=True)
    frame_count = models.PositiveIntegerField(null=True, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    item = models.ForeignKey(
        Item, on_delete=models.PROTECT, null=True, blank=True, related_name="bank_entries"
    )
    external_ref = models.CharField(_("external reference"), max_length=200, blank=True)
    # The case a reporter's own picture belongs to (bank kind ``reporters``), when no item
    # of it is known: a match then leads to this case.
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="bank_entries"
    )
    thumbnail = EncryptedTextField(blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # Indexed: every process's index store asks for entries removed since its last look.
    removed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    removal_reason = models.TextField(blank=True)
    # A reviewer may let a match on this entry pre-fill the assessment of the new item.
    prefill_assessment = models.ForeignKey(
        Assessment, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    prefill_allowed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-added_at", "-id"]
        indexes = [models.Index(fields=["signal_type", "value_key"])]
        constraints = [
            models.UniqueConstraint(
                fields=["bank", "signal_type", "value_key"],
                condition=models.Q(removed_at__isnull=True),
                name="one_live_entry_per_hash_per_bank",
            )
        ]

    def __str__(self) -> str:
        return f"{self.signal_type}:{self.value_key[:16]}"

    @property
    def is_live(self) -> bool:
        return self.removed_at is None


class ItemSignal(models.Model):
    """A hash of media given for an item: at intake, by an analyst, or from evidence."""

    class Source(models.TextChoices):
        INTAKE = "intake", _("Intake upload")
        ANALYST = "analyst", _("Analyst upload")
        API = "api", _("API")
        EVIDENCE = "evidence", _("Evidence capture")
        RECHECK = "recheck", _("Re-check")
        DEVICE = "device", _("Hashed on the reporter's device")

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="signals")
    signal_type = models.CharField(_("signal type"), max_length=16, choices=SIGNAL_CHOICES)
    value = models.TextField(_("hash"))
    value_key = models.CharField(max_length=64, db_index=True)
    quality = models.PositiveSmallIntegerField(_("quality"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    media_kind = models.CharField(max_length=10, blank=True)
    media_size = models.PositiveBigIntegerField(null=True, blank=True)
    thumbnail = EncryptedTextField(blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # When the banks were last searched for this hash; a hash left unchecked (its task lost
    # with a killed worker) is found by the worker's sweep and matched again.
    checked_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.signal_type}:{self.value_key[:16]}"


class MediaFile(models.Model):
    """An item's image or video kept as evidence: encrypted on disk, never for CSAM.

    Kept only when an analyst asks and the phenomenon allows it (``may_keep_media``); the
    file name the uploader gave is not stored (it may name the victim).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="media_files")
    kind = models.CharField(max_length=10)
    mime = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    # Relative to settings.MATCHING_EVIDENCE_DIR; the bytes there are a Fernet token.
    storage_name = models.CharField(max_length=100, unique=True)
    kept_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.sha256[:12]}"


class PendingMedia(models.Model):
    """A long video waiting for the worker to hash it; gone, with its file, once hashed.

    Decoding an hour of video takes minutes: too long for the reporter's request, so the
    cheap checks run at once and the decoding in the background (``services.spool``).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    items = models.ManyToManyField(Item, related_name="+")
    source = models.CharField(max_length=20, choices=ItemSignal.Source.choices)
    keep_thumbnail = models.BooleanField(default=False)
    keep_file = models.BooleanField(default=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    storage_name = models.CharField(max_length=100, unique=True)
    declared_mime = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField()
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"pending {self.size} bytes"


class Match(models.Model):
    """An item's hash found in a bank: the item links to the known item and its case."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="matches")
    signal = models.ForeignKey(ItemSignal, on_delete=models.PROTECT, related_name="matches")
    entry = models.ForeignKey(BankEntry, on_delete=models.PROTECT, related_name="matches")
    distance = models.PositiveSmallIntegerField(_("distance"))
    # vPDQ only: share of the query's frames found in the known video, and the other way round.
    query_share = models.FloatField(null=True, blank=True)
    known_share = models.FloatField(null=True, blank=True)
    segments = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["distance", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["signal", "entry"], name="one_match_per_signal_entry")
        ]

    def __str__(self) -> str:
        return f"{self.signal} ~ {self.entry} ({self.distance})"
