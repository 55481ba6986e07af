"""Reading the audit trail: the entries an auditor asks for, newest first.

Who may read it is decided by the pages and commands that call this (the permission table
lives in accounts, which comes after audit).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from .models import AuditEntry


@dataclass(frozen=True)
class EntryFilter:
    """Each field empty or None: no filter on it. Dates are days in the site's time zone."""

    action: str = ""  # the action starts with this ("report." for every report action)
    actor: str = ""  # the user name, exactly
    target: str = ""  # the target starts with this ("report:" or one report's id)
    since: dt.date | None = None
    until: dt.date | None = None  # inclusive
    until_seq: int | None = None  # the head when an export began, so it is one snapshot

    def as_dict(self) -> dict[str, str | int]:
        """The filters set, as an export's audit entry records them."""
        values = {
            "action": self.action,
            "actor": self.actor,
            "target": self.target,
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
        }
        return {name: value for name, value in values.items() if value}


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audit_entries(filters: EntryFilter) -> QuerySet[AuditEntry]:
    entries = AuditEntry.objects.select_related("actor").order_by("-seq")
    if filters.action:
        entries = entries.filter(action__startswith=filters.action)
    if filters.actor:
        entries = entries.filter(actor__username=filters.actor)
    if filters.target:
        entries = entries.filter(target__startswith=filters.target)
    if filters.since:
        entries = entries.filter(created_at__gte=_start_of(filters.since))
    if filters.until:
        entries = entries.filter(created_at__lt=_start_of(filters.until + dt.timedelta(days=1)))
    if filters.until_seq is not None:
        entries = entries.filter(seq__lte=filters.until_seq)
    return entries
