"""Creating users and API tokens, and authenticating tokens."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from flagdesk.audit.services import record
from flagdesk.core.errors import ValidationFailed

from .models import ApiToken, Role, User


@transaction.atomic
def add_user(
    username: str,
    *,
    role: str,
    email: str = "",
    password: str | None = None,
    actor: User | None = None,
) -> User:
    """Create a staff user with one role; without a password the account cannot log in yet."""
    if role not in Role.values:
        raise ValidationFailed(
            _("Unknown role %(role)s; choose one of: %(roles)s.")
            % {"role": role, "roles": ", ".join(Role.values)},
            fields={"role": [_("Unknown role.")]},
        )
    if User.objects.filter(username=username).exists():
        raise ValidationFailed(
            _("A user named %(username)s already exists.") % {"username": username},
            fields={"username": [_("Already taken.")]},
        )
    user = User.objects.create_user(username, email=email, password=password, role=role)
    record("user.created", actor=actor, target=f"user:{user.pk}", data={"role": role})
    return user


@transaction.atomic
def issue_token(user: User, *, name: str = "", actor: User | None = None) -> str:
    """Return a new bearer token; only its hash is kept, so this is the one chance to see it."""
    token = "fdk_" + secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user, name=name, prefix=token[:10], token_hash=ApiToken.hash(token)
    )
    record("token.issued", actor=actor or user, target=f"user:{user.pk}")
    return token


def user_for_token(token: str) -> User | None:
    """The active user owning an unrevoked token, or None."""
    if not token or len(token) > 200:
        return None
    row = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=ApiToken.hash(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if row is None:
        return None
    now = timezone.now()
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 300:
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.user
