"""A reporter's consent to keep their picture's fingerprints in the reporters' bank.

With it, future uploads, crawls and other reports that carry the same picture are found
and lead to the reporter's case; the fingerprints already held are checked at once against
the items we hold (docs/victims.md). The reporter gives it with the report, or later with
the receipt code, and withdraws it the same way, or by asking for erasure: the entries then
leave matching at once (they stay as removed rows, for the record). Both directions are
idempotent, write a ``bank_consent`` event on the case and an audit entry without personal
data. No staff user is involved: the receipt code proves it is the reporter.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from flagdesk.accounts.models import User
from flagdesk.audit.services import record
from flagdesk.cases.models import CaseEvent
from flagdesk.core.errors import Conflict
from flagdesk.matching.models import BankEntry
from flagdesk.matching.services.reporters import (
    KeptPicture,
    keep_pictures,
    reporters_bank,
    withdraw_pictures,
)
from flagdesk.matching.signal_types import ComputedSignal

from .models import Report, ReportSignal

GIVEN = "given"
WITHDRAWN = "withdrawn"


class NoPictures(Conflict):
    """The report carries no fingerprints, so there is nothing to keep."""

    code = "no_signals"


@dataclass(frozen=True)
class ConsentState:
    """Where a report's consent stands after a change (or a repeat of one)."""

    reference: str
    bank_consent: bool
    given_at: dt.datetime | None
    withdrawn_at: dt.datetime | None
    entries_added: int = 0
    entries_removed: int = 0


def state(report: Report, *, added: int = 0, removed: int = 0) -> ConsentState:
    return ConsentState(
        reference=report.reference,
        bank_consent=has_consent(report),
        given_at=report.bank_consent_at,
        withdrawn_at=report.bank_consent_withdrawn_at,
        entries_added=added,
        entries_removed=removed,
    )


@dataclass(frozen=True)
class PicturesSummary:
    """What the status page says of the pictures a reporter sent as fingerprints only."""

    count: int  # pictures (one PDQ, or failing that one SHA-256, per picture)
    keep_looking: bool  # the fingerprints are in the reporters' bank


def pictures_summary(report: Report) -> PicturesSummary | None:
    """None when the report carries no fingerprints from the reporter's device."""
    kinds = list(ReportSignal.objects.filter(report=report).values_list("signal_type", flat=True))
    if not kinds:
        return None
    count = kinds.count("pdq") or kinds.count("sha256") or len(kinds)
    return PicturesSummary(count=count, keep_looking=has_consent(report))


def has_consent(report: Report) -> bool:
    return report.bank_consent_at is not None and report.bank_consent_withdrawn_at is None


def _locked(report: Report) -> Report:
    """The report as stored, locked: two clicks at once change the consent once."""
    return Report.objects.select_for_update().select_related("case").get(pk=report.pk)


def _pictures(report: Report) -> KeptPicture:
    signals = [
        ComputedSignal(s.signal_type, s.value, s.quality)
        for s in ReportSignal.objects.filter(report=report).order_by("id")
    ]
    return KeptPicture(
        case=report.case,
        external_ref=report.reference,
        signals=signals,
        tags=[report.phenomenon] if report.phenomenon else [],
    )


def _record(report: Report, change: str, count: int, actor: User | None = None) -> None:
    CaseEvent.objects.create(
        case_id=report.case_id,
        kind=CaseEvent.Kind.BANK_CONSENT,
        after=change,
        actor=actor,
        data={"report": report.reference, "entries": count},
    )
    record(
        "report.bank_consent",
        actor=actor,
        target=f"report:{report.pk}",
        data={"consent": change, "entries": count, "bank": reporters_bank().slug},
    )


@transaction.atomic
def give_bank_consent(report: Report, *, now: dt.datetime | None = None) -> ConsentState:
    """Keep the report's fingerprints in the reporters' bank, and keep looking for them.

    Raises ``NoPictures`` for a report without fingerprints. Given already: nothing changes.
    Given after a withdrawal: the fingerprints go back in (new entries). A fingerprint another
    report keeps already is not added twice (the bank holds one live entry per hash).
    """
    report = _locked(report)
    if not ReportSignal.objects.filter(report=report).exists():
        raise NoPictures(
            _(
                "This report holds no fingerprints of a picture, so there is nothing to keep. "
                "To look for a picture, send it with a new report."
            )
        )
    if has_consent(report):
        return state(report)
    report.bank_consent_at = now or timezone.now()
    report.bank_consent_withdrawn_at = None
    report.save(update_fields=["bank_consent_at", "bank_consent_withdrawn_at"])
    added = keep_pictures([_pictures(report)])
    _record(report, GIVEN, len(added))
    return state(report, added=len(added))


@transaction.atomic
def withdraw_bank_consent(
    report: Report, *, now: dt.datetime | None = None, actor: User | None = None
) -> ConsentState:
    """Take the report's fingerprints out of the reporters' bank: no more matching on them.

    Never given or withdrawn already: nothing changes (the answer says so). A fingerprint that
    another report also consented to stays in the bank, now in that report's name. ``actor``:
    the coordinator carrying out a data subject's erasure request; None for the reporter.
    """
    report = _locked(report)
    removed = withdraw_pictures(report.reference)
    if not has_consent(report):
        return state(report, removed=len(removed))
    report.bank_consent_withdrawn_at = now or timezone.now()
    report.save(update_fields=["bank_consent_withdrawn_at"])
    _keep_for_others(report, removed)
    _record(report, WITHDRAWN, len(removed), actor)
    return state(report, removed=len(removed))


def _keep_for_others(report: Report, removed: list[BankEntry]) -> None:
    """Hashes that other reports consented to as well go back in, in those reports' names
    (they were not added for them while this report's entry was live)."""
    keys = {(e.signal_type, e.value_key) for e in removed}
    if not keys:
        return
    shared = (
        ReportSignal.objects.filter(
            value__in=[value for _kind, value in keys],
            report__bank_consent_at__isnull=False,
            report__bank_consent_withdrawn_at__isnull=True,
        )
        .exclude(report=report)
        .select_related("report__case")
        .order_by("report__created_at", "id")
    )
    by_report: dict[Report, list[ComputedSignal]] = defaultdict(list)
    for s in shared:
        if (s.signal_type, s.value) in keys:
            by_report[s.report].append(ComputedSignal(s.signal_type, s.value, s.quality))
    if by_report:
        keep_pictures(
            [
                KeptPicture(
                    case=other.case,
                    external_ref=other.reference,
                    signals=signals,
                    tags=[other.phenomenon] if other.phenomenon else [],
                )
                for other, signals in by_report.items()
            ]
        )
