"""API tokens: issued with a scope and an expiry, listed by prefix, revoked, audited on use.

A token is 256 random bits shown once; only its SHA-256 is kept, and its first characters
(the prefix) name it in lists, the CLI and the audit trail. Its scope narrows what its user's
role allows (docs/api.md): ``read`` only reads, ``write`` does what the role does, ``intake``
and ``partner`` reach only the routes that accept them.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from flagdesk.audit.services import record
from flagdesk.core.errors import NotFound, ValidationFailed

from ..models import ApiToken, Role, TokenScope, User

PREFIX_LENGTH = 12
# How often a token's use is written down (last_used_at and a "token.used" audit entry): a
# script polling every second must not write a row per call.
USE_RECORD_SECONDS = 300
MAX_TOKEN_LENGTH = 200


def default_scope(user: User) -> str:
    """Partners' tokens reach the partner routes; staff tokens do what the role does."""
    return TokenScope.PARTNER if user.role == Role.PARTNER else TokenScope.WRITE


@transaction.atomic
def issue_token(
    user: User,
    *,
    name: str = "",
    actor: User | None = None,
    scope: str | None = None,
    expires_days: int | None = None,
) -> str:
    """Return a new bearer token; only its hash is kept, so this is the one chance to see it.

    ``expires_days``: None takes ``TOKEN_DAYS``; 0 makes a token that never expires (for a
    partner's server whose operator rotates it by hand; the list shows it).
    """
    scope = scope or default_scope(user)
    if scope not in TokenScope.values:
        raise ValidationFailed(
            _("Unknown scope %(scope)s; choose one of: %(scopes)s.")
            % {"scope": scope, "scopes": ", ".join(TokenScope.values)},
            fields={"scope": [_("Unknown scope.")]},
        )
    days = settings.TOKEN_DAYS if expires_days is None else expires_days
    if days < 0:
        raise ValidationFailed(
            _("A token's lifetime is a number of days, 0 for no expiry."),
            fields={"expires_days": [_("Not a number of days.")]},
        )
    token = "fdk_" + secrets.token_urlsafe(32)
    row = ApiToken.objects.create(
        user=user,
        name=name[:100],
        prefix=token[:PREFIX_LENGTH],
        token_hash=ApiToken.hash(token),
        scope=scope,
        expires_at=timezone.now() + timedelta(days=days) if days else None,
    )
    record(
        "token.issued",
        actor=actor or user,
        target=f"user:{user.pk}",
        data={"prefix": row.prefix, "scope": scope, "expires_days": days},
    )
    return token


def token_for(token: str) -> ApiToken | None:
    """The token row of an active user, usable or not (the caller says why it is refused)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    row = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=ApiToken.hash(token), user__is_active=True)
        .first()
    )
    if row is None or row.revoked_at is not None:
        return None
    return row


def note_use(row: ApiToken) -> None:
    """Record a token's use, at most once per ``USE_RECORD_SECONDS`` per token."""
    now = timezone.now()
    if (
        row.last_used_at is not None
        and (now - row.last_used_at).total_seconds() <= USE_RECORD_SECONDS
    ):
        return
    updated = ApiToken.objects.filter(pk=row.pk, last_used_at=row.last_used_at).update(
        last_used_at=now
    )
    if updated:  # one process of many records it
        record("token.used", actor=row.user, target=f"token:{row.prefix}")


def user_for_token(token: str) -> User | None:
    """The active user owning a usable token, or None."""
    row = token_for(token)
    if row is None or not row.is_usable:
        return None
    note_use(row)
    return row.user


@transaction.atomic
def revoke_token(prefix: str, *, actor: User | None, owner: User | None = None) -> ApiToken:
    """Revoke the token whose prefix is ``prefix`` (of ``owner`` when given); audited."""
    rows = ApiToken.objects.select_for_update().filter(prefix=prefix.strip())
    if owner is not None:
        rows = rows.filter(user=owner)
    found = list(rows[:2])
    if len(found) != 1:
        raise NotFound(_("No token with the prefix %(prefix)s.") % {"prefix": prefix})
    row = found[0]
    if row.revoked_at is None:
        row.revoked_at = timezone.now()
        row.save(update_fields=["revoked_at"])
        record(
            "token.revoked", actor=actor, target=f"token:{row.prefix}", data={"user": row.user_id}
        )
    return row


def tokens_of(user: User) -> list[ApiToken]:
    return list(ApiToken.objects.filter(user=user).order_by("-created_at"))
