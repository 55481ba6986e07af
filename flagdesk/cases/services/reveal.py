"""Showing a reporter's encrypted details to staff, always behind an audit entry (S5)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from flagdesk.accounts.models import User
from flagdesk.accounts.permissions import require_role
from flagdesk.accounts.policy import CASEWORK_ROLES
from flagdesk.audit.reasons import access_reason
from flagdesk.audit.services import record
from flagdesk.core.errors import NotFound

from ..queries import item_report

if TYPE_CHECKING:  # intake comes after cases (S1): a type, not a runtime import
    from flagdesk.intake.models import Report


@dataclass(frozen=True)
class RevealedReporter:
    reference: str
    description: str
    is_anonymous: bool
    name: str
    email: str
    phone: str
    # What the reporter added later (``intake.ReportMessage``): when, and the text.
    messages: tuple[tuple[datetime, str], ...] = ()


@transaction.atomic
def reveal_reporter(report: Report, *, actor: User, reason: str) -> RevealedReporter:
    """Decrypt a report's description and contact details for one caseworker.

    ``report`` is an ``intake.Report`` reached through ``queries.item_report``. A reason is
    required; the ``report.revealed`` audit entry is written before anything is decrypted, so
    no one reads personal data without leaving a trace.
    """
    require_role(actor, *CASEWORK_ROLES)
    # Need-to-know: the case must be one this user may open, whoever passed the report in.
    if item_report(actor, report.id) is None:
        raise NotFound(_("No such report."))
    reason = access_reason(reason)
    record("report.revealed", actor=actor, target=f"report:{report.id}", reason=reason)
    return RevealedReporter(
        reference=report.reference,
        description=report.description,
        is_anonymous=report.is_anonymous,
        name=report.reporter_name,
        email=report.reporter_email,
        phone=report.reporter_phone,
        messages=tuple((m.created_at, m.text) for m in report.messages.all()),
    )
