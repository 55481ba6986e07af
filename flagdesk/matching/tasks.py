"""Background work for matching: run after commit, take ids, safe to run twice (S12)."""

from __future__ import annotations

from uuid import UUID

from django_tasks import task

from flagdesk.cases.models import Item
from flagdesk.core.periodic import Periodic


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


@task(queue_name="media")
def hash_pending_task(pending_id: str) -> int:
    from .services.spool import hash_pending

    return hash_pending(pending_id)


def sweep_unchecked() -> int:
    """Queue again what a killed worker lost: matching of recorded hashes, and spooled videos
    still waiting to be hashed; destroy media that may no longer be kept (a minor was found
    depicted since). Returns how many tasks were queued and items cleaned."""
    from .services.evidence import discard_forbidden_media
    from .services.matching import unchecked_items
    from .services.spool import stuck

    ids = unchecked_items()
    for item_id in ids:
        match_item_task.enqueue(item_id)
    pending = stuck()
    for pending_id in pending:
        hash_pending_task.enqueue(pending_id)
    return len(ids) + len(pending) + discard_forbidden_media()


def _refresh_snapshots() -> int:
    from .index.store import refresh_stale_snapshots

    refresh_stale_snapshots()
    return 0  # upkeep, not work: it never keeps a burst going


# Hashes whose matching task died with a worker are rare, so once a minute; a long-running
# worker also keeps this machine's index snapshots in step with the database.
PERIODIC = [
    Periodic("matching.unchecked", 60, sweep_unchecked),
    Periodic("matching.snapshots", 60, _refresh_snapshots, in_burst=False),
]
