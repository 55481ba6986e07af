"""Periodic jobs an app declares in its ``tasks.py`` (``PERIODIC``) for the worker to run.

An app says what must happen regularly and how often; the worker loop (``flagdesk.site``)
runs them, so no app needs to know the others' schedules. A job returns how much work it
found, which tells ``flagdesk worker --burst`` whether to go round again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Periodic:
    name: str
    every_seconds: float  # 0: on every round of the loop
    run: Callable[[], int]
    # False for upkeep that only a long-running worker needs (a burst exits right after).
    in_burst: bool = True
    # The worker that runs it: one whose queues include this one (or all of them, "*").
    # Jobs that wait on the outside world (fetching reported pages, screenshots) have their
    # own queue, so that a slow website never delays a notice.
    queue: str = "default"
