"""vPDQ: a video as a list of PDQ frame hashes (one per second), each with quality and time.

The canonical value is ThreatExchange's compact form: a JSON list of
``"<pdq hex>,<quality>,<seconds>"`` strings, so banks exchange with HMA unchanged. Two videos
match when at least 80% of the query's (trusted, distinct) frames are within PDQ distance 31 of
some frame of the known video (HMA's defaults); trimmed copies therefore still match.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import ClassVar

from .base import IndexKind, InvalidSignal, SignalType
from .pdq import Pdq, validate_quality

QUERY_MATCH_PERCENT = 80.0
MAX_FRAMES = 100_000


@dataclass(frozen=True)
class Frame:
    pdq: str
    quality: int
    timestamp: float

    def __str__(self) -> str:
        return f"{self.pdq},{self.quality},{self.timestamp:.3f}"


class Vpdq(SignalType):
    name = "vpdq"
    label = "vPDQ"
    content_types = ("video",)
    index_kind: ClassVar[IndexKind] = "frames"
    threshold = 31
    min_quality = 50

    @classmethod
    def frames(cls, value: str) -> list[Frame]:
        """Parse a value (canonical JSON list or one frame per line) into frames."""
        text = value.strip()
        if not text:
            raise InvalidSignal("a vPDQ hash needs at least one frame")
        if text.startswith("["):
            try:
                raw = json.loads(text)
            except ValueError:
                raise InvalidSignal("a vPDQ hash must be a JSON list of frame strings") from None
            if not isinstance(raw, list) or not all(isinstance(r, str) for r in raw):
                raise InvalidSignal("a vPDQ hash must be a JSON list of frame strings")
            parts = raw
        else:
            parts = [line for line in text.splitlines() if line.strip()]
        if not parts:
            raise InvalidSignal("a vPDQ hash needs at least one frame")
        if len(parts) > MAX_FRAMES:
            raise InvalidSignal(f"a vPDQ hash may have at most {MAX_FRAMES} frames")
        frames = []
        for number, part in enumerate(parts, start=1):
            fields = part.strip().split(",")
            if len(fields) != 3:
                raise InvalidSignal(f"frame {number}: expected 'pdq,quality,seconds'")
            try:
                pdq = Pdq.validate(fields[0])
                quality = validate_quality(fields[1])
                timestamp = float(fields[2])
            except (InvalidSignal, ValueError) as exc:
                raise InvalidSignal(f"frame {number}: {exc}") from None
            if not timestamp >= 0 or timestamp == float("inf"):
                raise InvalidSignal(f"frame {number}: the time must be a positive number")
            frames.append(Frame(pdq, quality, timestamp))
        return frames

    @classmethod
    def serialise(cls, frames: list[Frame]) -> str:
        return json.dumps([str(f) for f in frames])

    @classmethod
    def validate(cls, value: str) -> str:
        return cls.serialise(cls.frames(value))

    @classmethod
    def distance(cls, a: str, b: str) -> int:
        """Not a metric: 0 if the query ``a`` matches ``b`` by the frame rule, else 1."""
        share = frame_share(cls.frames(a), cls.frames(b))
        return 0 if share >= QUERY_MATCH_PERCENT else 1


def trusted_distinct(frames: list[Frame]) -> list[Frame]:
    """Frames used for matching: quality >= 50, each PDQ once (static scenes repeat)."""
    seen: set[str] = set()
    kept = []
    for frame in frames:
        if frame.quality >= Vpdq.min_quality and frame.pdq not in seen:
            seen.add(frame.pdq)
            kept.append(frame)
    return kept


def frame_share(query: list[Frame], known: list[Frame]) -> float:
    """Percentage of the query's trusted frames within PDQ distance of some known frame."""
    q = trusted_distinct(query)
    k = [int(f.pdq, 16) for f in trusted_distinct(known)]
    if not q or not k:
        return 0.0
    hits = sum(
        1 for f in q if any((int(f.pdq, 16) ^ other).bit_count() <= Vpdq.threshold for other in k)
    )
    return 100.0 * hits / len(q)
