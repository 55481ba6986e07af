"""Ending a user's sessions everywhere, and telling users when their sign-in changes.

Sessions live in the database keyed by a random id, not by user, so ending "all sessions of
alice" marks the moment instead (``User.sessions_valid_from``); the middleware ends any session
that began earlier at its next request (ASVS 5.0 7.4.2, 7.4.5). A change to how someone signs
in is mailed to them, so a change they did not make does not go unnoticed (6.3.7).
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from flagdesk.audit.services import record

from ..models import User

LOGIN_AT = "flagdesk.login_at"


@transaction.atomic
def end_sessions(user: User, *, actor: User | None, reason: str = "") -> None:
    """End every session of ``user`` that began before now."""
    now = timezone.now()
    User.objects.filter(pk=user.pk).update(sessions_valid_from=now)
    user.sessions_valid_from = now
    record("user.sessions_ended", actor=actor, target=f"user:{user.pk}", reason=reason[:500])


def session_ended(user: User, login_at: object) -> bool:
    """Whether a session that began at ``login_at`` (a timestamp) was ended since."""
    if user.sessions_valid_from is None:
        return False
    if not isinstance(login_at, (int, float)):
        return True  # a session from before this rule: it began before any such moment
    return login_at < user.sessions_valid_from.timestamp()


def tell_sign_in_changed(user: User, what: str) -> None:
    """Mail ``user`` that ``what`` changed on their account (after the commit)."""
    if not user.email:
        return
    body = render_to_string(
        "accounts/mail/sign_in_changed.txt",
        {"user": user, "what": what, "when": timezone.now(), "base_url": settings.BASE_URL},
    )
    message = EmailMessage(
        _("Your flagdesk sign-in changed"), body, settings.DEFAULT_FROM_EMAIL, [user.email]
    )
    transaction.on_commit(lambda: message.send(fail_silently=True))
