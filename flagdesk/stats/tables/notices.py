"""Tables of notices and platforms: rates, actions, answer times, the Code of Conduct and
quality."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.utils.translation import gettext as _

from .. import actions, labels
from ..figures.dashboard import Dashboard
from .base import Chart, Column, Share, Table, timing_cells


def notices_table(d: Dashboard) -> Table:
    rows: list[list[Any]] = []
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
    rows: list[list[Any]] = []
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
    rows: list[list[Any]] = [
        [label(k), *timing_cells(by_ack.get(k)), *timing_cells(by_decision.get(k))] for k in keys
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
    rows: list[list[Any]] = []
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
    rows: list[list[Any]] = []
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
