"""Showing a reporter's encrypted details to staff, always behind an audit entry (S5)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from flagdesk.accounts.models import User
from flagdesk.accounts.permissions import require_role
from flagdesk.accounts.policy import CASEWORK_ROLES
from flagdesk.audit.services import record
from flagdesk.core.errors import ValidationFailed

if TYPE_CHECKING:  # intake comes after cases (S1): a type, not a runtime import
    from flagdesk.intake.models import Report

MAX_REASON = 500


@dataclass(frozen=True)
class RevealedReporter:
    reference: str
    description: str
    is_anonymous: bool
    name: str
    email: str
    phone: str


@transaction.atomic
def reveal_reporter(report: Report, *, actor: User, reason: str) -> RevealedReporter:
    """Decrypt a report's description and contact details for one caseworker.

    ``report`` is an ``intake.Report`` reached through ``queries.item_report``. A reason is
    required; the ``report.revealed`` audit entry is written before anything is decrypted, so
    no one reads personal data without leaving a trace.
    """
    require_role(actor, *CASEWORK_ROLES)
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(
            _("Say why you need the reporter's details."), fields={"reason": [_("Required.")]}
        )
    if len(reason) > MAX_REASON:
        raise ValidationFailed(
            _("The reason can be at most %(limit)d characters.") % {"limit": MAX_REASON},
            fields={"reason": [_("Too long.")]},
        )
    record("report.revealed", actor=actor, target=f"report:{report.id}", reason=reason)
    return RevealedReporter(
        reference=report.reference,
        description=report.description,
        is_anonymous=report.is_anonymous,
        name=report.reporter_name,
        email=report.reporter_email,
        phone=report.reporter_phone,
    )
