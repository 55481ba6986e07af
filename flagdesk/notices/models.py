"""Notices, the outbox rows that send them, and the platforms' responses."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from flagdesk.cases.models import Item
from flagdesk.core.crypto import EncryptedTextField
from flagdesk.core.history import AppendOnly
from flagdesk.core.references import new_reference
from flagdesk.notices.language import language_name
from flagdesk.platforms.models import Platform, PlatformChannel


def new_notice_reference() -> str:
    return new_reference("N")


class Notice(models.Model):
    """An art. 16 notice to one platform about one or more items; frozen when queued.

    Follow-ups (a reminder, a re-notice, an art. 20 complaint, a file for the Digital Services
    Coordinator) are notices too, linked to the one they follow by ``previous``.
    """

    class Kind(models.TextChoices):
        NOTICE = "notice", _("Notice")
        REMINDER = "reminder", _("Reminder")
        RENOTICE = "renotice", _("Re-notice")
        COMPLAINT = "complaint", _("Complaint (art. 20)")
        DSC_COMPLAINT = "dsc_complaint", _("Complaint to the Digital Services Coordinator")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        DECIDED = "decided", _("Decided")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(max_length=12, unique=True, default=new_notice_reference)
    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="notices")
    items = models.ManyToManyField(Item, related_name="notices")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.NOTICE)
    previous = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="follow_ups"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    channel_kind = models.CharField(max_length=20)
    # The channel as it was when the notice was frozen (no secret: only where to find it).
    channel_config = models.JSONField(default=dict, blank=True)
    recipient = models.CharField(max_length=254)
    sender = models.CharField(max_length=254)
    language = models.CharField(max_length=5)
    is_trusted_flagger = models.BooleanField(default=False)
    # Art. 16(2)(c) exception: the notifier's name and email were left out (legal.md g.5).
    is_anonymous = models.BooleanField(default=False)
    # The designations the trusted-flagger statement relied on, as they stood when the notice
    # was frozen (authority, dates, areas, version id): later edits never rewrite it.
    designations = models.JSONField(default=list, blank=True)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    payload = models.JSONField(default=dict)
    message_id = models.CharField(max_length=200, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # The platform's own reference for the notice: from its API, or pasted after a web form.
    platform_reference = models.CharField(max_length=200, blank=True)
    # A follow-up's reason (why notify again, why we contest), written into its text.
    reason = models.TextField(blank=True)
    # Escalations (re-notice, complaints) leave only once a second person approved them.
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.reference

    def get_channel_display(self) -> str:
        """The channel's name in the reader's language (the platform registry's choices)."""
        return str(dict(PlatformChannel.Kind.choices).get(self.channel_kind, self.channel_kind))

    @property
    def language_name(self) -> str:
        """The notice language's name in the reader's language."""
        return language_name(self.language)


class OutboxRow(models.Model):
    """The source of truth for one send (S11): leased by a worker, retried, never doubled."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")
        # A web-form notice: no worker sends it, a person submits it and confirms.
        MANUAL = "manual", _("Waiting to be submitted by hand")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    notice = models.OneToOneField(Notice, on_delete=models.PROTECT, related_name="outbox")
    key = models.CharField(max_length=100, unique=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    # When a send task was last queued for this row: the sweep queues another only when that
    # one is overdue (lost with a dead worker), not one per round while a backlog drains.
    enqueued_at = models.DateTimeField(null=True, blank=True)
    leased_until = models.DateTimeField(null=True, blank=True)
    leased_by = models.CharField(max_length=100, blank=True)
    last_error = models.TextField(blank=True)
    # What the channel gave back (the SMTP Message-ID, an API request id): evidence of sending.
    delivery_reference = models.CharField(max_length=200, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.key} {self.status}"


class DeliveryAttempt(models.Model):
    """One try at handing a notice to its channel, kept as evidence and shown on the notice.

    Written when a worker claims the outbox row and settled after the channel answered; an
    attempt that never got an outcome is one whose worker died mid-send.
    """

    class Outcome(models.TextChoices):
        PENDING = "", _("Interrupted")
        SENT = "sent", _("Sent")
        TRANSIENT = "transient", _("Failed, will retry")
        PERMANENT = "permanent", _("Failed, will not retry")
        GAVE_UP = "gave_up", _("Given up")

    id = models.BigAutoField(primary_key=True)
    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="attempt_log")
    number = models.PositiveIntegerField()
    channel = models.CharField(max_length=20)
    worker = models.CharField(max_length=100, blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["started_at", "id"]

    def __str__(self) -> str:
        return f"{self.notice_id} #{self.number} {self.outcome or 'interrupted'}"


class NoticeResponse(models.Model):
    """A platform's art. 16(4) acknowledgement or 16(5) decision, as received."""

    class Source(models.TextChoices):
        STAFF = "staff", _("Entered by staff")
        MAIL = "mail", _("The platform's reply mail")
        INBOUND_API = "inbound_api", _("The platform's signed API call")

    class Kind(models.TextChoices):
        ACKNOWLEDGEMENT = "acknowledgement", _("Acknowledgement of receipt")
        DECISION = "decision", _("Decision")

    class Decision(models.TextChoices):
        REMOVED = "removed", _("Removed")
        DISABLED = "disabled", _("Access disabled")
        RESTRICTED = "restricted", _("Restricted")
        GEO_BLOCKED = "geo_blocked", _("Geo-blocked")
        DEMOTED = "demoted", _("Demoted")
        ACCOUNT_SUSPENDED = "account_suspended", _("Account suspended")
        REFUSED = "refused", _("Refused")
        NO_ACTION = "no_action", _("No action")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="responses")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    decision = models.CharField(max_length=20, choices=Decision.choices, blank=True)
    received_at = models.DateTimeField()
    platform_reference = models.CharField(max_length=200, blank=True)
    statement = models.TextField(blank=True)
    # Null when the platform's own system recorded it: a reply mail matched with proof, or
    # the signed inbound API (``source`` says which).
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.STAFF)
    mail = models.ForeignKey(
        "InboundMail", on_delete=models.PROTECT, null=True, blank=True, related_name="responses"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.kind} {self.decision}"


class ItemDecision(AppendOnly):
    """The platform's decision on one item of a notice, with the DSA Transparency Database's
    fields (legal.md "Decisions"). Append-only in practice: a correction is a new row that
    names the one it corrects, so the history of what the platform said is kept."""

    class Ground(models.TextChoices):
        ILLEGAL = "illegal", _("Illegal content")
        TERMS = "terms", _("Incompatible with the terms and conditions")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    response = models.ForeignKey(
        NoticeResponse, on_delete=models.PROTECT, related_name="item_decisions"
    )
    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="item_decisions")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="decisions")
    decision = models.CharField(max_length=20, choices=NoticeResponse.Decision.choices)
    ground = models.CharField(max_length=10, choices=Ground.choices, blank=True)
    # Member States where the decision applies (TDB territorial_scope); empty = not stated.
    territorial_scope = models.JSONField(default=list, blank=True)
    # Art. 16(6): whether the platform declared automated means; None = it did not say.
    is_automated = models.BooleanField(null=True, blank=True)
    # Art. 16(5): the redress information the platform gave, verbatim.
    redress = models.TextField(blank=True)
    statement_id = models.CharField(max_length=500, blank=True)
    decided_at = models.DateTimeField()
    corrects = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.decision} ({self.ground})"


class InboundMail(models.Model):
    """A mail read from the answers mailbox, kept whatever it is (evidence), with what we
    understood of it: which notice it answers and on what proof, and what it says.

    A mail changes a notice by itself only with matching proof: it answers one of our
    Message-IDs (or names a notice reference in its subject), it comes from the notice's
    platform, and it says one thing clearly. Anything less waits in the triage list for a
    person (``state``), and a mail is never applied twice.
    """

    class State(models.TextChoices):
        APPLIED = "applied", _("Recorded on the notice")
        NEEDS_REVIEW = "needs_review", _("To confirm")
        UNMATCHED = "unmatched", _("Not matched to a notice")
        CONFIRMED = "confirmed", _("Confirmed by staff")
        IGNORED = "ignored", _("Set aside")

    class Proof(models.TextChoices):
        MESSAGE_ID = "message_id", _("It answers our message (In-Reply-To/References)")
        SUBJECT = "subject", _("Our reference in its subject")
        BODY = "body", _("Our reference in its text")
        NONE = "", _("No reference found")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    mailbox = models.CharField(max_length=64)  # a digest of the mailbox's URL, no password
    uidvalidity = models.BigIntegerField()
    uid = models.BigIntegerField()
    message_id = models.CharField(max_length=1000, blank=True, db_index=True)
    from_address = models.CharField(max_length=320, blank=True)
    from_domain = models.CharField(max_length=253, blank=True)
    subject = models.CharField(max_length=1000, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)  # the mail's Date header
    received_at = models.DateTimeField()  # when flagdesk read it
    size = models.PositiveIntegerField(default=0)
    is_partial = models.BooleanField(default=False)  # larger than we read of it
    # The mail as read (base64 of the bytes), and its readable text: both encrypted, since
    # a reply can quote personal data.
    raw = EncryptedTextField(blank=True)
    text = EncryptedTextField(blank=True)
    problems = models.JSONField(default=list, blank=True)
    notice = models.ForeignKey(
        Notice, on_delete=models.PROTECT, null=True, blank=True, related_name="mails"
    )
    proof = models.CharField(max_length=20, choices=Proof.choices, blank=True)
    sender_is_platform = models.BooleanField(default=False)
    kind = models.CharField(max_length=30, blank=True)
    decision = models.CharField(max_length=20, blank=True)
    confidence = models.CharField(max_length=10, blank=True)
    evidence = models.CharField(max_length=300, blank=True)
    state = models.CharField(max_length=20, choices=State.choices, db_index=True)
    why = models.CharField(max_length=500, blank=True)  # why it waits for a person
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["mailbox", "uidvalidity", "uid"], name="inbound_mail_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.from_address} {self.subject[:40]}"


class MailboxCursor(models.Model):
    """How far the answers mailbox has been read: the UID validity and the last UID seen."""

    mailbox = models.CharField(max_length=64, unique=True)
    uidvalidity = models.BigIntegerField(default=0)
    last_uid = models.BigIntegerField(default=0)
    polled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    def __str__(self) -> str:
        return f"{self.mailbox} {self.uidvalidity}:{self.last_uid}"


class InboundCall(models.Model):
    """A signed call of a platform's system to the inbound API, kept once by its body's hash:
    a platform that retries a call it thinks failed records nothing twice."""

    id = models.BigAutoField(primary_key=True)
    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="+")
    body_sha256 = models.CharField(max_length=64)
    received_at = models.DateTimeField(auto_now_add=True)
    response = models.ForeignKey(NoticeResponse, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["platform", "body_sha256"], name="inbound_call_once")
        ]

    def __str__(self) -> str:
        return f"{self.platform_id} {self.body_sha256[:12]}"


class NoticeAlert(models.Model):
    """A notice the coordinators were mailed about, once per kind: it failed (or retries
    gave up), or it waited in the outbox longer than it should."""

    class Kind(models.TextChoices):
        FAILED = "failed", _("Failed")
        STUCK = "stuck", _("Still queued")
        DEADLINE = "deadline", _("Complaint deadline near")

    id = models.BigAutoField(primary_key=True)
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    mailed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["notice", "kind"], name="alert_once")]

    def __str__(self) -> str:
        return f"{self.notice_id} {self.kind}"
