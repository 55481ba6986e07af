"""Password strength: zxcvbn's estimate, with its bundled lists of breached passwords.

Django's validators catch short passwords, the 20,000 most common ones and passwords close
to the user name or email. zxcvbn adds what they miss: passwords from breach corpora,
keyboard walks, l33t spellings, dates and names, each estimated as guesses. A score of 3
("safely unguessable: moderate protection from offline slow-hash scenario") is the floor for
accounts that open victims' files; the organisation's name counts as a guessable word.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from zxcvbn import zxcvbn

# zxcvbn's cost grows with length; a passphrase longer than this is strong by length alone.
MAX_CHECKED = 100


class StrengthValidator:
    def __init__(self, min_score: int = 3) -> None:
        self.min_score = min_score

    def validate(self, password: str, user: Any = None) -> None:
        hints = [settings.ORG_NAME, "flagdesk"]
        if user is not None:
            hints += [
                str(getattr(user, attr, "") or "")
                for attr in ("username", "email", "first_name", "last_name")
            ]
        result = zxcvbn(password[:MAX_CHECKED], user_inputs=[h for h in hints if h])
        if result["score"] < self.min_score:
            raise ValidationError(
                _(
                    "This password is too easy to guess (it resembles known or breached "
                    "passwords, names or patterns). Use a longer passphrase of unrelated words."
                ),
                code="password_too_weak",
            )

    def get_help_text(self) -> str:
        return _(
            "Use a long passphrase of unrelated words; known and breached passwords are refused."
        )
