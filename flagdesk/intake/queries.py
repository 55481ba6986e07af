"""Reads of intake: the public status page (a report found only by reference + receipt code)
and a case's contact log (through the staff member's scope)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Case, Count, Max, Prefetch, Q, QuerySet, When

from flagdesk.accounts.models import User
from flagdesk.accounts.policy import Action, roles_for
from flagdesk.cases import models as cases_models
from flagdesk.cases.models import CaseEvent, Item
from flagdesk.cases.queries import case_entry, visible_case, visible_items
from flagdesk.core.references import normalise_reference, receipt_code_matches

from .models import (
    ContactEntry,
    Import,
    InfoRequest,
    MailedReport,
    Report,
    ReporterMail,
    ReporterOutcome,
    ReportSignal,
)

MAILBOX_PAGE = 200

_NO_REPORT = "0" * 64  # compared with when the reference is unknown: no code hashes to it

# What a reporter sees: coarse, reassuring, and never staff names or internal notes.
PUBLIC_STATUS = {
    Item.Status.NEW: "received",
    Item.Status.ASSESSING: "in_review",
    Item.Status.AWAITING_REVIEW: "in_review",
    Item.Status.APPROVED: "in_review",
    Item.Status.NOTIFIED: "notified",
    Item.Status.REMOVED: "removed",
    # Disabled, geo-blocked, demoted...: the content may still be visible, so never "removed".
    Item.Status.RESTRICTED: "restricted",
    Item.Status.REFUSED: "refused",
    Item.Status.STILL_ONLINE: "notified",
    Item.Status.ESCALATED: "escalated",
    Item.Status.CLOSED: "closed",
    Item.Status.NOT_ILLEGAL: "not_actionable",
    Item.Status.OUT_OF_SCOPE: "not_actionable",
    Item.Status.DUPLICATE: "in_review",
}


@dataclass(frozen=True)
class PublicItemStatus:
    url: str
    status: str


@dataclass(frozen=True)
class PublicReportStatus:
    reference: str
    status: str
    items: list[PublicItemStatus]
    updated_at: datetime


def report_by_receipt(reference: str, code: str) -> Report | None:
    """None both when the reference is unknown and when the code is wrong, so the page
    cannot be used to learn which references exist. Pages and endpoints never call this
    directly: ``receipts.open_report`` does, and counts wrong codes per reference.

    The reference is forgiven as it was typed (``r 7kq3 m9xo``, see ``normalise_reference``);
    anything that cannot be a report's reference (e.g. a NUL byte, which PostgreSQL refuses in
    a query parameter) is simply unknown.
    """
    normal = normalise_reference(reference, prefix="R")
    if normal is None or not code:
        return None
    report = Report.objects.filter(reference=normal).first()
    # The code is hashed and compared whether or not the reference exists, so the time an
    # answer takes does not tell either.
    matches = receipt_code_matches(code, report.receipt_code_hash if report else _NO_REPORT)
    return report if report is not None and matches else None


# The least advanced item sets the overall status: "removed" only once all are, and a report
# with one restricted item is "restricted", never "removed".
STATUS_ORDER = (
    "received",
    "in_review",
    "notified",
    "escalated",
    "refused",
    "restricted",
    "removed",
    "not_actionable",
    "closed",
)


def overall_status(statuses: list[str]) -> str:
    """A report's public status from its addresses' ("received" when it has none)."""
    return next((s for s in STATUS_ORDER if s in statuses), "received")


def public_status(report: Report) -> PublicReportStatus:
    items = list(report.items.order_by("created_at"))
    statuses = [PUBLIC_STATUS[Item.Status(i.status)] for i in items]
    overall = overall_status(statuses)
    last_event = CaseEvent.objects.filter(item__in=items).aggregate(last=Max("created_at"))["last"]
    return PublicReportStatus(
        reference=report.reference,
        status=overall,
        items=[PublicItemStatus(i.url, s) for i, s in zip(items, statuses, strict=True)],
        updated_at=max(filter(None, [last_event, report.created_at])),
    )


def is_pictures_only(reference: str) -> bool:
    """The report sent pictures' fingerprints and no address (the "find copies" page)."""
    report = Report.objects.filter(reference=reference)
    return (
        report.filter(signals__isnull=False).exists()
        and not report.filter(items__isnull=False).exists()
    )


def phenomenon_of(reference: str) -> str:
    """The phenomenon chosen for the report just sent, for the receipt page's help ("" when
    none was chosen). Only for a reference from the receipt cookie, which we encrypted."""
    found = Report.objects.filter(reference=reference).values_list("phenomenon", flat=True)
    return found.first() or ""


def visible_mailed_reports(user: User) -> QuerySet[MailedReport]:
    """The intake mailbox's drafts, for the roles that handle them (every draft: a mail
    belongs to no case until an officer makes it a report)."""
    if not user.has_any_role(*roles_for(Action.INTAKE_MAIL)):
        return MailedReport.objects.none()
    return MailedReport.objects.select_related("report", "handled_by")


def mailbox_page(user: User, *, status: str = "") -> list[MailedReport]:
    """Pending drafts first (oldest first: they have waited longest), then the others."""
    drafts = visible_mailed_reports(user).defer("body").annotate(files=Count("attachments"))
    if status:
        drafts = drafts.filter(status=status)
    first = Case(When(status=MailedReport.Status.PENDING, then=0), default=1)
    return list(drafts.annotate(first=first).order_by("first", "-received_at")[:MAILBOX_PAGE])


def mailbox_counts(user: User) -> dict[str, int]:
    rows = visible_mailed_reports(user).values("status").annotate(n=Count("id"))
    counts = {row["status"]: row["n"] for row in rows}
    return {status: counts.get(status, 0) for status in MailedReport.Status.values}


def pending_draft_count(user: User) -> int:
    """How many intake mails wait for a decision: the one number the Intake hub shows."""
    return visible_mailed_reports(user).filter(status=MailedReport.Status.PENDING).count()


def recent_imports(user: User, *, limit: int = 5) -> list[Import]:
    """The newest spreadsheet imports, for the roles that may import (none for others)."""
    if not user.has_any_role(*roles_for(Action.INTAKE_IMPORT)):
        return []
    return list(Import.objects.select_related("by").order_by("-created_at")[:limit])


def mergeable_report(user: User, reference: str) -> Report | None:
    """The report a draft may be merged into: by its reference, and only if the officer may
    reach its case (need-to-know): an unknown one and one out of reach look the same."""
    normal = normalise_reference(reference, prefix="R")
    if normal is None:
        return None
    reachable = visible_items(user).values("pk")
    return Report.objects.filter(reference=normal, items__in=reachable).distinct().first()


def case_contacts(user: Any, case_id: Any) -> tuple[Item, QuerySet[ContactEntry]] | None:
    """The contact log of a case the user may open, newest first, with the item through which
    the case is reached (its pages link back there); None when the case is out of scope
    (need-to-know: ``cases.queries.case_entry``)."""
    entry = case_entry(user, case_id)
    if entry is None or not user.has_any_role(*roles_for(Action.SUPPORT)):
        return None
    contacts = ContactEntry.objects.filter(case_id=entry.case_id).select_related(
        "author", "report", "call", "call__officer"
    )
    return entry, contacts


def case_contact(user: Any, case_id: Any, contact_id: Any) -> ContactEntry | None:
    """One entry of a case's log, only through a case the user may open."""
    found = case_contacts(user, case_id)
    return None if found is None else found[1].filter(pk=contact_id).first()


def case_reports(user: Any, case_id: Any) -> tuple[cases_models.Case, QuerySet[Report]] | None:
    """The reports of a case the user may open: its own, and those naming items of it that
    the user may see (an item moved here keeps its reporters); None when out of scope. A
    case of fingerprints alone, with no item yet, counts too (``visible_case``)."""
    case = visible_case(user, case_id)
    if case is None:
        return None
    items = visible_items(user).filter(case_id=case.pk).values("pk")
    reports = Report.objects.filter(Q(case_id=case.pk) | Q(items__in=items)).distinct()
    return case, reports.order_by("created_at")


def case_report(user: Any, case_id: Any, report_id: Any) -> tuple[cases_models.Case, Report] | None:
    """One report of a case the user may open (see ``case_reports``)."""
    found = case_reports(user, case_id)
    if found is None:
        return None
    report = found[1].filter(pk=report_id).first()
    return None if report is None else (found[0], report)


def case_reporter_mails(user: Any, case_id: Any) -> QuerySet[ReporterMail]:
    """The mails to the case's reporters, newest first, without addresses or bodies (never
    decrypted here); each with the decisions it told (``outcomes``)."""
    found = case_reports(user, case_id)
    if found is None:
        return ReporterMail.objects.none()
    outcomes = ReporterOutcome.objects.select_related("event").only(
        "mail_id", "event__after", "event__created_at"
    )
    return (
        ReporterMail.objects.filter(report__in=found[1].values("pk"))
        .defer("to", "body")
        .select_related("report", "sent_by")
        .prefetch_related(Prefetch("outcomes", queryset=outcomes))
        .order_by("-created_at")
    )


def case_reporter_mail(user: Any, case_id: Any, mail_id: Any) -> ReporterMail | None:
    return case_reporter_mails(user, case_id).filter(pk=mail_id).first()


def case_info_requests(user: Any, case_id: Any) -> QuerySet[InfoRequest]:
    """Requests for more information to the case's reporters, newest first."""
    found = case_reports(user, case_id)
    if found is None:
        return InfoRequest.objects.none()
    return (
        InfoRequest.objects.filter(report__in=found[1].values("pk"))
        .select_related("report", "asked_by", "closed_by")
        .order_by("-created_at")
    )


def case_info_request(user: Any, case_id: Any, request_id: Any) -> InfoRequest | None:
    return case_info_requests(user, case_id).filter(pk=request_id).first()


def case_report_signals(case: Any) -> list[ReportSignal]:
    """The fingerprints the case's reports carry (hashed on the reporters' devices), by
    report, in the order sent. The case page has checked that the user may open the case."""
    return list(
        ReportSignal.objects.filter(report__case=case)
        .select_related("report")
        .order_by("report__created_at", "id")
    )
