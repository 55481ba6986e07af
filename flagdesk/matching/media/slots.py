"""How many pictures are decoded at once on this machine: a few numbered slots, each a lock file.

One picture may take up to ``MATCHING_IMAGE_MEMORY_BYTES`` while it is decoded. Every gunicorn
process, worker and command on the machine hashes, so a cap inside one process would not bound
the machine: the slots are files under ``MATCHING_HASHING_SLOT_DIR``, and holding one is an
exclusive ``flock`` on it. The kernel releases it when the holder closes it or dies, so a
crashed process never leaks a slot, and nothing needs cleaning up. ``flock`` locks belong to
an open file, so two threads of one process exclude each other too. (On storage shared between
machines, such as NFS, the cap would be per machine only if the directory is local: keep it
under the local var directory.)

Waiting is polling with a short back-off: a blocking ``flock`` cannot be given a timeout
without signals, which threads cannot use.
"""

from __future__ import annotations

import fcntl
import os
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

from .errors import HashingBusy

DEFAULT_WAIT_SECONDS = 10.0
_FIRST_PAUSE, _LONGEST_PAUSE = 0.005, 0.1


def slot_count() -> int:
    configured = getattr(settings, "MATCHING_HASHING_SLOTS", None)
    return max(1, int(configured if configured is not None else os.cpu_count() or 1))


def slot_dir() -> Path:
    return Path(settings.MATCHING_HASHING_SLOT_DIR)


@contextmanager
def hashing_slot(*, wait_seconds: float | None = None) -> Iterator[int]:
    """Hold one of the machine's hashing slots (its number) while the block runs.

    Waits up to ``wait_seconds`` (default ``MATCHING_HASHING_WAIT_SECONDS``) for a free one,
    then raises ``HashingBusy``.
    """
    if wait_seconds is None:
        wait_seconds = float(
            getattr(settings, "MATCHING_HASHING_WAIT_SECONDS", DEFAULT_WAIT_SECONDS)
        )
    directory = slot_dir()
    deadline = time.monotonic() + wait_seconds
    pause = _FIRST_PAUSE
    while True:
        taken = _try_any(directory, slot_count())
        if taken is not None:
            number, descriptor = taken
            try:
                yield number
            finally:
                os.close(descriptor)  # closing the file releases its lock
            return
        if time.monotonic() >= deadline:
            raise HashingBusy()
        time.sleep(min(pause, max(deadline - time.monotonic(), 0)))
        pause = min(pause * 2, _LONGEST_PAUSE)


def _try_any(directory: Path, count: int) -> tuple[int, int] | None:
    """Lock the first free slot, starting at a random one so waiters spread out."""
    first = random.randrange(count)  # noqa: S311 (load spreading, not security)
    for offset in range(count):
        number = (first + offset) % count
        descriptor = _open(directory / f"slot-{number}.lock")
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            continue
        return number, descriptor
    return None


def _open(path: Path) -> int:
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except FileNotFoundError:  # first use on this machine (or the directory was removed)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
