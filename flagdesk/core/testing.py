"""A fixed DNS table for tests and demos: ``*.test`` and the demo's fictional hosts.

Network tests only ever target 127.0.0.1, so hosts are resolved from this table instead of
DNS. Hosts named ``private*.test`` or ``loopback*.test`` resolve to non-public addresses to
exercise the SSRF checks, ``mixed*.test`` to a public address and a loopback one; every other
``*.test`` host gets a public address that nothing connects to (classification only).

``blocking_resolver`` also holds every ``slow*.test`` look-up, after ``hold_slow_lookups()``,
until ``release_slow_lookups()``: a test can prove that a DNS server that never answers cannot
hold a request, without sleeping or guessing how long anything takes.
"""

from __future__ import annotations

import threading

TABLE: dict[str, list[str]] = {}


def test_resolver(host: str) -> list[str]:
    host = host.lower()
    if host in TABLE:
        return TABLE[host]
    if host.endswith(".test"):
        if host.startswith("private"):
            return ["10.1.2.3"]
        if host.startswith("loopback"):
            return ["127.0.0.1", "::1"]
        if host.startswith("mixed"):
            return ["93.184.215.14", "127.0.0.1"]
        return ["93.184.215.14"]
    return []


_slow_lookups_released = threading.Event()
_slow_lookups_released.set()  # slow hosts answer at once until a test holds them
_started_lock = threading.Lock()
_started = 0


def blocking_resolver(host: str) -> list[str]:
    """``test_resolver``, except that ``slow*.test`` waits until ``release_slow_lookups``."""
    global _started
    if host.lower().startswith("slow"):
        with _started_lock:
            _started += 1
        _slow_lookups_released.wait()
        return ["10.9.9.9"]  # private: had it answered in time, the host would be refused
    return test_resolver(host)


def hold_slow_lookups() -> None:
    """From now on ``slow*.test`` look-ups wait; resets the count of those started."""
    global _started
    with _started_lock:
        _started = 0
    _slow_lookups_released.clear()


def slow_lookups_started() -> int:
    with _started_lock:
        return _started


def release_slow_lookups() -> None:
    """Let every waiting look-up finish, and later ones pass: for a test's teardown, so no
    look-up thread stays blocked for the tests that follow."""
    _slow_lookups_released.set()
