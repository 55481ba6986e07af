"""The fetch deadline, enforced from outside the reading thread.

Socket timeouts bound each wait, not the sum of them: a server sending one byte of its headers
every second never trips a five-second timeout, and ``http.client`` reads headers and chunk
lines in loops we cannot interrupt between two bytes. So at the deadline, one watchdog thread
per process shuts the fetch's socket down; the blocked read returns at once and the fetch
records ``timeout``. One thread for every fetch, not a timer thread per fetch, so a worker
running many fetches at once does not double its threads.
"""

from __future__ import annotations

import heapq
import itertools
import os
import socket
import threading
import time


class Guard:
    """One fetch's deadline and the socket it currently reads from."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.fired = False
        self._is_done = False
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def watch(self, sock: socket.socket | None) -> None:
        """From now on, the deadline shuts ``sock`` down (at once if it has passed)."""
        with self._lock:
            self._sock = sock
            if self.fired and sock is not None:
                _shut(sock)

    def fire(self) -> None:
        with self._lock:
            if self._is_done:
                return
            self.fired = True
            if self._sock is not None:
                _shut(self._sock)

    def done(self) -> None:
        """The fetch is over: the deadline no longer touches anything."""
        with self._lock:
            self._is_done = True
            self._sock = None


def _shut(sock: socket.socket) -> None:
    # The plain socket's shutdown even for a TLS socket: ssl.SSLSocket.shutdown would also
    # drop the TLS state under the feet of the thread reading from it.
    try:
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass  # already closed, or never connected


class _Watchdog:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, Guard]] = []
        self._order = itertools.count()
        self._is_running = False

    def arm(self, guard: Guard) -> None:
        with self._cond:
            if not self._is_running:
                threading.Thread(target=self._run, name="fetch-watchdog", daemon=True).start()
                self._is_running = True
            heapq.heappush(self._heap, (guard.deadline, next(self._order), guard))
            self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._heap:
                    self._cond.wait()
                deadline, _, guard = self._heap[0]
                wait = deadline - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                heapq.heappop(self._heap)
            guard.fire()  # a no-op for a fetch that has ended


_watchdog = _Watchdog()


def _after_fork() -> None:
    # A forked worker has no watchdog thread, and may have copied the lock held.
    global _watchdog
    _watchdog = _Watchdog()


os.register_at_fork(after_in_child=_after_fork)


def arm(guard: Guard) -> None:
    """Have ``guard`` fire at its deadline unless the fetch calls ``guard.done()`` first."""
    _watchdog.arm(guard)
