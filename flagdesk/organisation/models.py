"""The organisation running this flagdesk and its trusted-flagger designations.

Designations are data (legal.md b.1): the trusted-flagger marker of a notice is computed from
them on the sending date, never typed by a person.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class Organisation(models.Model):
    """A singleton: one flagdesk installation serves one organisation."""

    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("notice contact email"))
    independence_procedures = models.TextField(_("procedures ensuring independence"), blank=True)
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
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="designations"
    )
    authority = models.CharField(_("designating authority"), max_length=100)
    designated_on = models.DateField(_("designated on"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    is_suspended = models.BooleanField(_("suspended"), default=False)
    phenomena = models.JSONField(_("phenomena"), default=list)

    class Meta:
        ordering = ["designated_on"]

    def __str__(self) -> str:
        return f"{self.authority} {self.designated_on}"

    def is_active_on(self, on: dt.date) -> bool:
        if self.is_suspended or on < self.designated_on:
            return False
        return self.valid_until is None or on <= self.valid_until
