"""Telling reporters by mail what became of what they reported: removed, restricted, refused.

Intake comes after cases and notices (S1), and workflow never runs through signals (S8), so
the mails come from the append-only timeline: a periodic job (``tasks.PERIODIC``) reads the
``status`` events whose ``after`` is ``removed``, ``restricted`` or ``refused`` (written by
``cases.transitions`` whatever moved the item: a platform's decision, a confirmed re-check),
finds the reports that listed those items and whose reporter may be written to
(``reporter_contact``), and queues one mail per report in the report's language, listing
every item of that report the scan found decided.

Exactly once, with retries, crashes and several workers: each (report, event) told is a
``ReporterOutcome`` row, unique, written in the same transaction as the mail; the mail's
Message-ID is derived from the report and its events, and is unique too. A worker that
loses a race hits the constraint, rolls back, reads again and mails only what is left.

Where to read from: ``OutcomeScan`` keeps where the last scan began. A scan reads from a
little before it (``OVERLAP``), because an event is written with its time before its
transaction commits, and a long transaction could commit after a scan passed that time; the
unique rows make reading an event twice harmless. Nothing from before ``started_at`` (when
the feature was installed) is read, so an upgrade does not mail news of old decisions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from uuid import UUID

from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from flagdesk.cases.models import CaseEvent, Item
from flagdesk.core.errors import ValidationFailed
from flagdesk.organisation.queries import organisation_name

from .models import OutcomeScan, Report, ReporterMail, ReporterOutcome
from .phone import status_url
from .reporter_contact import mailable_reports
from .reporter_mail import domain, queue_reporter_mail

log = logging.getLogger(__name__)

S = Item.Status
OUTCOMES = (S.REMOVED, S.RESTRICTED, S.REFUSED)
SCAN = "reporter_outcomes"
# Longer than any transaction that writes a status event, and than the clock difference
# between the machines that write events and the one that scans.
OVERLAP = dt.timedelta(minutes=10)
CHUNK = 500  # ids per IN (...): well under SQLite's limit on query parameters
ATTEMPTS = 3  # a report whose rows another worker wrote meanwhile is read again

T = TypeVar("T")


@dataclass(frozen=True)
class OutcomeLine:
    """One item of the mail: its address, what happened to it and when."""

    url: str
    status: str
    at: dt.datetime


def _chunks(values: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _scan_row(now: dt.datetime) -> OutcomeScan:
    """The scan's row; made now if missing (a database emptied by hand), so that nothing
    before this moment is mailed."""
    row, _created = OutcomeScan.objects.get_or_create(
        name=SCAN, defaults={"started_at": now, "scanned_to": now}
    )
    return row


def latest_lines(events: Sequence[CaseEvent]) -> list[OutcomeLine]:
    """What the mail says: the latest outcome of each item (a decision corrected within the
    same scan is told as it now stands), in the order the items were decided."""
    latest: dict[Any, CaseEvent] = {}
    for event in sorted(events, key=lambda e: (e.created_at, str(e.pk))):
        latest.pop(event.item_id, None)
        latest[event.item_id] = event
    return [
        OutcomeLine(e.item.url if e.item else "", e.after, e.created_at) for e in latest.values()
    ]


def outcome_kind(lines: Sequence[OutcomeLine]) -> str:
    """``refused`` when anything was refused (the mail then says what happens next), else
    ``removed`` (a restriction is told as one in the mail itself, never as a removal)."""
    if any(line.status == S.REFUSED for line in lines):
        return ReporterMail.Kind.REFUSED
    return ReporterMail.Kind.REMOVED


def _subject(reference: str, statuses: set[str]) -> str:
    if statuses == {S.REMOVED}:
        return _("Your report %(reference)s: the content was removed") % {"reference": reference}
    if statuses == {S.RESTRICTED}:
        return _("Your report %(reference)s: access to the content was restricted") % {
            "reference": reference
        }
    if statuses == {S.REFUSED}:
        return _("Your report %(reference)s: the platform did not remove the content") % {
            "reference": reference
        }
    return _("Your report %(reference)s: the platform has decided") % {"reference": reference}


def compose_outcome_mail(report: Report, events: Sequence[CaseEvent]) -> tuple[str, str, str]:
    """(subject, body, kind) of the mail about ``events`` (``status`` events of the report's
    items), in the report's language. Never a staff name, never the receipt code."""
    lines = latest_lines(events)
    with translation.override(report.language):
        subject = _subject(report.reference, {line.status for line in lines})
        body = render_to_string(
            "intake/outcome_mail.txt",
            {
                "reference": report.reference,
                "lines": lines,
                "any_refused": any(line.status == S.REFUSED for line in lines),
                "any_restricted": any(line.status == S.RESTRICTED for line in lines),
                "status_url": status_url(),
                "org_name": organisation_name(),
            },
        )
    return subject, body, outcome_kind(lines)


def outcome_message_id(report_id: Any, event_ids: Sequence[Any]) -> str:
    """The same report and events give the same Message-ID, which is unique."""
    key = ",".join([str(report_id), *sorted(str(e) for e in event_ids)])
    # 128 bits: no two plans meet by chance; short enough that the header stays on one line.
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"<{digest}.outcome@{domain()}>"


def pending_outcomes(now: dt.datetime | None = None) -> dict[UUID, list[UUID]]:
    """Report id -> ids of the status events its reporter has not been told of yet, among
    those since the scan's start; only reports whose reporter may be written to."""
    now = now or timezone.now()
    row = _scan_row(now)
    since = max(row.started_at, row.scanned_to - OVERLAP)
    events = list(
        CaseEvent.objects.filter(
            kind=CaseEvent.Kind.STATUS,
            after__in=OUTCOMES,
            created_at__gt=since,
            created_at__lte=now,
            item__isnull=False,
        )
        .order_by("created_at", "id")
        .values_list("pk", "item_id")
    )
    if not events:
        return {}
    item_ids = sorted({item_id for _pk, item_id in events}, key=str)
    reports_of: dict[UUID, list[UUID]] = defaultdict(list)
    through = Report.items.through
    for chunk in _chunks(item_ids):
        pairs = through.objects.filter(
            item_id__in=chunk, report__in=mailable_reports().values("pk")
        ).values_list("item_id", "report_id")
        for item_id, report_id in pairs:
            reports_of[item_id].append(report_id)
    event_ids = [pk for pk, _item in events]
    told: set[tuple[UUID, UUID]] = set()
    for chunk in _chunks(event_ids):
        told.update(
            ReporterOutcome.objects.filter(event_id__in=chunk).values_list("report_id", "event_id")
        )
    plan: dict[UUID, list[UUID]] = defaultdict(list)
    for event_id, item_id in events:
        for report_id in reports_of.get(item_id, []):
            if (report_id, event_id) not in told:
                plan[report_id].append(event_id)
    return dict(plan)


def _write(report_id: UUID, event_ids: Sequence[UUID], now: dt.datetime) -> ReporterMail | None:
    """One transaction: the mail about the events not told yet, its rows, its case events."""
    report = mailable_reports().filter(pk=report_id).first()
    if report is None:  # erased, or consent gone, since the plan was made
        return None
    told = set(
        ReporterOutcome.objects.filter(report=report, event_id__in=event_ids).values_list(
            "event_id", flat=True
        )
    )
    events = list(
        CaseEvent.objects.filter(pk__in=[e for e in event_ids if e not in told]).select_related(
            "item"
        )
    )
    if not events:
        return None
    subject, body, kind = compose_outcome_mail(report, events)
    mail = queue_reporter_mail(
        report,
        to=report.reporter_email,
        subject=subject,
        body=body,
        language=report.language,
        kind=kind,
        message_id=outcome_message_id(report.pk, [e.pk for e in events]),
        now=now,
    )
    ReporterOutcome.objects.bulk_create(
        ReporterOutcome(report=report, event=event, mail=mail) for event in events
    )
    items = {event.item_id: event.item for event in events}
    data = {"mail": str(mail.pk), "kind": kind, "report": report.reference, "automatic": True}
    note = _("Report %(reference)s: the reporter is told of the platform's decision.") % {
        "reference": report.reference
    }
    CaseEvent.objects.bulk_create(
        CaseEvent(
            case_id=item.case_id,
            item=item,
            kind=CaseEvent.Kind.REPORTER_MAIL,
            data=data,
            note=note,
        )
        for item in items.values()
    )
    return mail


def mail_report_outcomes(
    report_id: UUID, event_ids: Sequence[UUID], *, now: dt.datetime | None = None
) -> ReporterMail | None:
    """Queue the mail telling one reporter of ``event_ids``, minus those already told; None
    when nothing is left to tell (or the reporter may no longer be written to).

    Two workers with the same plan: the second finds the rows of the first and writes
    nothing, or, if it read before the first committed, fails on the unique rows, rolls
    back, and reads again.
    """
    now = now or timezone.now()
    for attempt in range(ATTEMPTS):
        try:
            with transaction.atomic():
                return _write(report_id, event_ids, now)
        except IntegrityError:
            log.info("outcome_mail.race", extra={"report": str(report_id), "attempt": attempt})
        except ValidationFailed:
            # An address that cannot be one: nothing is stored, the other reports go on.
            log.warning("outcome_mail.bad_address", extra={"report": str(report_id)})
            return None
    return None


def mail_outcomes(now: dt.datetime | None = None) -> int:
    """The periodic job: mail every reporter the news since the last scan; returns how many
    mails were queued."""
    now = now or timezone.now()
    plan = pending_outcomes(now)
    queued = 0
    for report_id, event_ids in plan.items():
        if mail_report_outcomes(report_id, event_ids, now=now) is not None:
            queued += 1
    # Only forward: of two scans at once, the later start wins.
    OutcomeScan.objects.filter(name=SCAN, scanned_to__lt=now).update(scanned_to=now)
    if queued:
        log.info("outcome_mail.queued", extra={"mails": queued})
    return queued
