"""The limits a child process that decodes hostile media puts on itself before decoding.

Shared by ``media/image_child.py`` and ``media/vpdq_child.py``. It lives outside the ``media``
package and imports only the standard library: a child imports it first, before anything that
touches the file, and ``media/__init__`` would pull in Django and the rest of the app.
"""

from __future__ import annotations

import resource
import signal


def limit_resources(memory_bytes: int) -> None:
    """Cap address space, forbid writing files and core dumps (a dump would hold the media)."""
    if memory_bytes > 0:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write then fails instead of killing us
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
