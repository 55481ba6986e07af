"""What an item's reports and identifiers say about the facts, apart from the analyst's
judgement: whether the victim is a minor, when the facts happened, and so whether a notice
may leave out the notifier (art. 16(2)(c) DSA)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from flagdesk.core import taxonomy

from ..access import MINOR_AGE_BANDS
from ..models import Assessment, Item


def victim_is_minor(item: Item) -> bool:
    """A report says the victim is under 18 (the reporter's age band, not our judgement)."""
    return item.reports.filter(victim_age_band__in=MINOR_AGE_BANDS).exists()


def may_omit_notifier(item: Item, assessment: Assessment) -> bool:
    """Art. 16(2)(c) DSA: a notice may leave out the notifier only for the offences of arts
    3-7 of Directive 2011/93/EU; sextortion only when a minor is depicted or targeted (the
    assessment) or a report gives the victim's age as under 18 (legal.md a.)."""
    pheno = taxonomy.phenomena().get(assessment.phenomenon)
    if pheno is None:
        return False
    if pheno.csam_anonymity_exception:
        return True
    minor = assessment.minor_depicted or victim_is_minor(item)
    return pheno.csam_anonymity_exception_if_victim_minor and minor


def default_facts_on(item: Item, *, today: dt.date | None = None) -> dt.date:
    """When nothing better is known: the posting date the analyst recorded, else the day the
    content was first reported (the facts are at the latest that old)."""
    posted = str((item.identifiers or {}).get("posted_at") or "")
    if posted:
        try:
            return dt.datetime.fromisoformat(posted).date()
        except ValueError:
            pass
    if item.created_at:
        return timezone.localdate(item.created_at)
    return today or timezone.localdate()
