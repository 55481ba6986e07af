"""Tables of victims: age and gender, under each age, per phenomenon, school level,
sextortion demands, grooming meetings."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from flagdesk.cases.models import CaseFacts

from .. import labels
from ..figures.dashboard import Dashboard
from ..figures.victims import GENDERS
from .base import Chart, Column, Share, Table


def _gender_columns() -> list[Column]:
    return [Column(labels.gender(g)) for g in GENDERS]


def ages_table(d: Dashboard) -> Table:
    v = d.victims
    codes = [*(b.code for b in v.bands), labels.UNKNOWN]
    rows: list[list[Any]] = []
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
    rows: list[list[Any]] = []
    totals: list[tuple[str, int]] = []
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
        chart=Chart.bars(rows, _("Victims")),
    )


def sextortion_table(d: Dashboard) -> Table:
    rows: list[list[Any]] = [
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
    rows: list[list[Any]] = [
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
        chart=Chart.bars(rows, _("Victims")),
    )
