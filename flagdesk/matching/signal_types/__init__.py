"""The registry of signal types: one place that names every kind of hash flagdesk knows."""

from __future__ import annotations

from .base import ComputedSignal, InvalidSignal, SignalType
from .exact import Md5, Sha256
from .pdq import Pdq
from .vpdq import Vpdq

SIGNAL_TYPES: dict[str, type[SignalType]] = {t.name: t for t in (Pdq, Vpdq, Md5, Sha256)}


def signal_type(name: str) -> type[SignalType]:
    """The signal type called ``name`` (case-insensitive), or InvalidSignal."""
    try:
        return SIGNAL_TYPES[name.strip().lower()]
    except KeyError:
        known = ", ".join(SIGNAL_TYPES)
        raise InvalidSignal(f"unknown signal type {name!r} (known: {known})") from None


__all__ = [
    "SIGNAL_TYPES",
    "ComputedSignal",
    "InvalidSignal",
    "Md5",
    "Pdq",
    "Sha256",
    "SignalType",
    "Vpdq",
    "signal_type",
]
