"""Opening items for reported URLs, joining the open item of a URL already reported."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction

from flagdesk.accounts.models import User
from flagdesk.cases.models import TERMINAL_STATUSES, Case, CaseEvent, Item
from flagdesk.cases.priority import recompute_priority
from flagdesk.core.weburls import host_of, url_key
from flagdesk.platforms.services import platform_for_url


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
