"""When an item is re-checked after its notice (reads only).

Why a schedule and not "every hour": the first hours after a notice are when a platform acts
on a trusted flagger's notice (art. 22(1) DSA: "without undue delay"), and when a victim most
needs to know; after a day a daily look is enough, and a watch that never ends would fetch the
same pages for years. The points are hours after the first notice was sent: the platform's
own plan for the item's phenomenon (``Platform.recheck_hours``), else its ``default`` plan, else
the organisation's (``MONITORING_RECHECK_HOURS``); after the last point, every
``MONITORING_RECHECK_EVERY_HOURS`` until ``MONITORING_WATCH_DAYS`` have passed.

A worker that was stopped for a while does not catch up on every missed point: the next check
is the first point after the last check, so a week's outage costs one check, not 168.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.conf import settings

from flagdesk.cases.models import Item


def plan_hours(item: Item) -> list[int]:
    """The item's re-check points, in hours after the first notice, ascending and positive."""
    raw: object = None
    platform = item.platform
    if platform is not None and isinstance(platform.recheck_hours, dict):
        raw = platform.recheck_hours.get(item.phenomenon) or platform.recheck_hours.get("default")
    points = _clean(raw) or _clean(settings.MONITORING_RECHECK_HOURS) or [24]
    return points


def _clean(raw: object) -> list[int]:
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        return []
    hours = []
    for value in raw:
        if isinstance(value, bool):
            continue
        if isinstance(value, int | float) and 0 < value <= 24 * 365:
            hours.append(int(value))
    return sorted(set(hours))


def points(started_at: dt.datetime, hours: Sequence[int]) -> list[dt.datetime]:
    """The fixed points of a plan (the repeating tail is computed by ``next_point``)."""
    return [started_at + dt.timedelta(hours=h) for h in hours]


def next_point(
    started_at: dt.datetime, hours: Sequence[int], after: dt.datetime
) -> dt.datetime | None:
    """The first point of the schedule strictly after ``after``; None past the watch's end."""
    end = started_at + dt.timedelta(days=int(settings.MONITORING_WATCH_DAYS))
    for point in points(started_at, hours):
        if point > after:
            return point if point <= end else None
    every = dt.timedelta(hours=max(1, int(settings.MONITORING_RECHECK_EVERY_HOURS)))
    last = started_at + dt.timedelta(hours=hours[-1] if hours else 0)
    steps = int((after - last) / every) + 1
    point = last + steps * every
    return point if point <= end else None
