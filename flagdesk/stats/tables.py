"""The dashboard's tables: each figure with translated labels, as the page shows it (with its
chart above) and as its CSV download writes it (docs/statistics.md). One function per table,
named in ``TABLES``; the page, the CSV and the JSON read the same ``Dashboard``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from flagdesk.cases.models import CaseFacts
from flagdesk.intake.labels import staff_role_label
from flagdesk.intake.models import Report
from flagdesk.notices.sla import Timing

from . import actions, labels
from .figures.dashboard import Dashboard
from .figures.victims import GENDERS


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


def _timing_cells(timing: Timing | None) -> list[Any]:
    if timing is None:
        return [0, None, None]
    return [timing.count, timing.median, timing.p90]


# --- reports ---------------------------------------------------------------------------------


def months_table(d: Dashboard) -> Table:
    rows = [[labels.month(m.month), m.reports, m.items] for m in d.volumes.months]
    return Table(
        name="months",
        title=_("Reports and items per month"),
        caption=_("Reports and items received per month in the period"),
        columns=[Column(_("Month"), "text"), Column(_("Reports")), Column(_("Items"))],
        rows=rows if d.volumes.reports or d.volumes.items else [],
        empty=_("No report came in during this period."),
        chart=Chart(
            "line",
            [r[0] for r in rows],
            [(_("Reports"), [r[1] for r in rows]), (_("Items"), [r[2] for r in rows])],
            _("Count"),
        ),
    )


def years_table(d: Dashboard) -> Table:
    rows = [[str(y.year), y.reports, y.items] for y in d.volumes.years]
    earlier = d.filters.year_earlier()
    rows.append(
        [
            _("Total"),
            d.volumes.reports,
            d.volumes.items,
        ]
    )
    rows.append(
        [
            _("Same period a year earlier (%(start)s to %(end)s)")
            % {"start": earlier.date_from.isoformat(), "end": earlier.date_to.isoformat()},
            d.volumes.reports_year_earlier,
            d.volumes.items_year_earlier,
        ]
    )
    return Table(
        name="years",
        title=_("Reports and items per year"),
        caption=_("Reports and items per calendar year of the period, and year on year"),
        columns=[Column(_("Year"), "text"), Column(_("Reports")), Column(_("Items"))],
        rows=rows if any(r[1] or r[2] for r in rows) else [],
        empty=_("No report came in during this period."),
        chart=Chart(
            "bar",
            [_("This period"), _("A year earlier")],
            [
                (_("Reports"), [d.volumes.reports, d.volumes.reports_year_earlier]),
                (_("Items"), [d.volumes.items, d.volumes.items_year_earlier]),
            ],
            _("Count"),
        ),
    )


def phenomena_table(d: Dashboard) -> Table:
    rows = [
        [
            labels.phenomenon(p.phenomenon),
            p.reports,
            p.reports_year_earlier,
            p.reports_change,
            p.items,
            p.items_year_earlier,
            p.items_change,
        ]
        for p in d.volumes.phenomena
    ]
    vol = d.volumes
    if rows:
        rows.append(
            [
                _("All phenomena"),
                vol.reports,
                vol.reports_year_earlier,
                vol.reports_change,
                vol.items,
                vol.items_year_earlier,
                vol.items_change,
            ]
        )
    return Table(
        name="phenomena",
        title=_("Reports and items per phenomenon"),
        caption=_("Reports and items per phenomenon, with the same period a year earlier"),
        columns=[
            Column(_("Phenomenon"), "text"),
            Column(_("Reports")),
            Column(_("Reports a year earlier")),
            Column(_("Change in reports"), "change"),
            Column(_("Items")),
            Column(_("Items a year earlier")),
            Column(_("Change in items"), "change"),
        ],
        rows=rows,
        empty=_("No report or item in this period or the same period a year earlier."),
        chart=Chart(
            "bar",
            [r[0] for r in rows[:-1]],
            [
                (_("Items"), [r[4] for r in rows[:-1]]),
                (_("Items a year earlier"), [r[5] for r in rows[:-1]]),
            ],
            _("Items"),
            horizontal=True,
        ),
    )


def _counted(d: Dashboard, index: int, label: Callable[[str], str]) -> list[list[Any]]:
    totals: dict[str, int] = {}
    for key, n in d.channels.items():
        totals[key[index]] = totals.get(key[index], 0) + n
    return sorted(([label(k), n] for k, n in totals.items()), key=lambda r: (-r[1], r[0]))


def channels_table(d: Dashboard) -> Table:
    rows = _counted(
        d, 0, lambda c: str(Report.Channel(c).label) if c in Report.Channel.values else c
    )
    return Table(
        name="channels",
        title=_("Reports per channel"),
        caption=_("Reports received in the period per intake channel"),
        columns=[Column(_("Channel"), "text"), Column(_("Reports"))],
        rows=rows,
        empty=_("No report came in during this period."),
        chart=Chart(
            "bar",
            [r[0] for r in rows],
            [(_("Reports"), [r[1] for r in rows])],
            _("Reports"),
            horizontal=True,
        ),
    )


def roles_table(d: Dashboard) -> Table:
    rows = _counted(d, 1, staff_role_label)
    return Table(
        name="roles",
        title=_("Reports per reporter"),
        caption=_("Reports received in the period by who reported"),
        columns=[Column(_("Reporter"), "text"), Column(_("Reports"))],
        rows=rows,
        empty=_("No report came in during this period."),
        chart=Chart(
            "bar",
            [r[0] for r in rows],
            [(_("Reports"), [r[1] for r in rows])],
            _("Reports"),
            horizontal=True,
        ),
    )


# --- victims ---------------------------------------------------------------------------------


def _gender_columns() -> list[Column]:
    return [Column(labels.gender(g)) for g in GENDERS]


def ages_table(d: Dashboard) -> Table:
    v = d.victims
    codes = [*(b.code for b in v.bands), labels.UNKNOWN]
    rows = []
    for code in codes:
        per_gender = v.total.get(code, {})
        if not per_gender and code == labels.UNKNOWN:
            continue
        rows.append(
            [
                labels.band(code, v.bands),
                *(per_gender.get(g, 0) for g in GENDERS),
                sum(per_gender.values()),
            ]
        )
    if v.count:
        rows.append([_("Total"), *(v.gender_total(g) for g in GENDERS), v.count])
    return Table(
        name="victims",
        title=_("Victims by age and gender"),
        caption=_("Victims (one per case opened in the period) by age band and gender"),
        columns=[Column(_("Age"), "text"), *_gender_columns(), Column(_("Total"))],
        rows=rows if v.count else [],
        empty=_("No case was opened in this period."),
        chart=Chart(
            "bar",
            [r[0] for r in rows[:-1]],
            [(labels.gender(g), [r[1 + n] for r in rows[:-1]]) for n, g in enumerate(GENDERS)],
            _("Victims"),
            stacked=True,
        ),
    )


def under_table(d: Dashboard) -> Table:
    rows = [[_("Under %(age)d") % {"age": s.age}, Share(s.count, s.known)] for s in d.victims.under]
    known = d.victims.under[0].known if d.victims.under else 0
    return Table(
        name="under",
        title=_("Share of victims under each age"),
        caption=_("Victims under each age, of the victims whose age band is known"),
        columns=[Column(_("Age"), "text"), Column(_("Victims"), "share")],
        rows=rows if known else [],
        empty=_("No victim's age band is known in this period."),
        chart=Chart(
            "bar",
            [r[0] for r in rows],
            [(_("Share (%)"), [r[1].percent or 0 for r in rows])],
            _("Share (%)"),
        ),
    )


def victims_by_phenomenon_table(d: Dashboard) -> Table:
    v = d.victims
    rows = []
    totals = []
    for code in sorted(v.by_phenomenon, key=labels.phenomenon):
        per_band = v.by_phenomenon[code]
        total = 0
        for band in [*(b.code for b in v.bands), labels.UNKNOWN]:
            if band in per_band:
                n = sum(per_band[band].values())
                total += n
                rows.append(
                    [
                        labels.phenomenon(code),
                        labels.band(band, v.bands),
                        *(per_band[band].get(g, 0) for g in GENDERS),
                        n,
                    ]
                )
        totals.append((labels.phenomenon(code), total))
    return Table(
        name="victims-phenomena",
        title=_("Victims per phenomenon"),
        caption=_(
            "Victims per phenomenon by age band and gender (a case counts under each "
            "phenomenon of its items)"
        ),
        columns=[
            Column(_("Phenomenon"), "text"),
            Column(_("Age"), "text"),
            *_gender_columns(),
            Column(_("Total")),
        ],
        rows=rows,
        empty=_("No case was opened in this period."),
        chart=Chart(
            "bar",
            [t[0] for t in totals],
            [(_("Victims"), [t[1] for t in totals])],
            _("Victims"),
            horizontal=True,
        ),
    )


def schools_table(d: Dashboard) -> Table:
    levels = d.victims.school_levels
    order = [*CaseFacts.SchoolLevel.values, ""]
    rows = [[labels.school_level(code), levels[code]] for code in order if code in levels]
    return Table(
        name="school-levels",
        title=_("School level of minor victims"),
        caption=_("Victims under 18 by school level"),
        columns=[Column(_("School level"), "text"), Column(_("Victims"))],
        rows=rows,
        empty=_("No victim under 18 in this period."),
        chart=Chart(
            "bar",
            [r[0] for r in rows],
            [(_("Victims"), [r[1] for r in rows])],
            _("Victims"),
            horizontal=True,
        ),
    )


def sextortion_table(d: Dashboard) -> Table:
    rows = [
        [labels.gender(x.gender), x.victims, x.money, x.images, x.other] for x in d.victims.demands
    ]
    return Table(
        name="sextortion",
        title=_("Sextortion: what was demanded"),
        caption=_("Sextortion victims by gender and what was demanded (several demands can apply)"),
        columns=[
            Column(_("Gender"), "text"),
            Column(_("Victims")),
            Column(_("Money demanded")),
            Column(_("More images demanded")),
            Column(_("Something else demanded")),
        ],
        rows=rows,
        empty=_("No sextortion case was opened in this period."),
        chart=Chart(
            "bar",
            [r[0] for r in rows],
            [
                (_("Money"), [r[2] for r in rows]),
                (_("Images"), [r[3] for r in rows]),
                (_("Other"), [r[4] for r in rows]),
            ],
            _("Victims"),
        ),
    )


def grooming_table(d: Dashboard) -> Table:
    m = d.victims.meetings
    rows = [
        [_("A meeting was sought"), m.sought],
        [_("No meeting was sought"), m.not_sought],
        [_("Not known"), m.unknown],
    ]
    return Table(
        name="grooming",
        title=_("Grooming: meetings sought"),
        caption=_("Grooming victims by whether the offender sought a meeting"),
        columns=[Column(_("Meeting"), "text"), Column(_("Victims"))],
        rows=rows if m.victims else [],
        empty=_("No grooming case was opened in this period."),
        chart=Chart(
            "bar",
            [r[0] for r in rows],
            [(_("Victims"), [r[1] for r in rows])],
            _("Victims"),
            horizontal=True,
        ),
    )


# --- notices ---------------------------------------------------------------------------------


def notices_table(d: Dashboard) -> Table:
    rows = []
    for pk in d.platform_order(d.notices):
        n = d.notices[pk]
        rows.append(
            [
                d.platforms.get(pk, ""),
                n.sent,
                Share(n.acknowledged, n.sent),
                Share(n.decided, n.sent),
                Share(n.answered, n.sent),
                Share(n.removed, n.items),
            ]
        )
    return Table(
        name="notices",
        title=_("Notices per platform"),
        caption=_(
            "Notices sent in the period per platform: acknowledged, decided, answered, "
            "and items removed"
        ),
        columns=[
            Column(_("Platform"), "text"),
            Column(_("Notices sent")),
            Column(_("Acknowledged"), "share"),
            Column(_("Decided"), "share"),
            Column(_("Answered"), "share"),
            Column(_("Items removed"), "share"),
        ],
        rows=rows,
        empty=_("No notice was sent in this period."),
        chart=Chart(
            "bar",
            [r[0] for r in rows],
            [
                (_("Acknowledged"), [r[2].percent or 0 for r in rows]),
                (_("Decided"), [r[3].percent or 0 for r in rows]),
                (_("Items removed"), [r[5].percent or 0 for r in rows]),
            ],
            _("Share (%)"),
            horizontal=True,
        ),
    )


def actions_table(d: Dashboard) -> Table:
    rows = []
    for pk in d.platform_order(d.notices):
        n = d.notices[pk]
        if n.items:
            rows.append(
                [d.platforms.get(pk, ""), *(n.actions.get(a, 0) for a in actions.ACTIONS), n.items]
            )
    return Table(
        name="actions",
        title=_("Action taken on notified items"),
        caption=_(
            "Items of the notices sent in the period, per platform, by the platform's "
            "current action"
        ),
        columns=[
            Column(_("Platform"), "text"),
            *(Column(labels.action(a)) for a in actions.ACTIONS),
            Column(_("Total")),
        ],
        rows=rows,
        empty=_("No notice was sent in this period."),
        chart=Chart(
            "bar",
            [r[0] for r in rows],
            [(labels.action(a), [r[1 + n] for r in rows]) for n, a in enumerate(actions.ACTIONS)],
            _("Items"),
            stacked=True,
            horizontal=True,
        ),
    )


def _timing_table(
    d: Dashboard,
    name: str,
    title: str,
    caption: str,
    first: Column,
    keys: Sequence[Any],
    label: Callable[[Any], str],
    by_ack: dict,
    by_decision: dict,
) -> Table:
    rows = [
        [label(k), *_timing_cells(by_ack.get(k)), *_timing_cells(by_decision.get(k))] for k in keys
    ]
    return Table(
        name=name,
        title=title,
        caption=caption,
        columns=[
            first,
            Column(_("Acknowledgements")),
            Column(_("Hours to acknowledgement, median"), "hours"),
            Column(_("Hours to acknowledgement, 90%"), "hours"),
            Column(_("Decisions")),
            Column(_("Hours to decision, median"), "hours"),
            Column(_("Hours to decision, 90%"), "hours"),
        ],
        rows=rows,
        empty=_("No platform answered a notice sent in this period."),
        chart=Chart(
            "bar",
            [r[0] for r in rows],
            [
                (_("To acknowledgement, median"), [r[2] or 0 for r in rows]),
                (_("To decision, median"), [r[5] or 0 for r in rows]),
                (_("To decision, 90%"), [r[6] or 0 for r in rows]),
            ],
            _("Hours"),
            horizontal=True,
        ),
    )


def timing_platforms_table(d: Dashboard) -> Table:
    t = d.timings
    keys = d.platform_order({**t.acknowledgement_by_platform, **t.decision_by_platform})
    return _timing_table(
        d,
        "timing-platforms",
        _("Time to an answer per platform"),
        _("Hours from sending to the acknowledgement and to each item's decision, per platform"),
        Column(_("Platform"), "text"),
        keys,
        lambda k: d.platforms.get(k, ""),
        t.acknowledgement_by_platform,
        t.decision_by_platform,
    )


def timing_phenomena_table(d: Dashboard) -> Table:
    t = d.timings
    keys = sorted(
        {*t.acknowledgement_by_phenomenon, *t.decision_by_phenomenon},
        key=lambda k: labels.phenomenon(str(k)),
    )
    return _timing_table(
        d,
        "timing-phenomena",
        _("Time to an answer per phenomenon"),
        _("Hours from sending to the acknowledgement and to each item's decision, per phenomenon"),
        Column(_("Phenomenon"), "text"),
        keys,
        lambda k: labels.phenomenon(str(k)),
        t.acknowledgement_by_phenomenon,
        t.decision_by_phenomenon,
    )


def conduct_table(d: Dashboard) -> Table:
    rows = []
    for pk in d.platform_order(d.conduct):
        n = d.conduct[pk]
        rows.append(
            [
                d.platforms.get(pk, ""),
                n.sent,
                Share(n.reviewed_in_24h, n.sent),
                Share(n.removed, n.items),
                Share(n.answered, n.sent),
            ]
        )
    return Table(
        name="conduct",
        title=_("Code of Conduct on illegal hate speech"),
        caption=_(
            "Notices about hate speech sent in the period, per platform, as the EU Code "
            "of Conduct measures them"
        ),
        columns=[
            Column(_("Platform"), "text"),
            Column(_("Notices sent")),
            Column(_("Reviewed within 24 hours"), "share"),
            Column(_("Items removed"), "share"),
            Column(_("Feedback given"), "share"),
        ],
        rows=rows,
        empty=_("No notice about hate speech was sent in this period."),
        chart=Chart(
            "bar",
            [r[0] for r in rows],
            [
                (_("Reviewed within 24 hours"), [r[2].percent or 0 for r in rows]),
                (_("Items removed"), [r[3].percent or 0 for r in rows]),
                (_("Feedback given"), [r[4].percent or 0 for r in rows]),
            ],
            _("Share (%)"),
            horizontal=True,
        ),
    )


def quality_table(d: Dashboard) -> Table:
    rows = []
    for pk in d.platform_order(d.quality):
        q = d.quality[pk]
        rows.append(
            [
                d.platforms.get(pk, ""),
                q.notices,
                q.renotices,
                q.reminders,
                q.complaints,
                Share(q.refused_notices, q.notices + q.renotices),
                q.overdue_notices,
                q.overdue_items,
            ]
        )
    return Table(
        name="quality",
        title=_("Quality of our notices"),
        caption=_(
            "Per platform: notices and follow-ups sent in the period, refused notices, "
            "and what is past the expected response time today"
        ),
        columns=[
            Column(_("Platform"), "text"),
            Column(_("Notices")),
            Column(_("Re-notices")),
            Column(_("Reminders")),
            Column(_("Complaints (art. 20)")),
            Column(_("Refused notices"), "share"),
            Column(_("Notices past their SLA")),
            Column(_("Items past their SLA")),
        ],
        rows=rows,
        empty=_("No notice was sent in this period."),
        chart=Chart(
            "bar",
            [r[0] for r in rows],
            [
                (_("Re-notices"), [r[2] for r in rows]),
                (_("Refused notices"), [r[5].part for r in rows]),
                (_("Items past their SLA"), [r[7] for r in rows]),
            ],
            _("Count"),
            horizontal=True,
        ),
    )


# The dashboard's sections, in the page's order: (heading, tables).
SECTIONS: tuple[tuple[Any, tuple[Callable[[Dashboard], Table], ...]], ...] = (
    (gettext_lazy("Reports and items"), (months_table, years_table, phenomena_table)),
    (gettext_lazy("Channels and reporters"), (channels_table, roles_table)),
    (
        gettext_lazy("Victims"),
        (
            ages_table,
            under_table,
            victims_by_phenomenon_table,
            schools_table,
            sextortion_table,
            grooming_table,
        ),
    ),
    (
        gettext_lazy("Notices and platforms"),
        (notices_table, actions_table, timing_platforms_table, timing_phenomena_table),
    ),
    (gettext_lazy("Code of Conduct on illegal hate speech"), (conduct_table,)),
    (gettext_lazy("Quality"), (quality_table,)),
)
TABLES: dict[str, Callable[[Dashboard], Table]] = {
    build.__name__.removesuffix("_table").replace("_", "-"): build
    for _heading, builders in SECTIONS
    for build in builders
}


def build(name: str, d: Dashboard) -> Table:
    """The table ``name`` (a key of ``TABLES``) of ``d``, named as its CSV's address says."""
    table = TABLES[name](d)
    table.name = name
    return table


def build_sections(d: Dashboard) -> list[tuple[str, list[Table]]]:
    names = {builder: name for name, builder in TABLES.items()}
    return [
        (str(heading), [build(names[builder], d) for builder in builders])
        for heading, builders in SECTIONS
    ]
