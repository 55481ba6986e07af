"""Opening items for reported URLs, joining the open item of a URL already reported."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit
from uuid import UUID

from django.db import IntegrityError, transaction

from flagdesk.accounts.models import User
from flagdesk.cases.models import TERMINAL_STATUSES, Case, CaseEvent, Item
from flagdesk.cases.priority import recompute_priority
from flagdesk.core.weburls import host_of, url_key
from flagdesk.platforms.services import domain_table, platform_for_url


@dataclass(frozen=True)
class OpenedItem:
    item: Item
    is_new: bool


def _open_item_for(key: str) -> Item | None:
    return (
        Item.objects.select_related("case", "platform")
        .filter(url_key=key)
        .exclude(status__in=TERMINAL_STATUSES)
        .first()
    )


def open_items(
    urls: Sequence[str],
    *,
    phenomenon: str = "",
    actor: User | None = None,
    note: str = "",
    into: Case | None = None,
) -> tuple[Case, list[OpenedItem]]:
    """Find or create one open item per normalised URL; new items share one case.

    A URL that already has an open item joins it (deduplication), so two reports of the same
    post never produce two notices. New items go to ``into`` (the case of the report a
    reporter adds addresses to), else the case of the first joined item, or a new case.
    Writes one ``reported`` event per item. ``urls`` must be normalised already.
    """
    keys = {u: url_key(u) for u in urls}
    opened: list[OpenedItem] = []
    case: Case | None = into
    for url in urls:
        existing = _open_item_for(keys[url])
        if existing is not None:
            case = case or existing.case
            opened.append(OpenedItem(existing, is_new=False))
    case = case or Case.objects.create()
    for url in urls:
        if any(o.item.url_key == keys[url] for o in opened):
            continue
        try:
            with transaction.atomic():
                item = Item.objects.create(
                    case=case,
                    url=url,
                    normalised_url=url,
                    url_key=keys[url],
                    platform=platform_for_url(host_of(url), urlsplit(url).path),
                    phenomenon=phenomenon,
                )
            opened.append(OpenedItem(item, is_new=True))
        except IntegrityError:
            # Another report opened the same URL a moment ago: join it (unique constraint).
            joined = _open_item_for(keys[url])
            if joined is None:
                raise
            opened.append(OpenedItem(joined, is_new=False))
    CaseEvent.objects.bulk_create(
        CaseEvent(
            case_id=o.item.case_id,
            item=o.item,
            kind=CaseEvent.Kind.REPORTED,
            actor=actor,
            after=o.item.status,
            note=note,
            data={"joined": not o.is_new},
        )
        for o in opened
    )
    # The caller links its report next and computes again with it (reports, a victim's age).
    recompute_priority([o.item for o in opened])
    return case, opened


@dataclass(frozen=True)
class ItemSpec:
    """One URL of a bulk intake (a spreadsheet import), normalised, with what its new item
    carries: a phenomenon and identifiers (``identifiers.FIELDS``, already validated)."""

    url: str
    phenomenon: str = ""
    identifiers: dict[str, str] = field(default_factory=dict)


def _open_items_by_key(keys: Sequence[str]) -> dict[str, Item]:
    found: dict[str, Item] = {}
    for start in range(0, len(keys), 500):  # under SQLite's limit of variables per query
        chunk = keys[start : start + 500]
        rows = (
            Item.objects.select_related("case")
            .filter(url_key__in=chunk)
            .exclude(status__in=TERMINAL_STATUSES)
        )
        found.update({item.url_key: item for item in rows})
    return found


def open_items_in_bulk(
    specs: Sequence[ItemSpec], *, into: Case, actor: User | None = None, note: str = ""
) -> list[OpenedItem]:
    """``open_items`` for thousands of URLs: set queries and bulk inserts, not one per URL.

    Same rule: a URL with an open item joins it; the others become new items in ``into``.
    Returns one ``OpenedItem`` per spec, in order; ``specs`` must be normalised and distinct.
    Writes one ``reported`` event per item. Call it inside a transaction: if another report
    opens one of the URLs meanwhile, the insert is retried once, joining that item.
    """
    keys = [url_key(s.url) for s in specs]
    table = domain_table()

    def platform_id(url: str) -> UUID | None:
        parts = urlsplit(url)
        match = table.longest_match(parts.hostname or "", parts.path)
        return match[1] if match else None

    for attempt in (1, 2):
        existing = _open_items_by_key(keys)
        new = [
            Item(
                case_id=into.pk,
                url=spec.url,
                normalised_url=spec.url,
                url_key=key,
                platform_id=platform_id(spec.url),
                phenomenon=spec.phenomenon,
                identifiers=dict(spec.identifiers),
            )
            for spec, key in zip(specs, keys, strict=True)
            if key not in existing
        ]
        try:
            with transaction.atomic():
                Item.objects.bulk_create(new, batch_size=500)
            break
        except IntegrityError:
            if attempt == 2:
                raise
    created = {item.url_key: item for item in new}
    opened = [
        OpenedItem(existing[key], is_new=False)
        if key in existing
        else OpenedItem(created[key], True)
        for key in keys
    ]
    CaseEvent.objects.bulk_create(
        (
            CaseEvent(
                case_id=o.item.case_id,
                item_id=o.item.pk,
                kind=CaseEvent.Kind.REPORTED,
                actor_id=actor.pk if actor else None,
                after=o.item.status,
                note=note,
                data={"joined": not o.is_new},
            )
            for o in opened
        ),
        batch_size=500,
    )
    return opened
