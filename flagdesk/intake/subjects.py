"""Data subjects: finding a person's reports by email or phone (through the blind index,
``subject_index``), exporting what is held about them (GDPR art. 15) and erasing it (art. 17),
for a coordinator, every step audited.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from flagdesk.accounts.models import User
from flagdesk.accounts.permissions import require_role
from flagdesk.accounts.policy import Action, roles_for
from flagdesk.audit.reasons import stated_reason
from flagdesk.audit.services import record
from flagdesk.cases import retention
from flagdesk.cases.queries import visible_items
from flagdesk.core.errors import ValidationFailed

from . import erasure
from .models import Report
from .subject_index import email_index, phone_index

SUBJECT_ROLES = roles_for(Action.DATA_SUBJECT_REQUESTS)


@dataclass(frozen=True)
class SubjectReports:
    """The reports found for a data subject that the coordinator may open, and how many more
    lie in cases closed to them (need-to-know), which a colleague named on them must handle."""

    reports: list[Report]
    out_of_reach: int


def _matching(email: str, phone: str) -> QuerySet[Report]:
    wanted = Q(pk__in=[])
    if index := email_index(email):
        wanted |= Q(reporter_email_index=index)
    if index := phone_index(phone):
        wanted |= Q(reporter_phone_index=index)
    return Report.objects.filter(wanted)


def find_reports(*, actor: User, email: str = "", phone: str = "") -> SubjectReports:
    """The reports whose reporter gave this email or phone. The search itself is audited
    (who looked for a data subject, how many reports came back), never the address."""
    require_role(actor, *SUBJECT_ROLES)
    if not email.strip() and not phone.strip():
        raise ValidationFailed(
            _("Give an email address or a phone number."),
            fields={"email": [_("Give an email address or a phone number.")]},
        )
    found = _matching(email, phone)
    reachable = found.filter(items__in=visible_items(actor)).distinct()
    reports = list(reachable.select_related("case").prefetch_related("items", "messages"))
    out_of_reach = found.exclude(pk__in=[r.pk for r in reports]).count()
    record(
        "subject.searched",
        actor=actor,
        data={
            "by": [k for k, v in (("email", email), ("phone", phone)) if v.strip()],
            "reports": [r.reference for r in reports],
            "out_of_reach": out_of_reach,
        },
    )
    return SubjectReports(reports, out_of_reach)


def reports_in_reach(actor: User, ids: list[Any]) -> list[Report]:
    """The reports among ``ids`` (ticked on the search's results) that ``actor`` may open."""
    if not ids:
        return []
    reachable = Report.objects.filter(pk__in=ids, items__in=visible_items(actor)).distinct()
    return list(
        reachable.select_related("case")
        .prefetch_related("items", "messages")
        .order_by("created_at")
    )


def _reason(reason: str) -> str:
    return stated_reason(reason, missing=_("Say why (for example the request's date and channel)."))


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _report_data(report: Report) -> dict[str, Any]:
    return {
        "reference": report.reference,
        "received_at": _iso(report.created_at),
        "channel": report.channel,
        "language": report.language,
        "role": report.role,
        "phenomenon": report.phenomenon,
        "anonymous": report.is_anonymous,
        "name": report.reporter_name,
        "email": report.reporter_email,
        "phone": report.reporter_phone,
        "consented_to_contact": report.has_consented,
        "description": report.description,
        "victim": {"age_band": report.victim_age_band, "gender": report.victim_gender},
        "messages": [
            {"received_at": _iso(m.created_at), "text": m.text} for m in report.messages.all()
        ],
        "items": [
            {"url": i.url, "status": i.status, "reported_at": _iso(i.created_at)}
            for i in report.items.all()
        ],
        # The phone line and the contact log (docs/intake.md); never staff names.
        "calls": [
            {"started_at": _iso(c.started_at), "ended_at": _iso(c.ended_at), "notes": c.notes}
            for c in report.calls.all()
        ],
        "contacts": [
            {
                "at": _iso(c.at),
                "channel": c.channel,
                "direction": c.direction,
                "summary": c.summary,
                "referral": c.referral,
                "referred_to": c.referred_to,
            }
            for c in report.contacts.filter(call__isnull=True)
        ],
        "mails": [
            {"subject": m.subject, "status": m.status, "sent_at": _iso(m.sent_at)}
            for m in report.mails.all()
        ],
        "erasure": {
            "held_back_since": _iso(report.erasure_held_at),
            "contact_erased_at": _iso(report.contact_erased_at),
            "description_erased_at": _iso(report.description_erased_at),
            "legal_hold": report.case.legal_hold,
        },
    }


def access_export(
    reports: list[Report], *, actor: User, reason: str, now: dt.datetime | None = None
) -> dict[str, Any]:
    """What flagdesk holds about the data subject of ``reports`` (from ``find_reports``), as
    JSON for an access request (GDPR art. 15): their reports with contact details, texts and
    reported addresses, and how long each class is kept. Staff names, assessments and other
    people's reports are not in it. The ``subject.exported`` audit entry is written before
    anything is decrypted."""
    require_role(actor, *SUBJECT_ROLES)
    reason = _reason(reason)
    record(
        "subject.exported",
        actor=actor,
        reason=reason,
        data={"reports": [r.reference for r in reports]},
    )
    return {
        "exported_at": _iso(now or timezone.now()),
        "controller": {"name": settings.ORG_NAME, "email": settings.ORG_EMAIL},
        "retention_months_after_closure": dict(settings.RETENTION_MONTHS),
        "reports": [_report_data(r) for r in reports],
    }


@dataclass(frozen=True)
class SubjectErasure:
    erased: list[Report]
    held: list[Report]  # recorded; erased by the retention run once the hold is lifted


@transaction.atomic
def erase_subject(reports: list[Report], *, actor: User, reason: str) -> SubjectErasure:
    """Erase the contact details, descriptions and messages of ``reports`` (GDPR art. 17).
    A report whose case is under legal hold keeps them: the request is recorded on it and
    the retention run erases it when the hold is lifted. One ``subject.erased`` audit entry
    lists the references; each item gets an ``erasure`` event."""
    require_role(actor, *SUBJECT_ROLES)
    reason = _reason(reason)
    done: list[Report] = []
    held: list[Report] = []
    for report in reports:
        outcome = erasure.erase_report(report, by=retention.BY_STAFF, actor=actor)
        (held if outcome == erasure.HELD else done).append(report)
    record(
        "subject.erased",
        actor=actor,
        reason=reason,
        data={"erased": [r.reference for r in done], "held": [r.reference for r in held]},
    )
    return SubjectErasure(done, held)
