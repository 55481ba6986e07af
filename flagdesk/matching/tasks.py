"""Background work for matching: run after commit, take ids, safe to run twice (S12)."""

from __future__ import annotations

from uuid import UUID

from django_tasks import task

from flagdesk.cases.models import Item


@task()
def match_item_task(item_id: str) -> int:
    from .services.matching import match_item

    item = Item.objects.filter(pk=UUID(item_id)).first()
    if item is None:
        return 0
    return len(match_item(item))


@task()
def retro_match_task(bank_id: int, first_id: int, last_id: int) -> int:
    from .services.retro import retro_match

    return len(retro_match(bank_id, first_id, last_id))


def sweep_unchecked() -> int:
    """Queue matching again for hashes whose task was lost; returns how many items."""
    from .services.matching import unchecked_items

    ids = unchecked_items()
    for item_id in ids:
        match_item_task.enqueue(item_id)
    return len(ids)
