"""Background work for partners; tasks take ids and can safely run twice (S12)."""

from __future__ import annotations

from uuid import UUID

from django_tasks import task

from flagdesk.core.periodic import Periodic

from . import delivery


@task()
def send_callback(callback_id: str) -> None:
    callback = delivery.claim_callback(UUID(callback_id))
    if callback is None:
        return  # delivered, superseded, not due, or leased by another worker
    delivery.deliver_callback(callback)


@task()
def send_forward(forward_id: str) -> None:
    forward = delivery.claim_forward(UUID(forward_id))
    if forward is None:
        return
    delivery.deliver_forward(forward)


def _callbacks() -> int:
    # A status change is queued on the round it is seen; nothing is found when nothing changed.
    return delivery.queue_changed_callbacks()


PERIODIC = [
    Periodic("partners.callbacks", 5, _callbacks),
    # Due callbacks and forwards, and those whose worker died, become tasks.
    Periodic("partners.sweep", 30, delivery.sweep, in_burst=False),
    # The fallback for a callback lost on the way: ask partners about open forwards.
    Periodic("partners.poll", 15 * 60, delivery.poll_forwards, in_burst=False),
]
