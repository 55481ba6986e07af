"""Reports: what a reporter told us, with their contact details encrypted at rest."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from flagdesk.cases.models import Case, CaseEvent, Item
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
    # The reporter let us keep the fingerprints of their picture in the reporters' bank
    # (docs/victims.md); withdrawn with the receipt code, after which the entries are removed.
    bank_consent_at = models.DateTimeField(null=True, blank=True)
    bank_consent_withdrawn_at = models.DateTimeField(null=True, blank=True)
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


class MailedReport(models.Model):
    """A mail of the intake mailbox, read into a draft report for an intake officer to confirm
    (a new report), merge (into an existing one) or discard. Who wrote, what they wrote and
    the subject are encrypted; the attachments themselves are never kept (``MailedAttachment``
    holds their hashes). A mail is stored once: by its Message-ID's hash, or by its UID."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        REFUSED = "refused", _("Refused")  # too large or unreadable: only its sender is known
        CONFIRMED = "confirmed", _("Confirmed")
        MERGED = "merged", _("Merged")
        DISCARDED = "discarded", _("Discarded")

    class DiscardReason(models.TextChoices):
        SPAM = "spam", _("Spam or advertising")
        NOT_ABUSE = "not_abuse", _("Not a report of abuse")
        DUPLICATE = "duplicate", _("Already reported")
        OUT_OF_SCOPE = "out_of_scope", _("Not for us (another service)")
        UNREADABLE = "unreadable", _("Cannot be read or used")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    mailbox = models.CharField(max_length=64)
    uidvalidity = models.BigIntegerField()
    uid = models.BigIntegerField()
    # sha256 of the Message-ID (or of the whole mail when it has none): a mail delivered twice,
    # or read again after the mailbox was recreated, is taken once.
    message_key = models.CharField(max_length=64, unique=True)
    received_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    size = models.BigIntegerField(default=0)
    sender_address = EncryptedTextField(blank=True)
    sender_name = EncryptedTextField(blank=True)
    subject = EncryptedTextField(blank=True)
    body = EncryptedTextField(blank=True)  # plain text only: HTML is converted, never shown
    language = models.CharField(max_length=5, blank=True)  # a guess: fr, nl, de, en or ""
    # [{"url": normalised, "raw": as written}]; invalid ones: [{"raw", "reason"}]
    urls = models.JSONField(default=list, blank=True)
    invalid_urls = models.JSONField(default=list, blank=True)
    urls_found = models.PositiveIntegerField(default=0)  # before the cap
    # [{"code": ..., "detail": ..., **params}]: what was wrong with the mail, for the officer.
    problems = models.JSONField(default=list, blank=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    report = models.ForeignKey(
        Report, null=True, blank=True, on_delete=models.PROTECT, related_name="mailed_drafts"
    )
    handled_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    discard_reason = models.CharField(max_length=20, choices=DiscardReason.choices, blank=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["mailbox", "uidvalidity", "uid"], name="mailed_report_once"
            )
        ]

    def __str__(self) -> str:
        return f"mail {self.received_at:%Y-%m-%d %H:%M} {self.status}"


class MailedAttachment(models.Model):
    """One attachment of a mailed report, as a record only: the file was hashed (or refused)
    when the mail was read, then discarded. ``signals`` are the hashes matching uses
    ([{"signal_type", "value", "quality"}]); ``refusal`` says why a file was not hashed."""

    class Refusal(models.TextChoices):
        TOO_MANY = "too_many", _("Too many attachments")
        TOO_BIG = "too_big", _("Larger than allowed")
        ARCHIVE = "archive", _("An archive")
        EXECUTABLE = "executable", _("A program or script")
        MEDIA = "media", _("Not a usable picture or video")
        UNREADABLE = "unreadable", _("Could not be decoded")

    id = models.BigAutoField(primary_key=True)
    mail = models.ForeignKey(MailedReport, on_delete=models.CASCADE, related_name="attachments")
    filename = EncryptedTextField(blank=True)  # names can say who someone is
    declared_type = models.CharField(max_length=100, blank=True)
    detected_type = models.CharField(max_length=100, blank=True)
    kind = models.CharField(max_length=10, blank=True)  # image, video or ""
    size = models.BigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    md5 = models.CharField(max_length=32, blank=True)
    signals = models.JSONField(default=list, blank=True)
    refusal = models.CharField(max_length=12, choices=Refusal.choices, blank=True)
    refusal_detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.detected_type or self.declared_type} {self.size}"

    @property
    def pdq(self) -> str:
        return next((s["value"] for s in self.signals if s["signal_type"] in ("pdq",)), "")


class CallLog(models.Model):
    """One call on the phone line: who took it, when, how long, in which language, and the
    officer's notes (encrypted, erased with the report's description). Recorded with the
    report the call produced, in the same transaction (``phone.take_phone_report``)."""

    class Direction(models.TextChoices):
        INBOUND = "inbound", _("Incoming call")
        OUTBOUND = "outbound", _("Outgoing call")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    report = models.ForeignKey(
        Report, on_delete=models.PROTECT, null=True, blank=True, related_name="calls"
    )
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="calls")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    direction = models.CharField(
        max_length=10, choices=Direction.choices, default=Direction.INBOUND
    )
    language = models.CharField(max_length=5)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField()
    notes = EncryptedTextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.case.reference} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def duration_minutes(self) -> int:
        return max(0, round((self.ended_at - self.started_at).total_seconds() / 60))


class ContactEntry(models.Model):
    """The victim-support log of a case: each contact with the reporter or the victim, and
    where we referred them. The summary is encrypted and shown only through the audited
    ``contacts.reveal_contact``. A phone call taken at intake has its entry too, pointing
    at its ``CallLog`` (whose notes are then the summary): the log is this one table."""

    class Channel(models.TextChoices):
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("Email")
        LETTER = "letter", _("Letter")
        IN_PERSON = "in_person", _("In person")
        OTHER = "other", _("Other")

    class Direction(models.TextChoices):
        INCOMING = "incoming", _("Incoming")
        OUTGOING = "outgoing", _("Outgoing")

    class Referral(models.TextChoices):
        NONE = "none", _("No referral")
        POLICE = "police", _("Police")
        VICTIM_SUPPORT = "victim_support", _("Victim support service")
        LEGAL_AID = "legal_aid", _("Legal aid")
        PSYCHOLOGICAL_SUPPORT = "psychological_support", _("Psychological support")
        OTHER = "other", _("Other service")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="contacts")
    report = models.ForeignKey(
        Report, on_delete=models.PROTECT, null=True, blank=True, related_name="contacts"
    )
    call = models.OneToOneField(
        CallLog, on_delete=models.PROTECT, null=True, blank=True, related_name="contact"
    )
    at = models.DateTimeField()
    channel = models.CharField(max_length=10, choices=Channel.choices)
    direction = models.CharField(max_length=10, choices=Direction.choices)
    summary = EncryptedTextField(blank=True)
    referral = models.CharField(max_length=24, choices=Referral.choices, default=Referral.NONE)
    referred_to = models.CharField(max_length=200, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # A mail staff wrote to the reporter from the case (``reporter_updates``): its text is
    # this entry's summary, kept (encrypted) after the mail's own body is erased once sent.
    mail = models.OneToOneField(
        "ReporterMail", on_delete=models.PROTECT, null=True, blank=True, related_name="contact"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-created_at"]
        verbose_name_plural = "contact entries"

    def __str__(self) -> str:
        return f"{self.case.reference} {self.at:%Y-%m-%d} {self.channel}"


class ReporterMail(models.Model):
    """A mail to a reporter, kept until a worker has sent it (``reporter_mail``).

    Written in the transaction that decides to send it, sent by a task over SMTP, retried
    with backoff, never twice at once (a lease). The address and body are encrypted; once
    the mail is sent (or given up) the body is erased: it may hold a receipt code, which must
    not stay at rest longer than needed. The subject and dates stay as the record."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("Receipt")
        REMOVED = "removed", _("Content removed")
        REFUSED = "refused", _("Removal refused")
        NEEDS_INFO = "needs_info", _("More information needed")
        STAFF = "staff", _("Message from staff")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="mails")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.RECEIPT)
    # Who wrote it, for a mail staff wrote from the case (audited); None for automatic mails.
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to = EncryptedTextField()
    language = models.CharField(max_length=5)
    subject = models.CharField(max_length=200)
    body = EncryptedTextField(blank=True)
    message_id = models.CharField(max_length=200, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    leased_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.report.reference} {self.subject}"


class ReporterOutcome(models.Model):
    """That a reporter is told, by ``mail``, of one status change of an item they reported:
    ``event`` is the item's ``status`` event to removed, restricted or refused.

    One row per report and event, written in the transaction that queues the mail: however
    often the scan runs and however many workers run it at once, the unique constraint lets
    a reporter hear of one status change once (``outcome_mail``). No personal data."""

    id = models.BigAutoField(primary_key=True)
    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="outcomes")
    event = models.ForeignKey(CaseEvent, on_delete=models.PROTECT, related_name="+")
    mail = models.ForeignKey(ReporterMail, on_delete=models.PROTECT, related_name="outcomes")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "event"], name="one_outcome_mail_per_report_and_event"
            )
        ]

    def __str__(self) -> str:
        return f"{self.report_id} {self.event_id}"


class OutcomeScan(models.Model):
    """How far the outcome-mail scan has read the case timelines (``outcome_mail``).

    ``started_at`` is when the feature arrived (the migration that made this row): status
    changes before it are never mailed, so an upgrade does not flood reporters with news of
    old decisions. ``scanned_to`` is where the last scan began; the next one reads again a
    little before it, in case a transaction committed its event late."""

    name = models.CharField(max_length=40, primary_key=True)
    started_at = models.DateTimeField()
    scanned_to = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} {self.scanned_to:%Y-%m-%d %H:%M:%S}"


class InfoRequest(models.Model):
    """Staff asked the reporter for more information (a ``needs_info`` mail).

    Open until the reporter adds information with their receipt code (``messages.add_message``
    marks it answered) or staff close it. The question is the text of the mail, kept as the
    summary of its contact-log entry (encrypted, erased with the report's description); this
    row holds no personal data."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="info_requests")
    mail = models.OneToOneField(ReporterMail, on_delete=models.PROTECT, related_name="info_request")
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answer = models.ForeignKey(
        ReportMessage, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.report_id} {self.created_at:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.answered_at is None and self.closed_at is None


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


class ReportSignal(models.Model):
    """A hash of a picture that the reporter computed on their own device (``signals``).

    The picture itself never reached us. Kept with the report so a report without any
    address (the "find copies of my picture" page) still holds what to look for; each
    item of the report also gets the hashes as its own signals, as for an upload."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="signals")
    signal_type = models.CharField(max_length=16)
    value = models.CharField(max_length=64)
    quality = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.signal_type}:{self.value[:16]}"


class ReceiptLockout(models.Model):
    """Wrong receipt codes tried for one reference, counted across every web process and
    machine (``receipts.open_report``): after too many in a window, the reference refuses
    every code, the right one too, until ``locked_until``.

    ``key`` is a keyed hash of the normalised reference, counted whether or not a report has
    it, so a lock-out says nothing about which references exist (nor does the table).
    """

    id = models.BigAutoField(primary_key=True)
    key = models.CharField(max_length=64, unique=True)
    failures = models.PositiveIntegerField(default=0)
    window_started_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.key[:8]} {self.failures}"
