"""Random public references and receipt codes (S9).

Crockford base32 leaves out I, L, O and U so a reference read over the phone survives.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _random_chars(n: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(n))


def new_reference(prefix: str = "R") -> str:
    """``R-7KQ3-M9XD``: 40 random bits, grouped for reading aloud."""
    return f"{prefix}-{_random_chars(4)}-{_random_chars(4)}"


def new_receipt_code() -> str:
    """A secret a reporter keeps to follow a report: 80 random bits in four groups."""
    return "-".join(_random_chars(4) for _ in range(4))


def normalise_code(code: str) -> str:
    """Accept lower case, spaces and the letters people confuse with digits."""
    cleaned = code.upper().replace(" ", "").replace("-", "")
    return cleaned.translate(str.maketrans("OIL", "011"))


def hash_receipt_code(code: str) -> str:
    """Receipt codes carry 80 random bits, so a plain SHA-256 cannot be brute-forced."""
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def receipt_code_matches(code: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_receipt_code(code), stored_hash)
