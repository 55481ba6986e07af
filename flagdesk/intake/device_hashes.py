"""Fingerprints (hashes) of a picture that the reporter computed on their own device.

The public form hashes the picture in the browser and sends only the hashes ("signals"),
so the picture never leaves the reporter's device (docs/victims.md). The API takes the same
list. Two steps, each with messages in the reporter's language:

- ``read_signals`` reads the JSON shape (a list of objects with text values) and refuses a
  list over ``MAX_SIGNALS`` before looking at any entry, so thousands cost nothing;
- ``check_signals`` decides what is kept: known types, well-formed hex of the right length,
  a quality from 0 to 100, a PDQ good enough to be found again; duplicates are collapsed.

``submit_report`` calls the second, so every channel is held to the same rules. The messages
of ``matching.signal_types.InvalidSignal`` are developers' English: not shown to reporters.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from flagdesk.matching.signal_types import ComputedSignal, Md5, Pdq, Sha256

# Device hashing is for pictures: PDQ plus the two exact hashes of the file's bytes. Video
# hashing (vPDQ) is not offered on the device; a video is uploaded instead.
DEVICE_TYPES = {Pdq.name: 64, Md5.name: 32, Sha256.name: 64}
SIGNALS_PER_PICTURE = len(DEVICE_TYPES)
MAX_PICTURES = 10
MAX_SIGNALS = MAX_PICTURES * SIGNALS_PER_PICTURE
HEX_DIGITS = frozenset("0123456789abcdef")
FIELD = "signals"


def _too_many(count: int) -> str:
    return _(
        "A report can carry the fingerprints of at most %(pictures)d pictures "
        "(%(limit)d fingerprints); this one has %(count)d. Send the other pictures "
        "in another report."
    ) % {"pictures": MAX_PICTURES, "limit": MAX_SIGNALS, "count": count}


def read_signals(raw: Any) -> tuple[list[ComputedSignal], list[str]]:
    """The signals of a JSON body (``None``: none given), and the problems with its shape.

    Types and values are taken as given (``check_signals`` judges them); a quality must be a
    whole number or null.
    """
    if raw is None:
        return [], []
    if not isinstance(raw, list):
        return [], [_("Send the fingerprints as a list of objects, each with a type and a value.")]
    if len(raw) > MAX_SIGNALS:
        return [], [_too_many(len(raw))]
    signals: list[ComputedSignal] = []
    problems: list[str] = []
    for number, entry in enumerate(raw, start=1):
        if not isinstance(entry, dict):
            problems.append(
                _("Fingerprint %(n)d must be an object with a type and a value.") % {"n": number}
            )
            continue
        kind, value, quality = entry.get("type"), entry.get("value"), entry.get("quality")
        if not isinstance(kind, str) or not isinstance(value, str):
            problems.append(
                _("Fingerprint %(n)d needs a type and a value, both written as text.")
                % {"n": number}
            )
            continue
        if quality is not None and (isinstance(quality, bool) or not isinstance(quality, int)):
            problems.append(_quality_problem(number))
            continue
        signals.append(ComputedSignal(kind, value, quality))
    return signals, problems


def _quality_problem(number: int) -> str:
    return _("The quality of fingerprint %(n)d must be a whole number from 0 to 100.") % {
        "n": number
    }


def _problem(number: int, s: ComputedSignal) -> str | None:
    """What is wrong with one signal, in words for the reporter; None when it is fine."""
    kind = s.signal_type.strip().lower()
    length = DEVICE_TYPES.get(kind)
    if length is None:
        return _(
            "Fingerprint %(n)d is of a type we do not take from a device; the types are "
            "pdq, md5 and sha256. Videos cannot be fingerprinted on the device: upload them "
            "with the report form instead."
        ) % {"n": number}
    value = s.value.strip().lower()
    if not value or not set(value) <= HEX_DIGITS:
        return _(
            "Fingerprint %(n)d (%(type)s) must be written in hexadecimal digits (0-9 and a-f)."
        ) % {"n": number, "type": kind}
    if len(value) != length:
        return _(
            "Fingerprint %(n)d (%(type)s) must have %(length)d hexadecimal digits; it has "
            "%(count)d."
        ) % {"n": number, "type": kind, "length": length, "count": len(value)}
    if kind != Pdq.name:
        return None
    if s.quality is None:
        # Without its quality a weak PDQ (a flat or tiny picture) would match far too much.
        return _(
            "Picture fingerprint %(n)d (pdq) needs its quality, a whole number from 0 to 100, "
            "as the hashing computes it."
        ) % {"n": number}
    if not 0 <= s.quality <= 100:
        return _quality_problem(number)
    if not Pdq.is_trusted(s.quality):
        return _(
            "Picture fingerprint %(n)d is too plain to be found reliably: its quality is "
            "%(quality)d of 100 and we need at least %(minimum)d. Pictures that are mostly "
            "one colour, very dark or very small give weak fingerprints. Choose a sharper, "
            "more detailed version of the picture, or give the web address where it appears."
        ) % {"n": number, "quality": s.quality, "minimum": Pdq.min_quality}
    return None


def check_signals(signals: Sequence[ComputedSignal]) -> tuple[list[ComputedSignal], list[str]]:
    """The signals to keep (canonical lower-case hex, each once, in the order given) and the
    problems, one message per faulty signal. Any problem means nothing may be kept."""
    if len(signals) > MAX_SIGNALS:
        return [], [_too_many(len(signals))]
    kept: list[ComputedSignal] = []
    seen: set[tuple[str, str]] = set()
    problems: list[str] = []
    for number, s in enumerate(signals, start=1):
        problem = _problem(number, s)
        if problem is not None:
            problems.append(problem)
            continue
        kind, value = s.signal_type.strip().lower(), s.value.strip().lower()
        if (kind, value) in seen:
            continue
        seen.add((kind, value))
        # The quality says how much a perceptual hash can be trusted; an exact hash has none.
        kept.append(ComputedSignal(kind, value, s.quality if kind == Pdq.name else None))
    return ([], problems) if problems else (kept, [])


def picture_count(signals: Sequence[ComputedSignal]) -> int:
    """How many pictures the signals stand for: one per PDQ (a picture without one, counted by
    its SHA-256), as the form sends one of each per picture."""
    pdq = sum(1 for s in signals if s.signal_type == Pdq.name)
    return pdq or sum(1 for s in signals if s.signal_type == Sha256.name)
