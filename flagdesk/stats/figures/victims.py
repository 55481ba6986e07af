"""Who the victims are: age band and gender per phenomenon, the share under each age, the
school level of minors, what sextortion demanded, whether grooming sought a meeting.

One victim per case. A case counts in the period of ``Case.created_at``, under each phenomenon
of its items (``Item.phenomenon``; a case with an NCII and a doxing item counts once under
each, and once in the totals); with a platform filter, only its items on that platform count.
Age: ``CaseFacts.victim_age`` in the organisation's bands, else the reporter's guess when it
lies wholly within one band, else unknown. Gender: ``CaseFacts.victim_gender``, else the
reporter's, else unknown. With several reports, the earliest one that gave a guess counts.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import CharField, Count, F, OuterRef, Q, QuerySet, Subquery

from flagdesk.cases.models import CaseFacts, Item
from flagdesk.intake.models import Report
from flagdesk.organisation import age_bands
from flagdesk.organisation.age_bands import Band
from flagdesk.organisation.queries import age_band_starts

from ..labels import UNKNOWN
from .period import Filters

GENDERS = (*CaseFacts.Gender.values, UNKNOWN)
MINOR_AGE = 18
SEXTORTION = "sextortion"
GROOMING = "grooming"


@dataclass(frozen=True)
class AgeShare:
    """ "``count`` of the ``known`` victims with a known age band were under ``age``"."""

    age: int
    count: int
    known: int

    @property
    def share(self) -> float | None:
        return self.count / self.known if self.known else None


@dataclass(frozen=True)
class Demands:
    """Sextortion victims of one gender and what was demanded of them (several can apply)."""

    gender: str
    victims: int
    money: int
    images: int
    other: int


@dataclass(frozen=True)
class Meetings:
    """Grooming victims: the offender sought a meeting, did not, or nobody knows."""

    victims: int = 0
    sought: int = 0
    not_sought: int = 0
    unknown: int = 0


@dataclass
class Victims:
    bands: list[Band]
    # band code -> gender -> victims, over every phenomenon (a case counts once).
    total: dict[str, dict[str, int]] = field(default_factory=dict)
    # phenomenon -> band code -> gender -> victims.
    by_phenomenon: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)
    under: list[AgeShare] = field(default_factory=list)
    school_levels: dict[str, int] = field(default_factory=dict)  # minors only; "" unknown
    demands: list[Demands] = field(default_factory=list)
    meetings: Meetings = field(default_factory=Meetings)

    @property
    def count(self) -> int:
        return sum(sum(g.values()) for g in self.total.values())

    def band_total(self, code: str) -> int:
        return sum(self.total.get(code, {}).values())

    def gender_total(self, gender: str) -> int:
        return sum(g.get(gender, 0) for g in self.total.values())


def _earliest_guess(field_name: str, unusable: tuple[str, ...]) -> Subquery:
    guesses = (
        Report.objects.filter(case=OuterRef("case_id"))
        .exclude(**{f"{field_name}__in": unusable})
        .order_by("created_at", "id")
        .values(field_name)[:1]
    )
    return Subquery(guesses, output_field=CharField())


# What each victim's band and gender are made of, grouped by the database: the victims
# sharing them are counted there, and only these few distinct combinations reach Python,
# which places them in bands (``_victim``). Each correlated subquery is written once per row,
# never repeated inside a CASE (PostgreSQL would run it once per branch).
RAW = ("age", "age_guess", "facts_gender", "gender_guess")


def victim_items(filters: Filters) -> QuerySet[Item]:
    """Items of the cases opened in the period, each with what its victim's band and gender
    come from (the case facts, the earliest report's guesses)."""
    items = Item.objects.filter(filters.during("case__created_at"))
    if filters.phenomenon:
        items = items.filter(phenomenon=filters.phenomenon)
    if filters.platform:
        items = items.filter(platform_id=filters.platform)
    return items.order_by().annotate(
        age=F("case__facts__victim_age"),
        facts_gender=F("case__facts__victim_gender"),
        age_guess=_earliest_guess("victim_age_band", ("", "unknown")),
        gender_guess=_earliest_guess("victim_gender", ("", "unknown")),
    )


def _victim(row: dict, bands: list[Band]) -> tuple[str, str]:
    """(band code, gender) of a grouped row: the facts first, then the reporter's guess."""
    starts = [b.low for b in bands if b.low > 0]
    if row["age"] is not None:
        band = age_bands.band_of(row["age"], starts).code
    else:
        guessed = age_bands.band_of_reporter_guess(row["age_guess"] or "", starts)
        band = guessed.code if guessed else UNKNOWN
    genders = CaseFacts.Gender.values
    if row["facts_gender"] in genders:
        gender = row["facts_gender"]
    elif row["gender_guess"] in genders:
        gender = row["gender_guess"]
    else:
        gender = UNKNOWN
    return band, gender


def _cases() -> Count:
    return Count("case_id", distinct=True)


def victims(filters: Filters, bands: list[Band] | None = None) -> Victims:
    """Every victim figure, in four queries (plus one for the bands when not given). A case
    has one set of raw values, so it is counted in exactly one grouped row: adding the rows
    that fall in the same band counts each victim once."""
    bands = bands if bands is not None else age_bands.bands(age_band_starts())
    items = victim_items(filters)
    result = Victims(bands=bands)
    minor_bands = {b.code for b in bands if b.high is not None and b.high < MINOR_AGE}

    total: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    levels: dict[str, int] = defaultdict(int)
    for row in items.values(*RAW, level=F("case__facts__school_level")).annotate(n=_cases()):
        band, gender = _victim(row, bands)
        total[band][gender] += row["n"]
        if band in minor_bands:
            levels[row["level"] or ""] += row["n"]
    result.total = {b: dict(g) for b, g in total.items()}
    result.school_levels = dict(levels)

    by_phenomenon: dict[str, dict[str, dict[str, int]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(int))
    )
    for row in items.values("phenomenon", *RAW).annotate(n=_cases()):
        band, gender = _victim(row, bands)
        by_phenomenon[row["phenomenon"] or ""][band][gender] += row["n"]
    result.by_phenomenon = {
        p: {b: dict(g) for b, g in per_band.items()} for p, per_band in by_phenomenon.items()
    }

    known = sum(result.band_total(b.code) for b in bands)
    result.under = [
        AgeShare(
            age=b.low,
            count=sum(
                result.band_total(o.code) for o in bands if o.high is not None and o.high < b.low
            ),
            known=known,
        )
        for b in bands
        if b.low > 0
    ]

    demands: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    rows = (
        items.filter(phenomenon=SEXTORTION)
        .values(*RAW)
        .annotate(
            victims=_cases(),
            money=Count("case_id", distinct=True, filter=Q(case__facts__demand_money=True)),
            images=Count("case_id", distinct=True, filter=Q(case__facts__demand_images=True)),
            other=Count("case_id", distinct=True, filter=Q(case__facts__demand_other=True)),
        )
    )
    for row in rows:
        _band, gender = _victim(row, bands)
        for n, key in enumerate(("victims", "money", "images", "other")):
            demands[gender][n] += row[key]
    result.demands = [Demands(g, *demands[g]) for g in GENDERS if g in demands]

    grooming = Item.objects.filter(filters.during("case__created_at"), phenomenon=GROOMING)
    if filters.platform:
        grooming = grooming.filter(platform_id=filters.platform)
    meetings = grooming.aggregate(
        victims=_cases(),
        sought=Count("case_id", distinct=True, filter=Q(case__facts__meeting_sought=True)),
        not_sought=Count("case_id", distinct=True, filter=Q(case__facts__meeting_sought=False)),
    )
    result.meetings = Meetings(
        victims=meetings["victims"],
        sought=meetings["sought"],
        not_sought=meetings["not_sought"],
        unknown=meetings["victims"] - meetings["sought"] - meetings["not_sought"],
    )
    return result
