"""PDQ: Meta's 256-bit perceptual image hash, in the standard 64-hex form.

Defaults are those of ThreatExchange/HMA: a match is a Hamming distance of at most 31, and a
hash whose quality is under 50 (flat or tiny images) is not trusted.
"""

from __future__ import annotations

from typing import ClassVar

from .base import IndexKind, InvalidSignal, SignalType, hex_digest

BITS = 256


class Pdq(SignalType):
    name = "pdq"
    label = "PDQ"
    content_types = ("image",)
    index_kind: ClassVar[IndexKind] = "hamming256"
    threshold = 31
    min_quality = 50

    @classmethod
    def validate(cls, value: str) -> str:
        return hex_digest(value, length=64, what="A PDQ hash")

    @classmethod
    def distance(cls, a: str, b: str) -> int:
        return (int(a, 16) ^ int(b, 16)).bit_count()

    @classmethod
    def to_bytes(cls, value: str) -> bytes:
        """The 32 bytes the index stores (big-endian, as the hex reads)."""
        return bytes.fromhex(value)


def validate_quality(quality: object) -> int:
    """A PDQ quality is an integer 0..100."""
    try:
        number = int(str(quality))
    except ValueError:
        raise InvalidSignal("quality must be a whole number from 0 to 100") from None
    if not 0 <= number <= 100:
        raise InvalidSignal("quality must be a whole number from 0 to 100")
    return number
