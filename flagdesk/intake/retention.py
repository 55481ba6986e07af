"""Intake's part of the retention run: reporters' contact details and descriptions.

Each class is erased once its period after the case's closure is over (``cases.retention``);
an erasure requested while a legal hold kept the case is carried out once the hold is lifted.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet

from flagdesk.cases import retention
from flagdesk.cases.retention import CONTACT, DESCRIPTION, HELD_REQUESTS, Clock, Tally

from . import erasure
from .models import ContactEntry, Report


def _holding(data_class: str) -> QuerySet[Report]:
    """Reports that still hold something of ``data_class``."""
    if data_class == CONTACT:
        return Report.objects.exclude(
            reporter_name="",
            reporter_email="",
            reporter_phone="",
            reporter_email_index="",
            reporter_phone_index="",
        ) | Report.objects.filter(mails__to__gt="")
    return Report.objects.filter(
        Q(description__gt="")
        | Q(messages__text__gt="")
        # The phone line (docs/intake.md): the call's notes, the contacts logged about it.
        | Q(calls__notes__gt="")
        | Q(contacts__summary__gt="")
    )


def _phenomena(report: Report) -> list[str]:
    """The items' assessed phenomena; the reporter's own choice while none is assessed."""
    assessed = [i.phenomenon for i in report.items.all() if i.phenomenon]
    return assessed or ([report.phenomenon] if report.phenomenon else [])


def _clock(report: Report, clocks: dict[Any, Clock]) -> Clock:
    return retention.joined([clocks[c] for c in _case_ids(report)])


def _case_ids(report: Report) -> set[Any]:
    return {report.case_id, *(i.case_id for i in report.items.all())}


def _erase(data_class: str, *, now: dt.datetime, dry_run: bool) -> Tally:
    tally = Tally(data_class)
    before = retention.add_months(now, -retention.minimum_months(data_class))
    candidates = (
        Report.objects.filter(pk__in=_holding(data_class).values("pk"))
        .filter(case__in=retention.closed_cases(before=before).values("pk"))
        .prefetch_related("items")
        .order_by("created_at")
    )
    reports = list(candidates)
    clocks = retention.clocks({c for r in reports for c in _case_ids(r)})
    for report in reports:
        period = retention.period_for(data_class, _phenomena(report))
        if not retention.erase_now(period, _clock(report, clocks), now, tally):
            continue
        if not dry_run:
            with transaction.atomic():
                erasure.blank(report, [data_class], by=retention.BY_RETENTION, now=now)
        tally.erased(period.phenomenon)
    return tally


def erase_contact(*, now: dt.datetime, dry_run: bool) -> Tally:
    """Reporters' names, emails and phones (and their blind indexes)."""
    return _erase(CONTACT, now=now, dry_run=dry_run)


def erase_descriptions(*, now: dt.datetime, dry_run: bool) -> Tally:
    """Reports' descriptions and the texts of reporters' later messages, the notes of calls
    and the summaries of contacts (docs/intake.md)."""
    tally = _erase(DESCRIPTION, now=now, dry_run=dry_run)
    _erase_case_contacts(tally, now=now, dry_run=dry_run)
    return tally


def _erase_case_contacts(tally: Tally, *, now: dt.datetime, dry_run: bool) -> None:
    """Summaries of contacts logged on a case without naming one of its reports (a report's
    own go with its description): the description's period, from the case's closing."""
    before = retention.add_months(now, -retention.minimum_months(DESCRIPTION))
    entries = list(
        ContactEntry.objects.filter(report__isnull=True, summary__gt="")
        .filter(case__in=retention.closed_cases(before=before).values("pk"))
        .select_related("case")
        .prefetch_related("case__items")
        .order_by("created_at")
    )
    clocks = retention.clocks({e.case_id for e in entries})
    for entry in entries:
        phenomena = [i.phenomenon for i in entry.case.items.all() if i.phenomenon]
        period = retention.period_for(DESCRIPTION, phenomena)
        if not retention.erase_now(period, clocks[entry.case_id], now, tally):
            continue
        if not dry_run:
            with transaction.atomic():
                if ContactEntry.objects.filter(pk=entry.pk).exclude(summary="").update(summary=""):
                    retention.record_erasure(
                        entry.case.items.all(), classes=[DESCRIPTION], by=retention.BY_RETENTION
                    )
        tally.erased(period.phenomenon)


def erase_held_requests(*, now: dt.datetime, dry_run: bool) -> Tally:
    """Erasures asked for (by the reporter or for a data subject) while a legal hold kept the
    case: carried out, whatever the periods, once no hold keeps any of the report's cases."""
    tally = Tally(HELD_REQUESTS)
    reports = list(
        Report.objects.filter(erasure_held_at__isnull=False)
        .prefetch_related("items")
        .order_by("erasure_held_at")
    )
    clocks = retention.clocks({c for r in reports for c in _case_ids(r)})
    for report in reports:
        phenomena = _phenomena(report)
        phenomenon = phenomena[0] if len(set(phenomena)) == 1 else ""
        if _clock(report, clocks).is_held:
            tally.held(phenomenon)
            continue
        if not dry_run:
            with transaction.atomic():
                erasure.blank(report, [CONTACT, DESCRIPTION], by=retention.BY_REQUEST, now=now)
                erasure.forget_victim_facts(report, by=retention.BY_REQUEST)
                Report.objects.filter(pk=report.pk).update(erasure_held_at=None)
        tally.erased(phenomenon)
    return tally
