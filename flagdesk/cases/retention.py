"""Retention of personal data (GDPR art. 5(1)(e)): how long each class is kept once a case is
closed, what a legal hold keeps, and the case timeline's record of each erasure.

Each app erases its own data (intake: reporters' contact details and descriptions; cases:
items' identifiers; matching: kept evidence) and reports what it did as a ``Tally``;
``flagdesk.site.retention`` runs them all (S1b). What they share lives here, in the lowest of
those apps: the policy, when a case counts as closed, and the erasure events.

A case is closed when every item is settled: finished (``TERMINAL_STATUSES``) or decided by
the platform (removed, restricted, refused). The clock starts at the case's last event, so a
follow-up, a re-notice, a reporter's message or a new item starts it again; erasures and
legal-hold changes are upkeep and do not. docs/retention.md explains the choices.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from flagdesk.accounts.models import User
from flagdesk.core import taxonomy

from .models import TERMINAL_STATUSES, Case, CaseEvent, Item

# The classes of personal data, as FLAGDESK_RETENTION_* and the run's report name them.
CONTACT = "contact"
DESCRIPTION = "description"
IDENTIFIERS = "identifiers"
EVIDENCE = "evidence"
# Not policy classes: erasures a legal hold held back (done once it is lifted), and files no
# row refers to (swept once safely old).
HELD_REQUESTS = "held_requests"
ORPHAN_FILES = "orphan_files"

CLASS_LABELS = {
    CONTACT: gettext_lazy("Reporter contact details"),
    DESCRIPTION: gettext_lazy("Descriptions and messages"),
    IDENTIFIERS: gettext_lazy("Content identifiers"),
    EVIDENCE: gettext_lazy("Evidence files and thumbnails"),
    HELD_REQUESTS: gettext_lazy("Erasure requests after a legal hold"),
    ORPHAN_FILES: gettext_lazy("Orphan files"),
}

# Why something was erased, as the erasure event records it.
BY_RETENTION = "retention"
BY_REPORTER = "reporter"
BY_STAFF = "staff"
BY_REQUEST = "request"  # a request made under a legal hold, carried out once it was lifted

S = Item.Status
# The platform decided: nothing more is expected unless someone pursues it, which writes an
# event (a follow-up) or moves the item (escalated, still online) and so stops the clock.
SETTLED_STATUSES = TERMINAL_STATUSES | {S.REMOVED, S.RESTRICTED, S.REFUSED}
OPEN_STATUSES = frozenset(S) - SETTLED_STATUSES
# Recording the facts for the statistics (or clearing them after an erasure) is upkeep too:
# figures need no personal data, so filling them in late must not keep any longer.
UPKEEP_KINDS = (CaseEvent.Kind.ERASURE, CaseEvent.Kind.LEGAL_HOLD, CaseEvent.Kind.FACTS)


def add_months(moment: dt.datetime, months: int) -> dt.datetime:
    """The same day ``months`` later, or the month's last day (31 Aug + 6 = 28/29 Feb)."""
    total = moment.month - 1 + months
    year, month = moment.year + total // 12, total % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def policy_overrides() -> dict[str, dict[str, int]]:
    """FLAGDESK_RETENTION_POLICY (checked for shape in settings); an unknown phenomenon is
    refused here, where the taxonomy is loaded, so a typo cannot silently keep the default."""
    overrides: dict[str, dict[str, int]] = settings.RETENTION_POLICY
    unknown = sorted(set(overrides) - set(taxonomy.phenomena()))
    if unknown:
        raise ImproperlyConfigured(
            f"FLAGDESK_RETENTION_POLICY names unknown phenomena: {', '.join(unknown)}"
        )
    return overrides


@dataclass(frozen=True)
class Period:
    months: int
    phenomenon: str  # whose rule decided; "" when the default did


def period_for(data_class: str, phenomena: Iterable[str]) -> Period:
    """The longest period among the record's phenomena: what one purpose still needs is not
    erased for another. A record with no phenomenon gets the default."""
    default: int = settings.RETENTION_MONTHS[data_class]
    overrides = policy_overrides()
    periods = [
        Period(overrides.get(p, {}).get(data_class, default), p) for p in sorted(set(phenomena))
    ]
    return max(periods, key=lambda p: p.months, default=Period(default, ""))


def minimum_months(data_class: str) -> int:
    """The shortest period any phenomenon has for ``data_class``: what the database may
    prune on before each record's own period is computed."""
    overrides = policy_overrides()
    default: int = settings.RETENTION_MONTHS[data_class]
    return min([default, *(r[data_class] for r in overrides.values() if data_class in r)])


@dataclass(frozen=True)
class Clock:
    """Where a record stands: closed since ``closed_at`` (None while work goes on), held."""

    closed_at: dt.datetime | None
    is_held: bool

    def is_due(self, months: int, now: dt.datetime) -> bool:
        return self.closed_at is not None and add_months(self.closed_at, months) <= now


def erase_now(period: Period, clock: Clock, now: dt.datetime, tally: Tally) -> bool:
    """Whether a record's ``period`` is over by ``now``; a record of a held case is counted
    as held and kept. The one decision every app's retention loop makes."""
    if not clock.is_due(period.months, now):
        return False
    if clock.is_held:
        tally.held(period.phenomenon)
        return False
    return True


def _annotated(cases: QuerySet[Case]) -> QuerySet[Any]:
    """Cases with ``is_open`` (an item still open) and ``last_event_at`` (not upkeep)."""
    last_event = (
        CaseEvent.objects.filter(case=OuterRef("pk"))
        .exclude(kind__in=UPKEEP_KINDS)
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    open_item = Item.objects.filter(case=OuterRef("pk"), status__in=OPEN_STATUSES)
    return cases.annotate(is_open=Exists(open_item), last_event_at=Subquery(last_event))


def clocks(case_ids: Iterable[UUID]) -> dict[UUID, Clock]:
    """Each case's clock, in one query."""
    rows = _annotated(Case.objects.filter(pk__in=set(case_ids))).values(
        "pk", "is_open", "last_event_at", "legal_hold", "created_at"
    )
    return {
        r["pk"]: Clock(
            None if r["is_open"] else (r["last_event_at"] or r["created_at"]),
            r["legal_hold"],
        )
        for r in rows
    }


def joined(parts: Sequence[Clock]) -> Clock:
    """The clock of a record spread over several cases: closed when all are, held when any
    is."""
    closed = [c.closed_at for c in parts]
    return Clock(
        None if not closed or None in closed else max(c for c in closed if c is not None),
        any(c.is_held for c in parts),
    )


def closed_cases(*, before: dt.datetime) -> QuerySet[Any]:
    """Cases closed at ``before`` or earlier, held ones included (the run counts those)."""
    return (
        _annotated(Case.objects.all())
        .filter(is_open=False, last_event_at__lte=before)
        .filter(Exists(Item.objects.filter(case=OuterRef("pk"))))
    )


@dataclass(frozen=True)
class TallyRow:
    data_class: str
    phenomenon: str
    erased: int
    held: int


@dataclass
class Tally:
    """What one run did (or, dry, would do) to one class, by phenomenon: records erased, and
    records due but kept under a legal hold. Counts only: never what was erased."""

    data_class: str
    counts: dict[str, list[int]] = field(default_factory=dict)

    def erased(self, phenomenon: str, n: int = 1) -> None:
        self.counts.setdefault(phenomenon, [0, 0])[0] += n

    def held(self, phenomenon: str, n: int = 1) -> None:
        self.counts.setdefault(phenomenon, [0, 0])[1] += n

    def rows(self) -> list[TallyRow]:
        return [
            TallyRow(self.data_class, p, erased, held)
            for p, (erased, held) in sorted(self.counts.items())
        ]


def record_erasure(
    items: Iterable[Item],
    *,
    classes: Sequence[str],
    by: str,
    actor: User | None = None,
    data: dict[str, Any] | None = None,
) -> list[CaseEvent]:
    """One ``erasure`` event per item on the case timeline: which classes went and why,
    never what they held. Statistics keep the rows themselves (phenomenon, age band,
    dates, platform, statuses)."""
    labels = ", ".join(str(CLASS_LABELS[c]) for c in classes)
    why = {
        BY_RETENTION: _("retention period over"),
        BY_REPORTER: _("requested by the reporter"),
        BY_STAFF: _("data subject's request"),
        BY_REQUEST: _("erasure requested earlier, legal hold lifted"),
    }[by]
    note = _("Erased: %(classes)s (%(why)s).") % {"classes": labels, "why": why}
    return CaseEvent.objects.bulk_create(
        CaseEvent(
            case_id=item.case_id,
            item=item,
            kind=CaseEvent.Kind.ERASURE,
            actor=actor,
            note=note,
            data={"classes": list(classes), "by": by, **(data or {})},
        )
        for item in items
    )


def items_of_closed_cases(data_class: str, now: dt.datetime) -> QuerySet[Item]:
    """Items of cases closed long enough ago that some phenomenon's ``data_class`` period
    may be over (each item's own period is decided by ``erase_items``)."""
    before = add_months(now, -minimum_months(data_class))
    return Item.objects.filter(case__in=closed_cases(before=before).values("pk"))


def erase_items(
    data_class: str,
    items: Iterable[Item],
    *,
    now: dt.datetime,
    dry_run: bool,
    erase: Callable[[Item], object],
) -> Tally:
    """The loop every item-level retention step makes: per item, the period of its
    phenomenon for ``data_class``, its case's clock (held cases are counted, not erased),
    then ``erase(item)`` unless this is a dry run."""
    tally = Tally(data_class)
    items = list(items)
    case_clocks = clocks(i.case_id for i in items)
    for item in items:
        period = period_for(data_class, [item.phenomenon] if item.phenomenon else [])
        if not erase_now(period, case_clocks[item.case_id], now, tally):
            continue
        if not dry_run:
            erase(item)
        tally.erased(period.phenomenon)
    return tally


def erase_identifiers(*, now: dt.datetime, dry_run: bool) -> Tally:
    """Items' identifiers (post id, account handle, times: art. 16(2)(b) DSA, which can name
    the person posting or shown) once the identifiers period of a closed case is over."""
    candidates = (
        items_of_closed_cases(IDENTIFIERS, now)
        .exclude(identifiers={})
        .only("pk", "case_id", "phenomenon", "identifiers")
    )
    return erase_items(IDENTIFIERS, candidates, now=now, dry_run=dry_run, erase=_blank_identifiers)


@transaction.atomic
def _blank_identifiers(item: Item) -> None:
    # Conditional: of two runs at once, only the one that blanked them records it.
    if Item.objects.filter(pk=item.pk).exclude(identifiers={}).update(identifiers={}):
        record_erasure([item], classes=[IDENTIFIERS], by=BY_RETENTION)
