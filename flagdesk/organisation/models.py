"""The organisation running this flagdesk, its trusted-flagger designations and the
coordinator's confirmations of legal bases marked "to be confirmed".

Designations are data (legal.md b.1): the trusted-flagger marker of a notice is computed from
them on the sending date, never typed by a person. A designation keeps its identity (its UUID)
while it is edited; every change writes an immutable ``DesignationVersion`` and nothing is
deleted: a designation taken off the list is ended (``ended_on``), and a suspension is a dated
``DesignationSuspension`` row (art. 22(6)-(7) DSA).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from flagdesk.core.history import AppendOnly


def iso_date(value: dt.date | None) -> str | None:
    """A date as ISO text for JSON, ``None`` kept."""
    return value.isoformat() if value else None


DEFAULT_AGE_BANDS = (12, 14, 18)


def list_default_age_bands() -> list[int]:
    """A fresh list per row (a mutable default must not be shared)."""
    return list(DEFAULT_AGE_BANDS)


class Organisation(models.Model):
    """A singleton: one flagdesk installation serves one organisation."""

    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("notice contact email"))
    independence_procedures = models.TextField(_("procedures ensuring independence"), blank=True)
    # Statistics (docs/statistics.md): the ages at which the published age bands start, in
    # years ([12, 14, 18] gives "under 12", "12 to 13", "14 to 17", "18 and over"), and the
    # smallest count a published cell may show; smaller counts are suppressed or merged so
    # that no victim can be recognised from a figure (art. 22(3) DSA, GDPR 5(1)(c)).
    statistics_age_bands = models.JSONField(
        _("age bands (years at which each band starts)"), default=list_default_age_bands
    )
    statistics_min_cell = models.PositiveSmallIntegerField(_("smallest published count"), default=5)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("organisation")

    def __str__(self) -> str:
        return self.name

    def active_designations(self, on: dt.date) -> list[Designation]:
        return [d for d in self.designations.all() if d.is_active_on(on)]

    def designated_phenomena(self, on: dt.date) -> set[str]:
        return {code for d in self.active_designations(on) for code in d.phenomena}


class Designation(models.Model):
    """A designation as it stands now; ``versions`` hold every state it had."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="designations"
    )
    authority = models.CharField(_("designating authority"), max_length=100)
    designated_on = models.DateField(_("designated on"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    phenomena = models.JSONField(_("phenomena"), default=list)
    # Taken off the list: no trusted-flagger marking from this date on; the row stays.
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["designated_on", "authority"]

    def __str__(self) -> str:
        return f"{self.authority} {self.designated_on}"

    @property
    def is_ended(self) -> bool:
        return self.ended_on is not None

    def suspension_on(self, on: dt.date) -> DesignationSuspension | None:
        return next((s for s in self.suspensions.all() if s.covers(on)), None)

    @property
    def latest_suspension(self) -> DesignationSuspension | None:
        """The suspension the API and the form show and edit (one that took effect)."""
        kept = [s for s in self.suspensions.all() if not s.is_withdrawn]
        return max(kept, key=lambda s: (s.suspended_from, s.created_at), default=None)

    def state(self) -> dict[str, Any]:
        """Every field of the designation as JSON, dates as ISO text: what a version stores,
        and what the API and a notice's snapshot build on."""
        s = self.latest_suspension
        return {
            "authority": self.authority,
            "designated_on": self.designated_on.isoformat(),
            "valid_until": iso_date(self.valid_until),
            "phenomena": list(self.phenomena),
            "ended_on": iso_date(self.ended_on),
            "suspended_from": iso_date(s.suspended_from) if s else None,
            "suspended_until": iso_date(s.suspended_until) if s else None,
            "suspension_note": s.note if s else "",
        }

    @property
    def is_suspended(self) -> bool:
        """Suspended today (the local date)."""
        return self.suspension_on(timezone.localdate()) is not None

    def is_active_on(self, on: dt.date) -> bool:
        if on < self.designated_on:
            return False
        if self.ended_on is not None and on >= self.ended_on:
            return False
        if self.valid_until is not None and on > self.valid_until:
            return False
        return self.suspension_on(on) is None


class DesignationSuspension(models.Model):
    """A period without trusted-flagger marking, both dates included (art. 22(6) DSA).

    Lifting sets ``suspended_until``; a suspension lifted before it began never took effect
    and is kept as ``is_withdrawn``. Rows are never deleted; their versions are in history.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    designation = models.ForeignKey(
        Designation, on_delete=models.PROTECT, related_name="suspensions"
    )
    suspended_from = models.DateField(_("suspended from"))
    suspended_until = models.DateField(_("suspended until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    is_withdrawn = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["suspended_from", "created_at"]

    def __str__(self) -> str:
        return f"{self.suspended_from} to {self.suspended_until or ''}"

    def covers(self, on: dt.date) -> bool:
        if self.is_withdrawn or on < self.suspended_from:
            return False
        return self.suspended_until is None or on <= self.suspended_until


# Names of a designation's fields in its history, as the organisation page labels them.
FIELD_LABELS = {
    "authority": _("designating authority"),
    "designated_on": _("designated on"),
    "valid_until": _("valid until"),
    "phenomena": _("phenomena"),
    "suspended_from": _("suspended from"),
    "suspended_until": _("suspended until"),
    "suspension_note": _("note on the suspension"),
    "ended_on": _("ended on"),
}


class DesignationVersion(AppendOnly):
    """One immutable state of a designation, as recorded by whom and when (S7)."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        CHANGED = "changed", _("Changed")
        SUSPENDED = "suspended", _("Suspended")
        SUSPENSION_CHANGED = "suspension_changed", _("Suspension changed")
        LIFTED = "lifted", _("Suspension lifted")
        ENDED = "ended", _("Ended")
        MIGRATED = "migrated", _("Recorded before history was kept")

    designation = models.ForeignKey(Designation, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Names of the fields this version changed, and every field as it was after the change.
    changed = models.JSONField(default=list)
    state = models.JSONField(default=dict)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["designation", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["designation", "number"], name="designation_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.designation_id} v{self.number} {self.kind}"

    def changed_labels(self) -> list[str]:
        """The fields this version changed, as the organisation page names them."""
        return [str(FIELD_LABELS.get(name, name)) for name in self.changed]


class LegalBasisConfirmation(models.Model):
    """A coordinator's word that a basis marked ``verify`` in the taxonomy was checked.

    Withdrawing fills ``withdrawn_*`` on the row; nothing is deleted, so who vouched for a
    basis, and until when, can always be shown.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code = models.CharField(_("legal basis"), max_length=100)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField()
    note = models.TextField(_("note"))
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    withdrawal_note = models.TextField(blank=True)

    class Meta:
        ordering = ["code", "confirmed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(withdrawn_at__isnull=True),
                name="legal_basis_confirmed_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.confirmed_at:%Y-%m-%d}"

    @property
    def is_current(self) -> bool:
        return self.withdrawn_at is None

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("Confirmations are withdrawn, never deleted.")


# The languages a support line can be described in: those of the public pages.
SUPPORT_LANGUAGES = ("fr", "nl", "de", "en")


class SupportLine(models.Model):
    """A helpline or service the status page and the receipt page recommend to victims
    (docs/status-page.md): configured by the organisation, never by a reporter.

    ``texts`` holds what a reader sees, per language: ``{"fr": {"name", "offer", "hours"}}``;
    a line is shown only on pages in one of its ``languages``, each of which has a name and an
    offer. ``phenomena`` empty means every phenomenon. Lines are deactivated, not deleted, so
    the audit trail's references to them keep meaning something.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    texts = models.JSONField(_("texts"), default=dict)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    url = models.CharField(_("web address"), max_length=500, blank=True)
    phenomena = models.JSONField(_("phenomena"), default=list, blank=True)
    languages = models.JSONField(_("languages"), default=list)
    order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["order", "created_at"]
        verbose_name = _("support line")

    def __str__(self) -> str:
        return self.name_in()

    def text_in(self, language: str | None, part: str) -> str:
        """One text (``name``, ``offer``, ``hours``) in ``language``, else in the first language
        that has it: staff pages name a line even in a language it does not serve."""
        order = [language or "", *self.languages, *SUPPORT_LANGUAGES]
        for lang in order:
            value = str((self.texts.get(lang) or {}).get(part, "")).strip()
            if value:
                return value
        return ""

    def name_in(self, language: str | None = None) -> str:
        return self.text_in(language, "name")
