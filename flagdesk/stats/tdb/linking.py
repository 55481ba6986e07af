"""Which of our items a statement is about, and whether it answers one of our notices.

The TDB holds no URL, only the platform's content id (``puid``). We know an item's puid when
the platform gave its statement id in its answer (``ItemDecision.statement_id``), when staff
recorded it (``item.identifiers["puid"]``), or when the registry's ``puid_pattern`` reads it
from the item's address, in that order of trust.

A statement is linked to a notice when it is about one of the notice's items, on the same
platform, says it came from a notice (``SOURCE_TRUSTED_FLAGGER`` or ``SOURCE_ARTICLE_16``),
and the decision applied from the day before the notice was sent (the TDB's dates are days in
the platform's time zone) to ``TDB_LINK_DAYS`` days after. Otherwise the statement is kept
with the reason it was not linked.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from django.conf import settings

from flagdesk.cases.models import Item
from flagdesk.notices.models import Notice
from flagdesk.platforms.models import Platform
from flagdesk.stats.actions import current_decisions
from flagdesk.stats.models import TdbStatement

from .rows import PUID

FROM_NOTICE = ("SOURCE_TRUSTED_FLAGGER", "SOURCE_ARTICLE_16")
NOTICE_KINDS = (Notice.Kind.NOTICE, Notice.Kind.RENOTICE)
TIME_ZONE_SLACK = dt.timedelta(days=1)


def link_days() -> int:
    return int(getattr(settings, "TDB_LINK_DAYS", 90))


@dataclass(frozen=True)
class Known:
    item_id: UUID
    source: str  # "answer", "identifiers" or "url"


def puid_index(platforms: Iterable[Platform]) -> dict[UUID, dict[str, Known]]:
    """platform id -> {puid: the item it names}, from the three sources, the most trusted
    winning. Three queries whatever the number of items; the index grows with our items, never
    with the dump."""
    by_platform = {p.pk: p for p in platforms}
    index: dict[UUID, dict[str, Known]] = defaultdict(dict)
    patterns = {pk: re.compile(p.puid_pattern) for pk, p in by_platform.items() if p.puid_pattern}
    items = Item.objects.filter(platform_id__in=by_platform).values_list(
        "id", "platform_id", "url", "identifiers"
    )
    answered = (
        current_decisions().filter(item__platform_id__in=by_platform).exclude(statement_id="")
    )
    for item_id, platform_id, url, identifiers in items.iterator(chunk_size=5000):
        pattern = patterns.get(platform_id)
        if pattern and (match := pattern.match(url or "")):
            puid = match.groupdict().get("puid") or ""
            if PUID.match(puid):
                index[platform_id][puid] = Known(item_id, "url")
        puid = str((identifiers or {}).get("puid") or "") if isinstance(identifiers, dict) else ""
        if PUID.match(puid):
            index[platform_id][puid] = Known(item_id, "identifiers")
    for item_id, platform_id, statement_id in answered.values_list(
        "item_id", "item__platform_id", "statement_id"
    ).iterator(chunk_size=5000):
        if PUID.match(statement_id):
            index[platform_id][statement_id] = Known(item_id, "answer")
    return index


def judge(statement: TdbStatement, notices: list[tuple[UUID, dt.date]]) -> tuple[str, UUID | None]:
    """The link (``TdbStatement.Link``) and the notice it was measured against, given the
    item's sent notices to the statement's platform as (id, day sent), oldest first."""
    if not notices:
        return TdbStatement.Link.NO_NOTICE, None
    if statement.source_type not in FROM_NOTICE:
        return TdbStatement.Link.SOURCE, notices[-1][0]
    applied = statement.application_date
    window = dt.timedelta(days=link_days())
    fitting = [
        (nid, sent) for nid, sent in notices if sent - TIME_ZONE_SLACK <= applied <= sent + window
    ]
    if fitting:
        return TdbStatement.Link.LINKED, fitting[-1][0]
    earlier = [(nid, sent) for nid, sent in notices if sent - TIME_ZONE_SLACK <= applied]
    if earlier:
        return TdbStatement.Link.LATE, earlier[-1][0]
    return TdbStatement.Link.BEFORE, notices[0][0]


def link_statements(statements: Iterable[TdbStatement]) -> int:
    """Decide the link of each statement (saved); returns how many were linked."""
    statements = [s for s in statements if s.item_id is not None]
    item_ids = {s.item_id for s in statements}
    sent: dict[tuple[UUID, UUID], list[tuple[UUID, dt.date]]] = defaultdict(list)
    rows = (
        Notice.items.through.objects.filter(
            item_id__in=item_ids, notice__sent_at__isnull=False, notice__kind__in=NOTICE_KINDS
        )
        .order_by("notice__sent_at")
        .values_list("item_id", "notice__platform_id", "notice_id", "notice__sent_at")
    )
    for item_id, platform_id, notice_id, sent_at in rows:
        if sent_at is not None:  # filtered already; the type cannot know
            sent[(item_id, platform_id)].append((notice_id, sent_at.astimezone(dt.UTC).date()))
    linked = 0
    for s in statements:
        notices = sent.get((s.item_id, s.platform_id), []) if s.item_id else []
        s.link, s.notice_id = judge(s, notices)
        linked += s.link == TdbStatement.Link.LINKED
    TdbStatement.objects.bulk_update(statements, ["link", "notice"], batch_size=500)
    return linked
