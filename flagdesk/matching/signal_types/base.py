"""What every signal type is: a name, a canonical string form, a distance and a threshold.

One small ABC whose metadata lives on the class (as in python-threatexchange's ``SignalType``),
but without its four-way inheritance: the index is a separate object (``matching.index``) that a
signal type only names through ``index_kind``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar, Literal

IndexKind = Literal["hamming256", "exact", "frames"]


class InvalidSignal(ValueError):
    """A hash string that is not a valid value of its signal type (the message says why)."""


@dataclass(frozen=True)
class ComputedSignal:
    """One hash computed from one piece of media (or read from a file or a partner)."""

    signal_type: str
    value: str
    quality: int | None = None


class SignalType(ABC):
    """A kind of hash. Subclasses are stateless; all methods are class methods."""

    name: ClassVar[str]
    label: ClassVar[str]
    content_types: ClassVar[tuple[str, ...]]
    index_kind: ClassVar[IndexKind]
    # Largest distance that still counts as a match (0 for exact hashes).
    threshold: ClassVar[int] = 0
    # A hash whose quality is below this is shown but not trusted for matching.
    min_quality: ClassVar[int] = 0

    @classmethod
    @abstractmethod
    def validate(cls, value: str) -> str:
        """Return the canonical form of ``value`` or raise InvalidSignal."""

    @classmethod
    def distance(cls, a: str, b: str) -> int:
        """Distance between two canonical values; exact types compare for equality."""
        return 0 if a == b else 1

    @classmethod
    def is_trusted(cls, quality: int | None) -> bool:
        return quality is None or quality >= cls.min_quality

    @classmethod
    def matches(cls, a: str, b: str) -> bool:
        return cls.distance(a, b) <= cls.threshold


def hex_digest(value: str, *, length: int, what: str) -> str:
    """Canonical lower-case hex of exactly ``length`` digits, or InvalidSignal."""
    text = value.strip().lower()
    if len(text) != length:
        raise InvalidSignal(f"{what} must be {length} hexadecimal digits, got {len(text)}")
    try:
        int(text, 16)
    except ValueError:
        raise InvalidSignal(f"{what} must contain only hexadecimal digits") from None
    if not all(c in "0123456789abcdef" for c in text):
        raise InvalidSignal(f"{what} must contain only hexadecimal digits")
    return text
