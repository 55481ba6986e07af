"""Durations and percentiles in the database, with the definitions of ``notices/sla.py``.

``sla.timing`` gives the median (``statistics.median``: the mean of the two middle values for
an even count) and the nearest-rank 90th percentile (the smallest value with at least 90 % of
the values at or below it). On PostgreSQL the same numbers come from SQL:
``percentile_cont(0.5)`` interpolates between the two middle values, which is that median, and
``percentile_disc(0.9)`` returns the first value whose cumulative share reaches 0.9, which is
the nearest rank. SQLite has neither: there the durations of each group are read in one query,
ordered, and handed to ``sla.timing`` itself.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable
from typing import Any

from django.db import connection
from django.db.models import Expression, F, FloatField, Func, QuerySet

from flagdesk.notices.sla import PERCENTILE, Timing, timing


class HoursBetween(Func):
    """Hours from ``start`` to ``end`` as a float, never below zero (an answer recorded before
    the send, a typo in a received time, counts as immediate: ``sla._hours``)."""

    output_field = FloatField()
    arity = 2

    def __init__(self, end: str | Expression, start: str | Expression) -> None:
        super().__init__(
            F(end) if isinstance(end, str) else end,
            F(start) if isinstance(start, str) else start,
        )

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            # julianday is a float of days: rounded to microhours (3.6 ms), 4 hours stay 4.0.
            template="ROUND(MAX((julianday(%(expressions)s)) * 24.0, 0.0), 6)",
            arg_joiner=") - julianday(",
            **extra,
        )

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template=(
                "GREATEST(CAST(EXTRACT(EPOCH FROM (%(expressions)s)) AS double precision)"
                " / 3600.0, 0.0)"
            ),
            arg_joiner=" - ",
            **extra,
        )


def grouped_timing(rows: QuerySet[Any]) -> dict[Hashable, Timing]:
    """``rows``: a ``values_list(group, identity, hours)`` queryset (``distinct()`` is added,
    so a notice counted through several of its items counts once per group). Returns each
    group's count, median and nearest-rank 90th percentile, in one query."""
    # No ordering: the model's default one would add a column to a DISTINCT select.
    rows = rows.order_by().distinct()
    if connection.vendor == "postgresql":
        sql, params = rows.query.sql_with_params()
        share = PERCENTILE / 100
        # ``sql`` is the ORM's own compiled query (its values stay in ``params``); ``share``
        # is a constant.
        query = (
            "SELECT grp, COUNT(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY hours),"  # noqa: S608
            f" percentile_disc({share}) WITHIN GROUP (ORDER BY hours)"
            f" FROM ({sql}) AS durations(grp, ident, hours) GROUP BY grp"
        )
        with connection.cursor() as cursor:
            cursor.execute(query, params)
            return {
                _group(grp): Timing(count=count, median=median, p90=p90)
                for grp, count, median, p90 in cursor.fetchall()
            }
    hours: dict[Hashable, list[float]] = defaultdict(list)
    for grp, _ident, value in rows:
        hours[grp].append(value)
    return {grp: timing(values) for grp, values in hours.items()}


def _group(value: Any) -> Hashable:
    """A group key as the ORM would give it (a raw cursor gives UUIDs as ``uuid.UUID`` on
    PostgreSQL already; text stays text)."""
    return value if value is not None else ""
