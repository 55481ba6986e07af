"""One round of re-checks in a worker: claim what is due, fetch in threads, record.

Why threads and not one fetch after the other: a check spends nearly all its time waiting for
a remote server, and a slow one may take the whole fetch deadline; a few threads keep a
worker busy with other hosts meanwhile. Only the fetches run in the threads: claiming and
recording stay in the worker's own thread and database connection, so a thread never holds
a database lock (SQLite has one writer) and nothing needs one connection per thread.

Claiming is safe across processes and machines: a watch is leased with a conditional UPDATE
(only if due and not leased, or its lease ran out), and each fetch first takes one of its
host's slots (``politeness``). A worker killed mid-round leaves leases and slots that expire
after the fetch deadline; the watch is then due again and checked by whoever comes next.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from flagdesk.core import shutdown

from . import politeness
from .fetcher import Fetched, fetch
from .models import Watch
from .politeness import Slot
from .services.checks import record_check

log = logging.getLogger(__name__)

# How many due watches one round looks at to fill its threads (hosts may be busy).
SCAN = 500
# A fetch that overran its own deadline by this much is abandoned (its lease runs out).
OVERRUN = dt.timedelta(seconds=30)


@dataclass(frozen=True)
class Claimed:
    watch_id: int
    url: str
    slot: Slot


def _lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.MONITORING_FETCH_TIMEOUT_SECONDS) + politeness.MARGIN


def _due(now: dt.datetime) -> Q:
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    # An ended watch is checked only when someone asks (after a confirmed removal, say).
    live = Q(ended_at__isnull=True) | Q(requested_at__isnull=False)
    return Q(next_check_at__lte=now) & live & free


def claim(worker: str, capacity: int, now: dt.datetime) -> list[Claimed]:
    """Lease up to ``capacity`` due watches whose host has a free slot, oldest due first."""
    claimed: list[Claimed] = []
    busy_hosts: set[str] = set()
    candidates = (
        Watch.objects.filter(_due(now))
        .order_by("next_check_at")
        .values_list("pk", "host", "item__url")[:SCAN]
    )
    for watch_id, host, url in candidates:
        if len(claimed) >= capacity:
            break
        if host in busy_hosts:
            continue
        holder = f"{worker}:{uuid.uuid4().hex[:8]}"
        slot = politeness.take(host, holder=holder, now=now)
        if slot is None:
            busy_hosts.add(host)
            continue
        leased = Watch.objects.filter(_due(now), pk=watch_id).update(
            lease_until=now + _lease(), leased_by=worker[:64]
        )
        if not leased:  # another worker took it between our read and our update
            politeness.give_back(slot, now=now - dt.timedelta(seconds=86400))
            continue
        claimed.append(Claimed(watch_id=watch_id, url=url, slot=slot))
    return claimed


def _safe_fetch(url: str) -> Fetched:
    try:
        return fetch(url)
    except Exception as e:  # the fetcher must not raise; if it does, the check says so
        log.exception("recheck.fetch_crashed")
        return Fetched(url=url, outcome="error", reason="internal_error", message=type(e).__name__)


def run_due_checks(*, worker: str, now: dt.datetime | None = None) -> int:
    """Run one round: returns how many checks were recorded."""
    threads = max(1, int(settings.MONITORING_WORKER_THREADS))
    fixed_clock = now  # tests and benchmarks run the schedule on their own clock
    claimed = claim(worker, threads, now or timezone.now())
    if not claimed:
        return 0
    done = 0
    deadline = timezone.now() + _lease() + OVERRUN
    # Not a ``with`` block: leaving one waits for every thread, and an overrunning fetch must
    # not hold the worker (its thread ends at the fetcher's own deadline anyway).
    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="recheck")
    try:
        pending: dict[Future[Fetched], Claimed] = {
            pool.submit(_safe_fetch, c.url): c for c in claimed
        }
        while pending:
            left = (deadline - timezone.now()).total_seconds()
            finished, _ = wait(pending, timeout=max(left, 0), return_when=FIRST_COMPLETED)
            if not finished:
                log.error("recheck.fetch_overran", extra={"fetches": len(pending)})
                break  # their leases and slots run out by themselves
            for future in finished:
                job = pending.pop(future)
                try:
                    record_check(job.watch_id, future.result(), now=fixed_clock)
                    done += 1
                except Exception:
                    # Logged; the lease runs out and the watch is checked again.
                    log.exception("recheck.record_failed", extra={"watch": job.watch_id})
                finally:
                    politeness.give_back(job.slot, now=timezone.now())
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    if shutdown.requested():
        log.info("recheck.round_stopped", extra={"recorded": done})
    return done
