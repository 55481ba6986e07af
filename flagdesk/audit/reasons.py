"""The reason a person gives before reading a victim's identity, description or evidence.

It goes into the audit trail next to who read what, so it must say something: a few words
("to call the reporter back about the second link"), not "x" or "ok". The same rule for the
reveal of a reporter's details and for the download of a kept file.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from flagdesk.core.errors import ValidationFailed

MIN_REASON = 12
MAX_REASON = 500


def stated_reason(text: str, *, missing: str) -> str:
    """The reason an audited decision records (a legal hold, an erasure, a change of access):
    ``text`` stripped, or ``ValidationFailed`` naming the ``reason`` field with ``missing``
    (what to write, in the caller's words) when empty, or when over ``MAX_REASON``."""
    reason = str(text).strip()
    if not reason:
        raise ValidationFailed(missing, fields={"reason": [_("Required.")]})
    if len(reason) > MAX_REASON:
        raise ValidationFailed(
            _("The reason can be at most %(limit)d characters.") % {"limit": MAX_REASON},
            fields={"reason": [_("Too long.")]},
        )
    return reason


def access_reason(text: str, *, too_short: str = "") -> str:
    """``text`` with its spaces folded, as ``stated_reason`` checks it, and saying something:
    a read of personal data needs more than "x" or "ok". ``too_short`` says what to write
    in the caller's words (with an example that fits what is being read)."""
    reason = stated_reason(" ".join(str(text).split()), missing=_("Say why you need to see this."))
    if len(reason) < MIN_REASON or len(set(reason.replace(" ", "").casefold())) < 4:
        raise ValidationFailed(
            too_short
            or _(
                "Say in a few words why you need to see this (for example: to call the "
                "reporter back about the second link); it is kept in the audit trail."
            ),
            fields={"reason": [_("Too short.")]},
        )
    return reason
