"""Reports: what a reporter told us, with their contact details encrypted at rest."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from flagdesk.cases.models import Case, Item
from flagdesk.core.crypto import EncryptedTextField
from flagdesk.core.references import new_reference


class Report(models.Model):
    class Channel(models.TextChoices):
        WEB = "web", _("Web form")
        API = "api", _("API")
        PHONE = "phone", _("Phone line")
        EMAIL = "email", _("Email")
        IMPORT = "import", _("Spreadsheet import")
        REFERRAL = "referral", _("Partner referral")

    class ReporterRole(models.TextChoices):
        VICTIM = "victim", _("I am the person targeted or shown")
        WITNESS = "witness", _("I saw it online")
        PARENT = "parent", _("I am a parent or guardian")
        PROFESSIONAL = "professional", _("I am reporting as a professional")
        OTHER = "other", _("Other")

    class AgeBand(models.TextChoices):
        UNDER_13 = "under-13", _("Under 13")
        FROM_13_TO_17 = "13-17", _("13 to 17")
        FROM_18_TO_24 = "18-24", _("18 to 24")
        FROM_25_TO_34 = "25-34", _("25 to 34")
        FROM_35_TO_49 = "35-49", _("35 to 49")
        FROM_50 = "50+", _("50 or older")
        UNKNOWN = "unknown", _("I don't know")

    class Gender(models.TextChoices):
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")
        NON_BINARY = "non_binary", _("Non-binary")
        UNKNOWN = "unknown", _("I don't know / prefer not to say")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(max_length=12, unique=True, default=new_reference)
    receipt_code_hash = models.CharField(max_length=64)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="reports")
    items = models.ManyToManyField(Item, related_name="reports")
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.WEB)
    language = models.CharField(max_length=5, default="en")
    role = models.CharField(max_length=20, choices=ReporterRole.choices)
    phenomenon = models.CharField(max_length=40, blank=True)
    description = EncryptedTextField(blank=True)
    is_anonymous = models.BooleanField(default=True)
    reporter_name = EncryptedTextField(blank=True)
    reporter_email = EncryptedTextField(blank=True)
    reporter_phone = EncryptedTextField(blank=True)
    victim_age_band = models.CharField(max_length=10, choices=AgeBand.choices, blank=True)
    victim_gender = models.CharField(max_length=12, choices=Gender.choices, blank=True)
    has_consented = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # Blind indexes (keyed hashes, ``subjects.email_index``/``phone_index``): the columns
    # above are encrypted, and a data subject's reports must still be found (GDPR arts 15, 17).
    reporter_email_index = models.CharField(max_length=64, blank=True, db_index=True)
    reporter_phone_index = models.CharField(max_length=64, blank=True, db_index=True)
    # Erasure (docs/retention.md): when a request (the reporter's, or for a data subject) was
    # held back by a legal hold; cleared once the retention run has carried it out.
    erasure_held_at = models.DateTimeField(null=True, blank=True)
    # When each class was erased.
    contact_erased_at = models.DateTimeField(null=True, blank=True)
    description_erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.reference


class ReportMessage(models.Model):
    """What a reporter added to their report later, with the receipt code: text (encrypted,
    erased with the description) and addresses, which became items like at intake."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="messages")
    text = EncryptedTextField(blank=True)
    items = models.ManyToManyField(Item, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.report.reference} {self.created_at:%Y-%m-%d}"


class Import(models.Model):
    """One spreadsheet of URLs taken in by staff: the record of what was previewed, what was
    imported and how far a long import got (docs/intake.md, "Spreadsheet import").

    The file itself is never kept: only its hash, and its parsed rows (``ImportRow``) for as
    long as the import needs them. ``rows_done`` says which rows are in the database: a worker
    killed mid-import resumes after it without importing a row twice.
    """

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("Previewed")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    format = models.CharField(max_length=4, choices=Format.choices)
    encoding = models.CharField(max_length=20, blank=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PREVIEWED, db_index=True
    )
    language = models.CharField(max_length=5, default="en")
    phenomenon = models.CharField(max_length=40, blank=True)
    role = models.CharField(max_length=20, default=Report.ReporterRole.PROFESSIONAL)
    # Row counts by outcome at preview (``new``, ``join``, ``duplicate``, ``error``) and the
    # columns read and ignored: what the preview page and the API's report show.
    counts = models.JSONField(default=dict)
    columns = models.JSONField(default=dict)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    report = models.ForeignKey(
        Report, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} {self.status}"


class ImportRow(models.Model):
    """One row of an import with its outcome: the per-row report, kept with the import.

    ``payload`` (phenomenon, description, identifiers as JSON) is what the import still needs;
    it is encrypted, since a description may name a person, and emptied once the row is in.
    """

    class Outcome(models.TextChoices):
        NEW = "new", _("New item")
        JOIN = "join", _("Joins an open item")
        DUPLICATE = "duplicate", _("Duplicate row")
        ERROR = "error", _("Error")

    id = models.BigAutoField(primary_key=True)
    batch = models.ForeignKey(Import, on_delete=models.CASCADE, related_name="rows")
    position = models.PositiveIntegerField()  # 0-based order; rows_done counts these
    number = models.PositiveIntegerField()  # the row number as the spreadsheet shows it
    url = models.TextField(blank=True)
    url_key = models.CharField(max_length=64, blank=True)  # of a valid url: finds its item
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    message = models.TextField(blank=True)
    payload = EncryptedTextField(blank=True)
    item = models.ForeignKey(
        Item, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "position"], name="one_import_row_per_position"
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.outcome}"
