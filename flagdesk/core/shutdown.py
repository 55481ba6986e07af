"""Stop requests (SIGTERM, SIGINT) for long-running commands, noticed from their first instant.

``flagdesk worker`` spends its first second or more importing Django and the apps; a
supervisor (``flagdesk serve``, systemd, a container runtime) that stops it during that time
must get a clean exit, not a process killed mid-start. So ``flagdesk.cli`` installs these
handlers before anything slow, and the worker's loop asks ``requested()`` between tasks.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType

_requested = threading.Event()


def install() -> None:
    """Turn SIGTERM and SIGINT into a stop request (the current task is finished first)."""
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)


def requested() -> bool:
    return _requested.is_set()


def wait(seconds: float) -> bool:
    """Idle for ``seconds``, returning early (True) as soon as a stop is requested."""
    return _requested.wait(seconds)


def reset() -> None:
    """Forget an earlier request (a process that runs the worker more than once: tests)."""
    _requested.clear()


def _on_signal(signum: int, frame: FrameType | None) -> None:
    _requested.set()
