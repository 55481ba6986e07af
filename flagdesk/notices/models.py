"""Notices, the outbox rows that send them, and the platforms' responses."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from flagdesk.cases.models import Item
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
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
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
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.decision} ({self.ground})"
