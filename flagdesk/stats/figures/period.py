"""The filters every figure takes: a period of days, and optionally a phenomenon and a platform.

A period is a range of whole days in the organisation's time zone, both ends included: a
report made at 23:30 on 31 December in Brussels counts in December, whatever UTC says.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from uuid import UUID

from django.db.models import Q
from django.utils import timezone

# The longest period the dashboard computes: months x phenomena stay a small table, and a
# typo in a year ("0202") is refused instead of scanning two thousand years.
MAX_PERIOD_DAYS = 5 * 366


def day_start(day: dt.date) -> dt.datetime:
    """Midnight at the start of ``day`` in the current (the organisation's) time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def year_before(day: dt.date) -> dt.date:
    """The same day one year earlier; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


@dataclass(frozen=True)
class Filters:
    """What the dashboard shows: ``date_from``..``date_to`` (days, both included), and only the
    given ``phenomenon`` (a taxonomy code) and ``platform`` (a platform's id) when set."""

    date_from: dt.date
    date_to: dt.date
    phenomenon: str | None = None
    platform: UUID | None = None

    @property
    def start(self) -> dt.datetime:
        return day_start(self.date_from)

    @property
    def end(self) -> dt.datetime:
        """The first moment after the period (exclusive bound)."""
        return day_start(self.date_to + dt.timedelta(days=1))

    def year_earlier(self) -> Filters:
        """The same period one year earlier (year-on-year comparisons)."""
        return replace(
            self, date_from=year_before(self.date_from), date_to=year_before(self.date_to)
        )

    def during(self, field: str) -> Q:
        """``field`` (a datetime) falls within the period."""
        return Q(**{f"{field}__gte": self.start, f"{field}__lt": self.end})


def default_filters(today: dt.date | None = None) -> Filters:
    """The current calendar year to date."""
    today = today or timezone.localdate()
    return Filters(date_from=today.replace(month=1, day=1), date_to=today)
