"""``X-Flagdesk-Signature: sha256=<hex HMAC-SHA256 of the raw body>``, as platforms sign
their inbound answers (docs/api.md) and as partners sign referral callbacks (docs/partners.md).
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Flagdesk-Signature"


def signature(secret: str, body: bytes) -> str:
    """The header value for ``body`` signed with ``secret``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def is_signed(secret: str, body: bytes, header: str) -> bool:
    """Constant-time check; computed even without a secret, so timing tells nothing."""
    expected = signature(secret or "-", body)
    given = header.strip()
    return hmac.compare_digest(expected, given.lower()) and bool(secret)
