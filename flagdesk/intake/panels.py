"""What intake adds to the case page (S1b): a summary of the case's contact log, and the
pictures its reporters hashed on their own device."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from flagdesk.accounts.menu import may_open
from flagdesk.core.panels import Panel
from flagdesk.matching import queries as matching_queries
from flagdesk.matching.services.reporters import WITHDRAWN as WITHDRAWN_REASON
from flagdesk.matching.services.roles import BANK_READERS

from . import consent, queries
from .models import ContactEntry, Report, ReportSignal


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
        "match_total": sum(counts.values()),
        "any_kept": bool(live),
        "openable": matching_queries.openable_items(user, (m.item_id for m in matches)),
    }
    return Panel("intake/_pictures_panel.html", context, slot="after_items")
