"""Per-host politeness shared by every worker on every machine (``HostSlot``).

A platform that sees a burst of requests from one address blocks it, and then every re-check
of that platform fails: so each host gets at most ``MONITORING_HOST_CONCURRENCY`` fetches at
once and each slot rests ``MONITORING_HOST_INTERVAL_SECONDS`` between two fetches. The limits
hold across processes and machines because a slot is taken with a conditional UPDATE on the
database (no lock is held during the fetch), and a worker killed mid-fetch cannot keep a slot:
it was taken only until the fetch's own deadline.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q

from .models import HostSlot

# A taken slot frees itself this long after the fetch's deadline (a worker died holding it).
MARGIN = dt.timedelta(seconds=5)


@dataclass(frozen=True)
class Slot:
    host: str
    slot: int
    holder: str


def _ensure_slots(host: str, now: dt.datetime) -> None:
    wanted = max(1, int(settings.MONITORING_HOST_CONCURRENCY))
    HostSlot.objects.bulk_create(
        [HostSlot(host=host, slot=n, free_at=now) for n in range(wanted)],
        ignore_conflicts=True,
    )


def take(host: str, *, holder: str, now: dt.datetime) -> Slot | None:
    """A free slot of ``host`` for one fetch, or None when every slot is busy or resting."""
    wanted = max(1, int(settings.MONITORING_HOST_CONCURRENCY))
    busy_until = now + dt.timedelta(seconds=settings.MONITORING_FETCH_TIMEOUT_SECONDS) + MARGIN
    for attempt in range(2):
        free = list(
            HostSlot.objects.filter(host=host, slot__lt=wanted, free_at__lte=now)
            .order_by("slot")
            .values_list("slot", flat=True)
        )
        for number in free:
            taken = HostSlot.objects.filter(Q(free_at__lte=now), host=host, slot=number).update(
                free_at=busy_until, held_by=holder[:64]
            )
            if taken:
                return Slot(host=host, slot=number, holder=holder)
        if attempt == 0 and HostSlot.objects.filter(host=host).count() < wanted:
            _ensure_slots(host, now)
            continue
        break
    return None


def give_back(slot: Slot, *, now: dt.datetime) -> None:
    """The fetch is over: the slot is free again after the host's resting interval."""
    rest = dt.timedelta(seconds=float(settings.MONITORING_HOST_INTERVAL_SECONDS))
    HostSlot.objects.filter(host=slot.host, slot=slot.slot, held_by=slot.holder[:64]).update(
        free_at=now + rest, held_by=""
    )


def release(slot: Slot, *, now: dt.datetime) -> None:
    """Give back a slot that was taken but not used (the watch went to another worker)."""
    HostSlot.objects.filter(host=slot.host, slot=slot.slot, held_by=slot.holder[:64]).update(
        held_by="", free_at=now
    )
