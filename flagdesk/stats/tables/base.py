"""What a dashboard table is: columns of a kind (text, count, share, hours, change), rows of
values, a chart of its numbers, and how each value reads on the page."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from flagdesk.notices.sla import Timing


@dataclass(frozen=True)
class Share:
    """``part`` of ``whole``: shown as "25 % (1 of 4)", written to CSV as two columns."""

    part: int
    whole: int

    @property
    def percent(self) -> float | None:
        return 100 * self.part / self.whole if self.whole else None


@dataclass(frozen=True)
class Column:
    label: str
    kind: str = "count"  # text, count, share, hours, change


@dataclass(frozen=True)
class Chart:
    """What ``charts.bar_chart``/``line_chart`` draws for a table (``kind``: bar, line)."""

    kind: str
    categories: list[str]
    series: list[tuple[str, list[float]]]
    value_label: str
    stacked: bool = False
    horizontal: bool = False
    legend: str = "right"  # charts.bar_chart's: outside the axes, never over a bar

    @classmethod
    def bars(cls, rows: list[list[Any]], label: str) -> Chart:
        """Horizontal bars of a two-column table: its labels (first column) and one count."""
        counts = [(label, [r[1] for r in rows])]
        return cls("bar", [r[0] for r in rows], counts, label, horizontal=True)


@dataclass
class Table:
    name: str
    title: str
    caption: str
    columns: list[Column]
    rows: list[list[Any]]
    empty: str
    chart: Chart | None = None
    note: str = ""
    svg: str = ""  # filled by the view from the chart cache
    extra: dict[str, Any] = field(default_factory=dict)

    def display_rows(self) -> list[list[tuple[str, str]]]:
        """Rows as (text, css class) cells for the page."""
        return [
            [
                (display(value, column.kind), column.kind)
                for value, column in zip(row, self.columns, strict=True)
            ]
            for row in self.rows
        ]


def _number(value: float, digits: int = 0) -> str:
    # number_format cuts decimals off (3.96 would read 3.9): round first.
    return number_format(round(value, digits), decimal_pos=digits, use_l10n=True)


def display(value: Any, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "share":
        assert isinstance(value, Share)  # noqa: S101 - a programming error, not input
        if value.percent is None:
            return "—"
        return _("%(percent)s %% (%(part)s of %(whole)s)") % {
            "percent": _number(value.percent),
            "part": _number(value.part),
            "whole": _number(value.whole),
        }
    if kind == "hours":
        return _number(value, 1)
    if kind == "change":
        sign = "+" if value > 0 else ""
        return f"{sign}{_number(100 * value)} %"
    if kind == "count":
        return _number(value)
    return str(value)


def timing_cells(timing: Timing | None) -> list[Any]:
    if timing is None:
        return [0, None, None]
    return [timing.count, timing.median, timing.p90]
