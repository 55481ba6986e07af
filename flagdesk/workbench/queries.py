"""Reads of the workbench: the priority queue, its counters and the search box (S5).

Everything starts from ``cases.queries.visible_items``, so need-to-know holds here as on
every other page. Each read is shaped for the index it uses (``Item.Meta.indexes``): the
queue walks ``(priority_at, id)`` and stops after one page, pages follow on from the last
row (keyset) instead of counting and skipping, and the counters are one grouped query.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from flagdesk.accounts.models import User
from flagdesk.cases.models import Case, Item
from flagdesk.cases.queries import itemless_cases, visible_items
from flagdesk.core.references import normalise_reference
from flagdesk.core.weburls import InvalidUrl, normalise_url, url_key
from flagdesk.intake.models import Report, ReportSignal
from flagdesk.matching.models import ItemSignal, Match
from flagdesk.notices.models import Notice
from flagdesk.platforms.models import Platform
from flagdesk.platforms.queries import platforms

S = Item.Status
# Items someone here has to act on: qualify, review, notify, follow a refusal or an item
# still online. Notified, removed and restricted items wait on the platform (the follow-up
# queue); finished ones are done.
WORK_STATUSES = (
    S.NEW,
    S.ASSESSING,
    S.AWAITING_REVIEW,
    S.APPROVED,
    S.STILL_ONLINE,
    S.REFUSED,
    S.ESCALATED,
)
PAGE_SIZE = 50
SEARCH_LIMIT = 50


@dataclass(frozen=True)
class QueueFilters:
    status: str = ""
    platform: str = ""
    phenomenon: str = ""
    who: str = ""  # "mine", "unassigned" or ""
    overdue: bool = False
    minors: bool = False


def open_work(user: User) -> QuerySet[Item]:
    return visible_items(user).filter(status__in=WORK_STATUSES)


def queue(user: User, filters: QueueFilters, *, now: dt.datetime) -> QuerySet[Item]:
    """Open items by due time, earliest first (cases/priority.py says how it is made)."""
    items = visible_items(user).filter(status=filters.status) if filters.status else open_work(user)
    if filters.platform:
        items = items.filter(platform__slug=filters.platform)
    if filters.phenomenon:
        items = items.filter(phenomenon=filters.phenomenon)
    if filters.who == "mine":
        items = items.filter(assignee=user)
    elif filters.who == "unassigned":
        items = items.filter(assignee__isnull=True)
    if filters.overdue:
        items = items.filter(priority_at__lt=now)
    if filters.minors:
        items = items.filter(involves_minor=True)
    return items.select_related("assignee").order_by("priority_at", "id")


def page_after(
    items: QuerySet[Item], cursor: tuple[dt.datetime, str] | None, size: int = PAGE_SIZE
) -> tuple[list[Item], tuple[dt.datetime, str] | None]:
    """One page following ``cursor`` (the due time and id of the previous page's last row),
    and the cursor of the next page, None at the end. Never counts or skips rows."""
    if cursor is not None:
        due, last_id = cursor
        # A range on the due time (an index range), minus the rows of the same due time
        # already shown: the ``a > x OR (a = x AND b > y)`` spelling makes SQLite scan.
        items = items.filter(priority_at__gte=due).exclude(priority_at=due, id__lte=last_id)
    rows = list(items[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if more and rows and rows[-1].priority_at is not None:
        return rows, (rows[-1].priority_at, str(rows[-1].id))
    return rows, None


def counters(user: User, *, now: dt.datetime) -> dict[str, int]:
    """The counters on top of the workbench, in one aggregate query over the open items."""
    # Counting a column of the ``item_workbench_counts`` index (not the id, which SQLite
    # keeps only in the table) lets the database answer from the index alone.
    return open_work(user).aggregate(
        open=Count("status"),
        unassigned=Count("status", filter=Q(assignee__isnull=True)),
        mine=Count("status", filter=Q(assignee=user)),
        overdue=Count("status", filter=Q(priority_at__lt=now)),
        minors=Count("status", filter=Q(involves_minor=True)),
        awaiting_review=Count("status", filter=Q(status=S.AWAITING_REVIEW)),
        approved=Count("status", filter=Q(status=S.APPROVED)),
    )


PICTURES_SHOWN = 20


def _count_of(rows: QuerySet[Any], group: str, distinct: str = "") -> Coalesce:
    """A correlated ``COUNT`` of ``rows`` (filtered on ``OuterRef``, grouped by ``group``,
    the field that equals the outer row) as an integer column, 0 when there is none; of the
    distinct values of ``distinct`` when given."""
    count = Count(distinct, distinct=True) if distinct else Count("*")
    counted = rows.order_by().values(group).annotate(n=count).values("n")
    return Coalesce(Subquery(counted[:1], output_field=IntegerField()), 0)


def pictures_to_find(user: User) -> list[Case]:
    """Cases opened by a report of a picture's fingerprints alone (docs/victims.md) that have
    no item yet: nothing in the queue stands for them, so the workbench lists them apart,
    newest first, at most ``PICTURES_SHOWN`` (one more is read to say there are more). Each
    row carries ``pictures`` (PDQ fingerprints), ``copies`` (items found carrying them) and
    ``is_kept`` (a reporter's consent keeps them in the bank): one query for the list."""
    signals = ReportSignal.objects.filter(report__case=OuterRef("pk"))
    copies = Match.objects.filter(entry__case=OuterRef("pk"), entry__removed_at__isnull=True)
    kept = Report.objects.filter(
        case=OuterRef("pk"),
        bank_consent_at__isnull=False,
        bank_consent_withdrawn_at__isnull=True,
    )
    rows = (
        itemless_cases(user)
        .filter(Exists(signals))
        .annotate(
            pictures=_count_of(signals.filter(signal_type="pdq"), "report__case"),
            # A copy is an address: its PDQ, MD5 and SHA-256 matches count once.
            copies=_count_of(copies, "entry__case", distinct="item"),
            is_kept=Exists(kept),
        )
        .order_by("-created_at")
    )
    return list(rows[: PICTURES_SHOWN + 1])


def selected(user: User, ids: list[Any]) -> list[Item]:
    """The items ticked on the workbench that the user may see, in queue order."""
    return list(
        visible_items(user)
        .filter(id__in=ids)
        .select_related("assignee")
        .order_by("priority_at", "id")
    )


# The search box -----------------------------------------------------------------------------

HEX = re.compile(r"[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64}")
HOST = re.compile(r"(?:[a-z0-9-]+\.)+[a-z]{2,}(?::\d+)?(?:/.*)?", re.IGNORECASE)


@dataclass
class SearchResults:
    query: str
    kinds: list[str] = field(default_factory=list)  # what the query was read as
    items: list[Item] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    platforms: list[Platform] = field(default_factory=list)
    case: Case | None = None

    @property
    def found(self) -> bool:
        return bool(self.items or self.notices or self.platforms)


def _ordered(items: QuerySet[Item]) -> list[Item]:
    return list(items.select_related("assignee").order_by("priority_at", "id")[:SEARCH_LIMIT])


def _url_variants(text: str) -> list[str]:
    """The normal forms the text can stand for: as typed, else with https:// and http://."""
    raws = [text] if "://" in text else [f"https://{text}", f"http://{text}"]
    variants = []
    for raw in raws:
        try:
            variants.append(normalise_url(raw))
        except InvalidUrl:
            continue
    return variants


def _search_url(user: User, text: str) -> list[Item]:
    """Exact address first (its key, indexed), else every item under it as a prefix (a host,
    a profile, a folder); the prefix ends at a path boundary so ``x.test/a`` never finds
    ``x.test/ab``."""
    variants = _url_variants(text)
    if not variants:
        return []
    exact = _ordered(visible_items(user).filter(url_key__in=[url_key(v) for v in variants]))
    if exact:
        return exact
    prefixes = Q()
    for v in variants:
        base = v if v.endswith("/") else f"{v}/"
        prefixes |= Q(normalised_url__startswith=base) | Q(normalised_url=v)
    # A prefix has no index to use: read the item table alone, in its own order (no join,
    # no sort), keep the first matches, then apply the scope and the order to those few.
    ids = list(Item.objects.filter(prefixes).order_by().values_list("id", flat=True)[:500])
    return _ordered(visible_items(user).filter(id__in=ids))


def search(user: User, text: str) -> SearchResults:
    """What one search box finds: a URL or host, a case, report or notice reference, a
    platform's name or short name, a media hash. Everything from the user's scope."""
    query = text.strip()[:2048]
    results = SearchResults(query=query)
    if not query:
        return results
    scope = visible_items(user)
    reference = normalise_reference(query) if len(query) <= 14 else None
    if reference is not None:
        kind = reference[0]
        if kind == "C":
            results.kinds.append("case")
            results.items = _ordered(scope.filter(case__reference=reference))
            results.case = results.items[0].case if results.items else None
        elif kind == "R":
            results.kinds.append("report")
            results.items = _ordered(scope.filter(reports__reference=reference))
        elif kind == "N":
            results.kinds.append("notice")
            # From the notice (a unique reference) to its items, never the other way round.
            notice = Notice.objects.select_related("platform").filter(reference=reference).first()
            if notice is not None:
                linked = Notice.items.through.objects.filter(notice_id=notice.pk)
                results.items = _ordered(scope.filter(id__in=linked.values("item_id")))
                # Shown only with an item in the user's scope: need-to-know holds for notices.
                results.notices = [notice] if results.items else []
        return results
    lowered = query.lower()
    if HEX.fullmatch(lowered):
        results.kinds.append("hash")
        signals = ItemSignal.objects.filter(value_key=lowered).values("item_id")
        results.items = _ordered(scope.filter(id__in=signals))
        return results
    if "://" in query or ("." in query and HOST.fullmatch(query)):
        results.kinds.append("url")
        results.items = _search_url(user, query)
    if "://" not in query and len(query) >= 2:
        named = (
            platforms()
            .prefetch_related(None)
            .filter(Q(slug__iexact=query) | Q(name__icontains=query))
        )
        results.platforms = list(named.order_by("name")[:10])
        if results.platforms:
            results.kinds.append("platform")
    return results
