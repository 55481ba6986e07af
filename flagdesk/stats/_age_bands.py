"""The organisation's age bands (``Organisation.statistics_age_bands``): a private stand-in for
``organisation/age_bands.py`` (``bands()``, ``band_of(age)``, ``band_of_reporter_guess(code)``)
until that module is merged; the statistics then import it instead.

Bands are given by the ages at which they start: [12, 14, 18] gives "under 12", "12 to 13",
"14 to 17" and "18 and over", with the codes ``0-11``, ``12-13``, ``14-17`` and ``18+``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from flagdesk.organisation.models import DEFAULT_AGE_BANDS, Organisation

UNKNOWN = "unknown"
# The reporter's guesses (``Report.AgeBand``) as ranges of years, both ends included.
REPORTER_GUESSES: dict[str, tuple[int, int | None]] = {
    "under-13": (0, 12),
    "13-17": (13, 17),
    "18-24": (18, 24),
    "25-34": (25, 34),
    "35-49": (35, 49),
    "50+": (50, None),
}


@dataclass(frozen=True)
class Band:
    code: str
    low: int  # the first age in the band
    high: int | None  # the last age in the band; None: no upper end

    @property
    def label(self) -> str:
        if self.low == 0 and self.high is not None:
            return _("Under %(age)d") % {"age": self.high + 1}
        if self.high is None:
            return _("%(age)d and over") % {"age": self.low}
        return _("%(low)d to %(high)d") % {"low": self.low, "high": self.high}


def bands(starts: list[int] | tuple[int, ...] | None = None) -> list[Band]:
    """The configured bands, youngest first; ``starts`` defaults to the organisation's."""
    if starts is None:
        row = Organisation.objects.order_by("pk").values_list("statistics_age_bands", flat=True)
        starts = row.first() or DEFAULT_AGE_BANDS
    edges = sorted({int(s) for s in starts if 0 < int(s) < 130})
    lows = [0, *edges]
    result = []
    for n, low in enumerate(lows):
        high = lows[n + 1] - 1 if n + 1 < len(lows) else None
        code = f"{low}+" if high is None else f"{low}-{high}"
        result.append(Band(code=code, low=low, high=high))
    return result


def band_of(age: int, configured: list[Band]) -> Band:
    return next(b for b in configured if b.low <= age and (b.high is None or age <= b.high))


def band_of_reporter_guess(code: str, configured: list[Band]) -> Band | None:
    """The configured band that wholly contains the reporter's guess, else ``None``: "13 to 17"
    says nothing about "under 14"."""
    if code not in REPORTER_GUESSES:
        return None
    low, high = REPORTER_GUESSES[code]
    band = band_of(low, configured)
    if band.high is None or (high is not None and high <= band.high):
        return band
    return None
