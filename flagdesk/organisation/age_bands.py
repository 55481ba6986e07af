"""The published age bands (docs/statistics.md): built from the ages at which each band
starts (``Organisation.statistics_age_bands``), so "58 % under 14" and "47 % under 12" come
from the same recorded ages. Pure functions: the statistics, the settings page and its
preview all use them.

``[12, 14, 18]`` gives four bands: under 12, 12 to 13, 14 to 17, 18 and over.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from django.utils.translation import gettext as _

MIN_START, MAX_START = 1, 120
MAX_STARTS = 8


@dataclass(frozen=True)
class Band:
    """Ages ``low`` to ``high``, both included (``high`` None: no upper end)."""

    low: int
    high: int | None

    @property
    def label(self) -> str:
        """Translated when read, in the language active then."""
        if self.low == 0 and self.high is None:
            return _("all ages")
        if self.low == 0 and self.high is not None:
            return _("under %(age)d") % {"age": self.high + 1}
        if self.high is None:
            return _("%(age)d and over") % {"age": self.low}
        if self.low == self.high:
            return str(self.low)
        return _("%(low)d–%(high)d") % {"low": self.low, "high": self.high}  # noqa: RUF001

    @property
    def code(self) -> str:
        """A stable key for tables, CSV and JSON: ``0-11``, ``12-13``, ``18+``."""
        return f"{self.low}+" if self.high is None else f"{self.low}-{self.high}"

    def contains(self, age: int) -> bool:
        return age >= self.low and (self.high is None or age <= self.high)

    def __str__(self) -> str:
        return self.label


def bands(starts: Sequence[int]) -> list[Band]:
    """The bands that ``starts`` (strictly increasing, from 1) cut the ages into, youngest
    first: one before the first start, then one from each start to the next."""
    bounds = [0, *starts]
    return [
        Band(low, bounds[i + 1] - 1 if i + 1 < len(bounds) else None)
        for i, low in enumerate(bounds)
    ]


def band_of(age: int, starts: Sequence[int]) -> Band:
    """The band an age (in years) falls in."""
    return next(b for b in bands(starts) if b.contains(age))


# Intake's reporter age bands, by value (intake comes after organisation, S1; a test checks
# that every one of intake's codes is read here): "under-13", "13-17", "50+".
_UNDER = re.compile(r"^under-(\d+)$")
_RANGE = re.compile(r"^(\d+)-(\d+)$")
_FROM = re.compile(r"^(\d+)\+$")


def reporter_range(code: str) -> Band | None:
    """The ages a reporter's age band stands for; None for "unknown", empty or anything else."""
    if m := _UNDER.match(code):
        return Band(0, int(m[1]) - 1)
    if m := _RANGE.match(code):
        return Band(int(m[1]), int(m[2]))
    if m := _FROM.match(code):
        return Band(int(m[1]), None)
    return None


def band_of_reporter_guess(code: str, starts: Sequence[int]) -> Band | None:
    """The configured band that wholly contains a reporter's age band ("18-24" falls in "18
    and over"); None when it spans two bands ("13-17" with starts 12, 14, 18) or says
    nothing ("unknown"): such a guess cannot be counted in one band."""
    guess = reporter_range(code)
    if guess is None:
        return None
    for band in bands(starts):
        fits_top = band.high is None or (guess.high is not None and guess.high <= band.high)
        if band.low <= guess.low and fits_top:
            return band
    return None


def check_starts(starts: Sequence[object]) -> list[str]:
    """What is wrong with a list of band starts, in words (empty: nothing): whole numbers
    from 1 to 120, strictly increasing, one to eight of them."""
    problems = []
    if not starts:
        problems.append(_("Give at least one age at which a band starts."))
    if len(starts) > MAX_STARTS:
        problems.append(_("At most %(n)d ages: more bands than that cannot be published.")
                        % {"n": MAX_STARTS})  # fmt: skip
    numbers = [s for s in starts if isinstance(s, int) and not isinstance(s, bool)]
    if len(numbers) != len(starts):
        problems.append(_("Give whole numbers of years, such as 12, 14, 18."))
    elif any(not MIN_START <= s <= MAX_START for s in numbers):
        problems.append(
            _("Each age must be from %(low)d to %(high)d.") % {"low": MIN_START, "high": MAX_START}
        )
    elif any(b <= a for a, b in pairwise(numbers)):
        problems.append(_("Give the ages in increasing order, each once (12, 14, 18)."))
    return problems
