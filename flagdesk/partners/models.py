"""Partner organisations, the referrals they send us and the cases we forward to them.

Two directions, one shape: a partner refers a report to us (``Referral``, inbound) and we
forward items outside our designation to a partner (``Forward``, outbound). Whatever we send
over HTTP is a row first (``Callback`` for status changes we owe a partner, ``Forward`` for a
referral we owe them), claimed with a lease and retried with backoff, as notices are (S11).
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from flagdesk.accounts.models import User
from flagdesk.cases.models import Case, Item
from flagdesk.core import taxonomy
from flagdesk.core.crypto import EncryptedTextField
from flagdesk.intake.models import Report


class Partner(models.Model):
    """Another hotline or flagdesk instance we exchange referrals with."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    base_url = models.CharField(
        _("address of their flagdesk"),
        max_length=500,
        help_text=_("Their referrals API lives under this address (/api/v1/referrals)."),
    )
    country = models.CharField(_("country"), max_length=2, blank=True)
    phenomena = models.JSONField(_("phenomena they handle"), default=list, blank=True)
    email = models.EmailField(_("contact email"), blank=True)
    # Our API token on their instance, and the secret both sides sign callbacks with.
    their_token = EncryptedTextField(blank=True)
    shared_secret = EncryptedTextField(blank=True)
    # The local account (role partner) whose tokens they use to refer reports to us.
    user = models.OneToOneField(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="partner"
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def phenomenon_labels(self) -> list[str]:
        """The phenomena they handle, named in the reader's language (codes are stored)."""
        known = taxonomy.phenomena()
        return [known[code].label() if code in known else code for code in self.phenomena]


class Referral(models.Model):
    """A report a partner referred to us, under the partner's own reference."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="referrals")
    partner_reference = models.CharField(max_length=64)
    report = models.OneToOneField(Report, on_delete=models.PROTECT, related_name="referral")
    body_sha256 = models.CharField(max_length=64)  # a repeat of the same call is recognised
    callback_url = models.CharField(max_length=2048, blank=True)
    # The status JSON (without ``updated_at``) last queued for the callback; a change to it
    # queues the next callback.
    last_state = models.JSONField(null=True, blank=True)
    is_closed = models.BooleanField(default=False)  # every item finished: nothing more to tell
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "partner_reference"], name="referral_unique_per_partner"
            )
        ]

    def __str__(self) -> str:
        return f"{self.partner.slug}:{self.partner_reference}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SUPERSEDED = "superseded", _("Replaced by a newer status")


class Callback(models.Model):
    """One status change we owe a partner, POSTed to its ``callback_url`` (the outbox row)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="callbacks")
    payload = models.TextField()  # the exact JSON sent on every attempt
    signature = models.CharField(max_length=80)
    status = models.CharField(
        max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    leased_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"callback {self.id} ({self.status})"


# The statuses a partner's flagdesk reports (docs/partners.md), as staff read them here.
PARTNER_STATUS_LABELS = {
    "received": _("Received"),
    "in_review": _("In review"),
    "notified": _("Platform notified"),
    "escalated": _("Escalated"),
    "refused": _("Refused by the platform"),
    "restricted": _("Restricted"),
    "removed": _("Removed"),
    "not_actionable": _("Not actionable"),
    "closed": _("Closed"),
}


class Forward(models.Model):
    """Items of one of our cases that we referred to a partner, and what became of them."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="forwards")
    items = models.ManyToManyField(Item, related_name="forwards")
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="forwards")
    reason = models.TextField(_("reason"))
    # Sent as their ``partner_reference``: our case reference (with a suffix when the same
    # case goes to the same partner again).
    reference = models.CharField(max_length=64)
    their_reference = models.CharField(max_length=64, blank=True)
    their_status = models.CharField(max_length=30, blank=True)
    # [{"at", "status", "items": [{"url", "status", "decision"?}]}], oldest first.
    history = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(User, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Delivery of the referral to the partner: an outbox row of its own (S11).
    delivery = models.CharField(
        max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    leased_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "reference"], name="forward_unique_ref")
        ]

    def __str__(self) -> str:
        return f"{self.reference} -> {self.partner.slug}"

    @property
    def their_status_label(self) -> str:
        """Their status in the reader's language; an unknown one as they sent it."""
        return str(PARTNER_STATUS_LABELS.get(self.their_status, self.their_status))

    @property
    def last_error_label(self) -> str:
        """Why the last send failed, in the reader's language (stored as a code)."""
        from .http import problem_label  # the sender, not needed to define the models

        return problem_label(self.last_error) if self.last_error else ""
