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
import time
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

# How many due watches one look reads to fill the threads, and how many looks (each skips
# the hosts found busy) one claim takes at most.
SCAN = 500
MAX_LOOKS = 5
RETRY_AFTER_FAILURE = dt.timedelta(minutes=10)
# A fetch that overran its own deadline by this much is abandoned (its lease runs out).
OVERRUN = dt.timedelta(seconds=30)
# How long one round keeps claiming: then the worker's other jobs (captures) get a turn.
ROUND_SECONDS = 30.0


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
    """Lease up to ``capacity`` due watches whose host has a free slot, oldest due first.

    A backlog can sit on a few hosts (a platform's items all due at once): once a host has no
    free slot, the next look skips it, so the other hosts' watches are reached however many
    of those are older.
    """
    claimed: list[Claimed] = []
    busy_hosts: set[str] = set()
    for _look in range(MAX_LOOKS):
        candidates = list(
            Watch.objects.filter(_due(now))
            .exclude(host__in=busy_hosts)
            .order_by("next_check_at")
            .values_list("pk", "host", "item__url")[:SCAN]
        )
        found_busy = False
        for watch_id, host, url in candidates:
            if len(claimed) >= capacity:
                return claimed
            if host in busy_hosts:
                continue
            holder = f"{worker}:{uuid.uuid4().hex[:8]}"
            slot = politeness.take(host, holder=holder, now=now)
            if slot is None:
                busy_hosts.add(host)
                found_busy = True
                continue
            leased = Watch.objects.filter(_due(now), pk=watch_id).update(
                lease_until=now + _lease(), leased_by=worker[:64]
            )
            if not leased:  # another worker took it between our read and our update
                politeness.release(slot, now=now)
                continue
            claimed.append(Claimed(watch_id=watch_id, url=url, slot=slot))
        if not found_busy or len(candidates) < SCAN:
            break
    return claimed


def postpone(watch_id: int, now: dt.datetime) -> None:
    """A check whose recording failed (a bug, the database away): try it again later rather
    than at every lease expiry, so one fault never turns into fetching every URL in a loop."""
    Watch.objects.filter(pk=watch_id).update(
        lease_until=None, leased_by="", next_check_at=now + RETRY_AFTER_FAILURE
    )


def _safe_fetch(url: str) -> Fetched:
    try:
        return fetch(url)
    except Exception as e:  # the fetcher must not raise; if it does, the check says so
        log.exception("recheck.fetch_crashed")
        return Fetched(url=url, outcome="error", reason="internal_error", message=type(e).__name__)


def run_due_checks(
    *, worker: str, now: dt.datetime | None = None, budget_seconds: float = ROUND_SECONDS
) -> int:
    """Run one round: keep every thread busy with due checks for up to ``budget_seconds``,
    then return how many checks were recorded (the worker loop's other jobs get their turn).

    Threads are refilled as each fetch ends, so one slow website holds one thread, not the
    round. ``now`` fixes the clock of claims and records (tests and benchmarks).
    """
    threads = max(1, int(settings.MONITORING_WORKER_THREADS))
    started = time.monotonic()
    done = 0
    pending: dict[Future[Fetched], tuple[Claimed, float]] = {}
    # Not a ``with`` block: leaving one waits for every thread, and an overrunning fetch must
    # not hold the worker (its thread ends at the fetcher's own deadline anyway).
    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="recheck")
    try:
        while True:
            in_budget = time.monotonic() - started < budget_seconds
            if in_budget and not shutdown.requested() and len(pending) < threads:
                overrun = time.monotonic() + (_lease() + OVERRUN).total_seconds()
                for job in claim(worker, threads - len(pending), now or timezone.now()):
                    pending[pool.submit(_safe_fetch, job.url)] = (job, overrun)
            if not pending:
                break
            first_overrun = min(limit for _, limit in pending.values())
            finished, _ = wait(
                pending,
                timeout=max(first_overrun - time.monotonic(), 0),
                return_when=FIRST_COMPLETED,
            )
            if not finished:
                late = [f for f, (_, limit) in pending.items() if limit <= time.monotonic()]
                log.error("recheck.fetch_overran", extra={"fetches": len(late)})
                for future in late:
                    del pending[future]  # their leases and slots run out by themselves
                continue
            for future in finished:
                job, _limit = pending.pop(future)
                try:
                    record_check(job.watch_id, future.result(), now=now)
                    done += 1
                except Exception:
                    log.exception("recheck.record_failed", extra={"watch": job.watch_id})
                    try:
                        postpone(job.watch_id, now or timezone.now())
                    except Exception:  # the database is away: the lease runs out instead
                        log.exception("recheck.postpone_failed", extra={"watch": job.watch_id})
                finally:
                    politeness.give_back(job.slot, now=timezone.now())
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    if shutdown.requested():
        log.info("recheck.round_stopped", extra={"recorded": done})
    return done
