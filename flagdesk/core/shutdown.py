"""Stop requests (SIGTERM, SIGINT) for long-running commands, noticed from their first instant.

``flagdesk worker`` spends its first second or more importing Django and the apps; a
supervisor (``flagdesk serve``, systemd, a container runtime) that stops it during that time
must get a clean exit, not a process killed mid-start. So ``flagdesk.site.cli`` installs these
handlers before anything slow, and the worker's loop asks ``requested()`` between tasks.

Two ways a stop could go unnoticed, and what prevents them:

- The kernel may deliver the signal to any thread (the mail sink's SMTP thread, the worker's
  index thread). Python then runs the handler in the main thread only once that thread runs
  bytecode again, which a thread asleep in a system call does not. So ``install()`` points the
  interpreter's wakeup file descriptor at a pipe: whichever thread receives the signal writes a
  byte to it, and ``wait()`` sleeps in ``select`` on that pipe.
- The handler takes no lock: it runs between two bytecodes of the main thread, which may hold
  the very lock an ``Event.set()`` would need. It sets a flag and writes to the same pipe.
"""

from __future__ import annotations

import os
import select
import signal
import time
from types import FrameType

_read_end, _write_end = os.pipe()
os.set_blocking(_read_end, False)
os.set_blocking(_write_end, False)
_requested = False


def install() -> None:
    """Turn SIGTERM and SIGINT into a stop request (the current task is finished first).
    Call it from the main thread."""
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    signal.set_wakeup_fd(_write_end, warn_on_full_buffer=False)


def requested() -> bool:
    return _requested


def wait(seconds: float) -> bool:
    """Idle for ``seconds``, returning early (True) as soon as a stop is requested."""
    deadline = time.monotonic() + seconds
    while not _requested:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        select.select([_read_end], [], [], left)
        _drain()
    return _requested


def reset() -> None:
    """Forget an earlier request (a process that runs the worker more than once: tests)."""
    global _requested
    _requested = False
    _drain()


def _drain() -> None:
    try:
        while os.read(_read_end, 512):
            pass
    except BlockingIOError:
        pass


def _on_signal(signum: int, frame: FrameType | None) -> None:
    global _requested
    _requested = True
    try:
        os.write(_write_end, b"\0")
    except BlockingIOError:  # the pipe is full of earlier wake-ups: one is enough
        pass
