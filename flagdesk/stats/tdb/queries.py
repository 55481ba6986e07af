"""What the Transparency Database says against what platforms told us, computed in the
database from finished imports only (a failed or running import never counts).

- ``differences``: linked statements whose category, action, source type or automation
  differs from our assessment and the platform's answer to us (``stats.actions``).
- ``comparison``: per platform and month, the TDB's statements by source and action, against
  our trusted-flagger notices sent that month and what the platforms told us about them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncMonth

from flagdesk.accounts.models import User
from flagdesk.accounts.policy import Action, roles_for
from flagdesk.cases.models import Assessment
from flagdesk.notices.models import Notice
from flagdesk.platforms.models import Platform
from flagdesk.stats.actions import (
    ACTED,
    ACTIONS,
    DECISION_ACTION,
    action_of,
    current_decision_of,
    current_decisions,
)
from flagdesk.stats.models import TdbImport, TdbMonthly, TdbStatement

from .linking import NOTICE_KINDS

TF = "SOURCE_TRUSTED_FLAGGER"
AUTOMATED = ("AUTOMATED_DECISION_FULLY", "AUTOMATED_DECISION_PARTIALLY")


def _may_read(user: User) -> bool:
    return user.has_any_role(*roles_for(Action.STATS_READ))


def imports(user: User) -> QuerySet[TdbImport]:
    """Every import, newest first (running and failed ones too: the page says why)."""
    if not _may_read(user):
        return TdbImport.objects.none()
    return TdbImport.objects.select_related("imported_by")


def statements(user: User) -> QuerySet[TdbStatement]:
    """Stored statements of finished imports, with what we know to compare them with:
    ``our_category`` (the item's latest approved assessment), ``our_decision`` and
    ``our_automated`` (the item's current answer from the platform) and ``our_action``."""
    if not _may_read(user):
        return TdbStatement.objects.none()
    approved = Assessment.objects.filter(
        item_id=OuterRef("item_id"), review__is_approved=True
    ).order_by("-created_at")
    answer = (
        current_decisions()
        .filter(item_id=OuterRef("item_id"))
        .order_by("-decided_at", "-created_at")
    )
    return (
        TdbStatement.objects.filter(tdb_import__status=TdbImport.Status.DONE)
        .select_related("platform", "notice", "item")
        .annotate(
            our_category=Subquery(approved.values("tdb_category")[:1]),
            our_decision=Subquery(answer.values("decision")[:1]),
            our_automated=Subquery(answer.values("is_automated")[:1], output_field=BooleanField()),
        )
        .annotate(
            our_action=action_of("our_decision"),
            their_automated=Case(
                When(Q(automated_detection=True) | Q(automated_decision__in=AUTOMATED), then=True),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
    )


def _flag(condition: Q) -> Case:
    return Case(When(condition, then=True), default=Value(False), output_field=BooleanField())


def differences(
    user: User,
    *,
    platform: Platform | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[TdbStatement]:
    """Linked statements where something differs, each with flags naming what:
    ``category_differs``, ``action_differs``, ``source_differs`` (a trusted flagger's notice
    published as anything else), ``automated_differs`` (only when the platform told us)."""
    if not _may_read(user):
        return TdbStatement.objects.none()
    qs = statements(user).filter(link=TdbStatement.Link.LINKED)
    if platform is not None:
        qs = qs.filter(platform=platform)
    if since:
        qs = qs.filter(application_date__gte=since)
    if until:
        qs = qs.filter(application_date__lte=until)
    qs = qs.annotate(
        category_differs=_flag(
            Q(our_category__isnull=False) & ~Q(our_category="") & ~Q(category=F("our_category"))
        ),
        action_differs=_flag(~Q(action=F("our_action"))),
        source_differs=_flag(Q(notice__is_trusted_flagger=True) & ~Q(source_type=TF)),
        automated_differs=_flag(
            Q(our_automated__isnull=False) & ~Q(their_automated=F("our_automated"))
        ),
    )
    return qs.filter(
        Q(category_differs=True)
        | Q(action_differs=True)
        | Q(source_differs=True)
        | Q(automated_differs=True)
    ).order_by("-application_date", "uuid")


@dataclass
class MonthComparison:
    """One platform's month: the TDB's statements against our trusted-flagger notices."""

    platform: Platform
    month: dt.date
    tdb_total: int = 0
    tdb_trusted_flagger: int = 0
    tdb_article_16: int = 0
    tdb_actions: dict[str, int] = field(default_factory=dict)  # of trusted-flagger statements
    our_notices: int = 0
    our_items: int = 0
    our_actions: dict[str, int] = field(default_factory=dict)

    @property
    def our_acted(self) -> int:
        return sum(self.our_actions.get(a, 0) for a in ACTED)

    @property
    def imported(self) -> bool:
        """Whether any finished import holds statements of this platform for this month: a
        month nobody imported says nothing about what the platform published."""
        return self.tdb_total > 0

    @property
    def fewer_than_ours(self) -> bool:
        """The platform told us it acted on more items than it published statements marked
        as a trusted flagger's: some of ours were published under another source (or not at
        all). Other trusted flaggers' notices only add to the TDB's count, never subtract.
        Never said of a month without imported statements."""
        return self.imported and self.tdb_trusted_flagger < self.our_acted

    def as_dict(self) -> dict[str, Any]:
        return {
            "platform": self.platform.slug,
            "month": self.month.strftime("%Y-%m"),
            "tdb": {
                "statements": self.tdb_total,
                "trusted_flagger": self.tdb_trusted_flagger,
                "article_16": self.tdb_article_16,
                "trusted_flagger_actions": {a: self.tdb_actions.get(a, 0) for a in ACTED},
            },
            "ours": {
                "notices": self.our_notices,
                "items": self.our_items,
                "actions": {a: self.our_actions.get(a, 0) for a in ACTIONS},
            },
            "imported": self.imported,
            "fewer_than_ours": self.fewer_than_ours,
        }


def comparison(
    user: User,
    *,
    platform: Platform | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> list[MonthComparison]:
    """Per platform and month (``since``/``until`` name months by any of their days), for
    the platforms and months either side knows; two grouped queries."""
    if not _may_read(user):
        return []
    tdb = TdbMonthly.objects.filter(tdb_import__status=TdbImport.Status.DONE)
    ours = Notice.items.through.objects.filter(
        notice__sent_at__isnull=False,
        notice__kind__in=NOTICE_KINDS,
        notice__is_trusted_flagger=True,
    )
    if platform is not None:
        tdb = tdb.filter(platform=platform)
        ours = ours.filter(notice__platform=platform)
    if since:
        tdb = tdb.filter(month__gte=since.replace(day=1))
    if until:
        tdb = tdb.filter(month__lte=until)
    tdb_rows = (
        tdb.values("platform_id", "month", "source_type", "action")
        .annotate(n=Sum("count"))
        .order_by()
    )
    rows: dict[tuple[Any, dt.date], MonthComparison] = {}
    platforms = {p.pk: p for p in Platform.objects.all()}

    def row(pid: Any, month: dt.date) -> MonthComparison:
        key = (pid, month)
        if key not in rows:
            rows[key] = MonthComparison(platforms[pid], month)
        return rows[key]

    for r in tdb_rows:
        m = row(r["platform_id"], r["month"])
        m.tdb_total += r["n"]
        if r["source_type"] == TF:
            m.tdb_trusted_flagger += r["n"]
            m.tdb_actions[r["action"]] = m.tdb_actions.get(r["action"], 0) + r["n"]
        elif r["source_type"] == "SOURCE_ARTICLE_16":
            m.tdb_article_16 += r["n"]
    # Grouped by the raw decision and mapped to its action here, over the few grouped rows: a
    # CASE around the subquery would make the database run the subquery once per branch.
    our_rows = (
        ours.annotate(
            sent_month=TruncMonth("notice__sent_at"),
            decision=current_decision_of("notice_id", "item_id"),
        )
        .values("notice__platform_id", "sent_month", "decision")  # type: ignore[misc]
        .annotate(items=Count("id"))
        .order_by()
    )
    for r in our_rows:
        month = _day(r["sent_month"])
        if (since and month < since.replace(day=1)) or (until and month > until):
            continue
        m = row(r["notice__platform_id"], month)
        m.our_items += r["items"]
        action = DECISION_ACTION.get(r["decision"] or "", "pending")
        m.our_actions[action] = m.our_actions.get(action, 0) + r["items"]
    _count_notices(rows, ours, since, until)
    return sorted(rows.values(), key=lambda m: (m.platform.name, m.month))


def _count_notices(
    rows: dict[tuple[Any, dt.date], MonthComparison],
    ours: QuerySet[Any],
    since: dt.date | None,
    until: dt.date | None,
) -> None:
    """Notices (not items) per platform and month: one more grouped query."""
    counted = (
        Notice.objects.filter(pk__in=ours.values("notice_id"))
        .annotate(month=TruncMonth("sent_at"))
        .values("platform_id", "month")
        .annotate(n=Count("id"))
        .order_by()
    )
    for r in counted:
        key = (r["platform_id"], _day(r["month"]))
        if key in rows:
            rows[key].our_notices = r["n"]


def _day(value: dt.date | dt.datetime) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def unlinked_counts(
    user: User,
    *,
    platform: Platform | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> list[tuple[str, int]]:
    """Statements about our items that were not linked, per reason (label, count)."""
    qs = TdbStatement.objects.none()
    if _may_read(user):
        qs = TdbStatement.objects.filter(tdb_import__status=TdbImport.Status.DONE).exclude(
            link=TdbStatement.Link.LINKED
        )
    if platform is not None:
        qs = qs.filter(platform=platform)
    if since:
        qs = qs.filter(application_date__gte=since)
    if until:
        qs = qs.filter(application_date__lte=until)
    counted = dict(qs.values_list("link").annotate(n=Count("id")).order_by())
    return [
        (str(text), counted[key]) for key, text in TdbStatement.Link.choices if counted.get(key)
    ]
