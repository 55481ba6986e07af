"""Staff pages of re-upload detection, one module per screen (S18): banks, entries, look-up,
and the item panel's actions. Each view: permission → parse → one service → render (S3).

The helpers here are the few things every screen needs from the request.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

from flagdesk.accounts.models import User


def request_user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - role_required let only staff users in
    return user


def require(user: User, *roles: str) -> None:
    """403 for a second role check inside a view (a page readers open but only some may post)."""
    if not user.has_any_role(*roles):
        raise PermissionDenied


def safe_next(request: HttpRequest, default: str) -> str:
    """Where a button's form came from, if it is one of our pages; else ``default``."""
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default
