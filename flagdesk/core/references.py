"""Random public references and receipt codes (S9).

Crockford base32 leaves out I, L, O and U so a reference read over the phone survives; on the
way back in, both references and receipt codes forgive what people type instead: lower case,
spaces, missing or extra dashes, O for 0, and I or L for 1 (Crockford's decoding rule). U stays
refused: Crockford gives it no meaning when decoding, so guessing a letter for it would only
lead to someone else's reference.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PREFIXES = frozenset("RCN")  # report, case, notice
_CONFUSED = str.maketrans("OIL", "011")
# Spaces of any kind and the dashes a word processor or PDF puts in place of "-".
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212]+")
_REFERENCE_BODY = re.compile(f"[{ALPHABET}]{{8}}")


def _random_chars(n: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(n))


def new_reference(prefix: str = "R") -> str:
    """``R-7KQ3-M9XD``: 40 random bits, grouped for reading aloud."""
    return f"{prefix}-{_random_chars(4)}-{_random_chars(4)}"


def normalise_reference(text: str, *, prefix: str | None = None) -> str | None:
    """``r 7kq3m9xd`` or ``R-7KQ3-M9XO`` -> ``R-7KQ3-M9X0``; None when it cannot be one.

    ``prefix`` restricts the kind (``"R"`` on the reporter's status page). The prefix letter is
    kept as typed (upper-cased): R, C and N are never confused with a digit.
    """
    cleaned = _SEPARATORS.sub("", text).upper()
    if len(cleaned) != 9:
        return None
    kind, body = cleaned[0], cleaned[1:].translate(_CONFUSED)
    if kind not in PREFIXES or (prefix is not None and kind != prefix):
        return None
    if not _REFERENCE_BODY.fullmatch(body):
        return None
    return f"{kind}-{body[:4]}-{body[4:]}"


def new_receipt_code() -> str:
    """A secret a reporter keeps to follow a report: 80 random bits in four groups."""
    return "-".join(_random_chars(4) for _ in range(4))


def normalise_code(code: str) -> str:
    """Accept lower case, spaces and the letters people confuse with digits."""
    return _SEPARATORS.sub("", code).upper().translate(_CONFUSED)


def hash_receipt_code(code: str) -> str:
    """Receipt codes carry 80 random bits, so a plain SHA-256 cannot be brute-forced."""
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def receipt_code_matches(code: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_receipt_code(code), stored_hash)
