"""DNS look-ups of many hosts at once, bounded in time and in threads.

A report may list 50 URLs, and a hostile one can name hosts whose DNS answers slowly or never.
Looked up one after the other in the request, they could hold it for minutes; one thread per
look-up would let a burst of such reports pile up threads. So each process has one small pool
(``settings.URL_LOOKUP_THREADS``) of daemon threads, and a caller waits for all its hosts
together at most ``settings.URL_LOOKUP_TIMEOUT_SECONDS``. A look-up still running after that
keeps its thread until the system resolver gives up (``getaddrinfo`` cannot be cancelled), but
the request goes on without it, look-ups queued behind it are cancelled, and the pool never
grows: a flood of slow hosts makes later look-ups wait or time out, never exhausts the machine.
Daemon threads, because a look-up that never returns must not hold up the process's exit.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, wait

from django.conf import settings

log = logging.getLogger(__name__)

Resolver = Callable[[str], list[str]]
_Job = tuple[Future[list[str]], Resolver, str]


class _LookupPool:
    """At most ``size`` look-ups at once; threads start as work arrives."""

    def __init__(self, size: int) -> None:
        self.size = max(1, size)
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def submit(self, resolver: Resolver, host: str) -> Future[list[str]]:
        future: Future[list[str]] = Future()
        self._jobs.put((future, resolver, host))
        with self._lock:
            if len(self._threads) < self.size:
                thread = threading.Thread(
                    target=self._work, name=f"url-lookup-{len(self._threads)}", daemon=True
                )
                thread.start()
                self._threads.append(thread)
        return future

    def stop(self) -> None:
        """Let idle threads end (busy ones end after their look-up)."""
        for _ in self._threads:
            self._jobs.put(None)

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            future, resolver, host = job
            if not future.set_running_or_notify_cancel():
                continue  # its caller stopped waiting before it started
            try:
                future.set_result(list(resolver(host)))
            except BaseException as e:  # a resolver's failure is the caller's to judge
                future.set_exception(e)


_pool: _LookupPool | None = None
_pool_owner = (0, 0)  # (pid, size): a forked worker or a changed setting gets a new pool
_pool_lock = threading.Lock()


def _current_pool() -> _LookupPool:
    global _pool, _pool_owner
    owner = (os.getpid(), int(settings.URL_LOOKUP_THREADS))
    with _pool_lock:
        if _pool is None or _pool_owner != owner:
            if _pool is not None and _pool_owner[0] == owner[0]:
                _pool.stop()
            _pool, _pool_owner = _LookupPool(owner[1]), owner
        return _pool


def resolve_hosts(
    hosts: Iterable[str], resolver: Resolver, *, timeout_seconds: float | None = None
) -> dict[str, list[str] | None]:
    """Each distinct host's addresses, looked up in parallel within one overall deadline.

    None for a host whose look-up did not answer in time or raised: undecided, and the
    caller says what that means (``weburls`` accepts it like a host that does not resolve).
    """
    if timeout_seconds is None:
        timeout_seconds = float(settings.URL_LOOKUP_TIMEOUT_SECONDS)
    pool = _current_pool()
    futures = {host: pool.submit(resolver, host) for host in dict.fromkeys(hosts)}
    done, _ = wait(futures.values(), timeout=timeout_seconds)
    found: dict[str, list[str] | None] = {}
    for host, future in futures.items():
        if future in done and future.exception() is None:
            found[host] = future.result()
        else:
            future.cancel()
            found[host] = None
    if undecided := sum(1 for v in found.values() if v is None):
        # Counts only: a host name can identify a victim (S17).
        log.warning("url.lookup_undecided", extra={"hosts": len(found), "undecided": undecided})
    return found
