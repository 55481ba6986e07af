"""What intake adds to the case page (S1b): a summary of the case's contact log, and the
mails to the case's reporters (write one, the requests for more information, what was sent)
and the pictures its reporters hashed on their own device."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from flagdesk.accounts.menu import may_open
from flagdesk.cases.models import Item
from flagdesk.core.panels import Panel
from flagdesk.matching import queries as matching_queries
from flagdesk.matching.services.reporters import WITHDRAWN as WITHDRAWN_REASON
from flagdesk.matching.services.roles import BANK_READERS

from . import consent, queries
from .labels import staff_role_label
from .models import ContactEntry, Report, ReporterMail, ReportSignal
from .reporter_contact import why_not_writable
from .reporter_updates import may_send_again

# How a mail's status looks (the shared badges' colours).
MAIL_BADGES = {
    ReporterMail.Status.QUEUED: "queued",
    ReporterMail.Status.SENDING: "queued",
    ReporterMail.Status.SENT: "done",
    ReporterMail.Status.FAILED: "failed",
}


def case_contacts_panel(request: HttpRequest, case: Any) -> Panel | None:
    """How many contacts, the last one, the services the person was referred to, and a link
    to the log; nothing for a user who may not open the log or the case."""
    if not may_open(request.user, "intake:case-contacts", case.pk):
        return None
    found = queries.case_contacts(request.user, case.pk)
    if found is None:
        return None
    entries = list(found[1].select_related(None).only("at", "channel", "referral", "referred_to"))
    referrals = []
    for entry in entries:
        if entry.referral != ContactEntry.Referral.NONE:
            label = entry.get_referral_display()
            shown = f"{label}: {entry.referred_to}" if entry.referred_to else str(label)
            if shown not in referrals:
                referrals.append(shown)
    context = {
        "case": case,
        "count": len(entries),
        "last": entries[0] if entries else None,
        "referrals": referrals,
    }
    return Panel("intake/_contacts_panel.html", context)


def case_panel(request: HttpRequest, case: Any, items: Any) -> Panel | None:
    """The summary in the case page's side column (``site.views.CASE_PANELS``)."""
    panel = case_contacts_panel(request, case)
    if panel is None:
        return None
    return Panel(panel.template, panel.context, slot="side")


def item_panel(request: HttpRequest, item: Any) -> Panel | None:
    """The same summary on the item page (its case's log), after the assessments: whoever
    works on an item sees at once that the person was called back or referred; the item page
    has already checked that the item is in reach."""
    panel = case_contacts_panel(request, item.case)
    if panel is None:
        return None
    return Panel(panel.template, panel.context, slot="after_assessments")


def reporter_mails_panel(request: HttpRequest, case: Any, items: Any) -> Panel | None:
    """The case page's "Mails to the reporters" (``site.views.CASE_PANELS``): each report
    with a link to write to its reporter, or why no one may be written to; the requests for
    more information and whether they were answered; every mail sent to the case's
    reporters (kind, dates, status, who wrote it; never an address or a body), a failed one
    with its error and, for those who may write, a button to send it again."""
    user = request.user
    found = queries.case_reports(user, case.pk)
    if found is None:
        return None
    reports = list(found[1])
    may_write = bool(reports) and may_open(user, "intake:reporter-write", case.pk, reports[0].pk)
    rows = [
        {"report": r, "role": staff_role_label(r.role), "reason": why_not_writable(r)}
        for r in reports
    ]
    mails = []
    for mail in queries.case_reporter_mails(user, case.pk):
        told = sorted({o.event.after for o in mail.outcomes.all()})
        mails.append(
            {
                "mail": mail,
                "badge": MAIL_BADGES.get(ReporterMail.Status(mail.status), "queued"),
                "told": [str(Item.Status(s).label) for s in told],
                "again": may_write and may_send_again(mail) and not why_not_writable(mail.report),
            }
        )
    context = {
        "case": case,
        "rows": rows,
        "may_write": may_write,
        "requests": list(queries.case_info_requests(user, case.pk)),
        "mails": mails,
    }
    return Panel("intake/_reporter_mails_panel.html", context, slot="after_items")


# -- Pictures hashed on the reporter's device (docs/victims.md) ---------------------------

KEPT, WITHDRAWN, ELSEWHERE, NOT_KEPT = "kept", "withdrawn", "elsewhere", "not_kept"
REMOVED = "removed"  # taken out by staff (a false positive), the consent still standing


@dataclass(frozen=True)
class PictureRow:
    """One fingerprint of a report and where it stands in the reporters' bank."""

    signal: ReportSignal
    state: str  # KEPT, WITHDRAWN, ELSEWHERE (kept in another report's name), REMOVED, NOT_KEPT
    matches: int


@dataclass(frozen=True)
class ReportPictures:
    report: Report
    rows: list[PictureRow]
    has_consent: bool


def _state(report: Report, s: ReportSignal, entries: dict[tuple[str, str, str], Any]) -> str:
    own = entries.get((report.reference, s.signal_type, s.value))
    if own is not None and own.removed_at is None:
        return KEPT
    if consent.has_consent(report):
        if own is not None and own.removal_reason != WITHDRAWN_REASON:
            return REMOVED
        return ELSEWHERE  # the bank held the hash for another report already
    return WITHDRAWN if own is not None or report.bank_consent_withdrawn_at else NOT_KEPT


def pictures_panel(request: HttpRequest, case: Any, items: Any) -> Panel | None:
    """The case's pictures that reporters hashed on their own device: each fingerprint (PDQ
    shortened), its quality, whether the reporters' bank keeps it, and what it matched.
    Nothing for a case without such fingerprints. Match details only for bank readers."""
    signals = queries.case_report_signals(case)
    if not signals:
        return None
    user = request.user
    refs = {s.report.reference for s in signals}
    entries = list(matching_queries.reporter_entries(refs))
    # The newest entry of each report and hash (a consent given again adds new ones).
    by_key = {(e.external_ref, e.signal_type, e.value): e for e in entries}
    counts = matching_queries.entry_match_counts([e for e in entries if e.removed_at is None])
    reports: dict[Any, ReportPictures] = {}
    for s in signals:
        report = s.report
        if report.pk not in reports:
            reports[report.pk] = ReportPictures(report, [], consent.has_consent(report))
        entry = by_key.get((report.reference, s.signal_type, s.value))
        matched = counts.get(entry.pk, 0) if entry is not None and entry.removed_at is None else 0
        reports[report.pk].rows.append(PictureRow(s, _state(report, s, by_key), matched))
    can_read = user.has_any_role(*BANK_READERS)
    live = [e for e in entries if e.removed_at is None]
    matches = list(matching_queries.entry_matches_of(user, live)) if can_read else []
    context = {
        "case": case,
        "reports": list(reports.values()),
        "can_read_matches": can_read,
        "matches": matches,
        # Copies are addresses: a copy matched by its PDQ, MD5 and SHA-256 counts once.
        "match_total": len({m.item_id for m in matches}) if can_read else sum(counts.values()),
        "any_kept": bool(live),
        "openable": matching_queries.openable_items(user, (m.item_id for m in matches)),
    }
    return Panel("intake/_pictures_panel.html", context, slot="after_items")
