"""The audit trail's periodic jobs, run by the worker of the ``default`` queue (S1b).

Both also run in ``flagdesk worker --burst`` (cron): they are cheap when there is nothing new,
and each returns 0, upkeep rather than work, so it never keeps a burst going.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from flagdesk.core.errors import FlagdeskError
from flagdesk.core.periodic import Periodic

from .checkpoints import chain_head
from .models import AuditAnchor
from .services import anchor_head, take_checkpoint

log = logging.getLogger(__name__)

CHECKPOINT_EVERY_SECONDS = 600
# Checked hourly, anchored when the last timestamp is older than this: daily, give or take
# the hour, even with a worker that restarts more often than that.
ANCHOR_EVERY = timedelta(hours=23)


def checkpoint_if_moved() -> int:
    """A signed checkpoint when entries were added since the latest one."""
    try:
        take_checkpoint(only_if_moved=True)
    except FlagdeskError as e:
        # The chain does not extend the latest checkpoint: someone changed the database.
        log.error("audit.checkpoint_refused", extra={"problem": str(e.message)})
    return 0


def anchor_daily() -> int:
    """A timestamp of the head once a day, if a TSA is configured and the head moved."""
    if not settings.AUDIT_TSA_URL:
        return 0
    last = AuditAnchor.objects.order_by("-created_at").first()
    if last and timezone.now() - last.created_at < ANCHOR_EVERY:
        return 0
    head = chain_head()
    if head is None or (last and (last.seq, last.head_hash) == (head.seq, head.entry_hash)):
        return 0
    try:
        anchor_head()
    except FlagdeskError as e:
        log.warning("audit.anchor_failed", extra={"problem": str(e.message)})
    return 0


PERIODIC = [
    Periodic("audit.checkpoint", CHECKPOINT_EVERY_SECONDS, checkpoint_if_moved),
    Periodic("audit.anchor", 3600, anchor_daily),
]
