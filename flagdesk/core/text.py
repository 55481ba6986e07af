"""Checks on free text that every app stores."""

from __future__ import annotations


def is_storable(text: str) -> bool:
    """No NUL and no lone surrogate: neither can be stored in every database, encrypted or
    hashed, so input containing them is refused with a clear error instead of a 500."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
