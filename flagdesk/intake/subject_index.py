"""The blind index of reporters' emails and phones: how a data subject's reports are found.

Contact details are encrypted, so they cannot be searched; each report also keeps a keyed hash
(HMAC-SHA256 with ``settings.SUBJECT_INDEX_KEY``) of the normalised email and phone. Without
the key the hash tells nothing: a list of guessed addresses cannot be hashed and compared, as
it could with a plain hash. Kept free of other imports: migration 0002 uses it.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from django.conf import settings

_NOT_DIGITS = re.compile(r"\D")


def _keyed(kind: str, normal: str) -> str:
    if not normal:
        return ""
    key = str(settings.SUBJECT_INDEX_KEY).encode()
    return hmac.new(key, f"{kind}:{normal}".encode(), hashlib.sha256).hexdigest()


def normal_email(email: str) -> str:
    """Case does not matter to the people who type an address (nor, in practice, to mail
    servers), so ``A.B@Example.org`` and ``a.b@example.org`` are one subject."""
    return email.strip().lower()


def normal_phone(phone: str) -> str:
    """Digits only, with a leading ``+`` written as ``00``: ``+32 470 12.34.56`` and
    ``0032470123456`` are one number. A national form (``0470...``) stays a different one."""
    text = phone.strip()
    digits = _NOT_DIGITS.sub("", text)
    return f"00{digits}" if text.startswith("+") else digits


def email_index(email: str) -> str:
    return _keyed("email", normal_email(email))


def phone_index(phone: str) -> str:
    return _keyed("phone", normal_phone(phone))
