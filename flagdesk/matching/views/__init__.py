"""Staff pages of re-upload detection, one module per screen (S18): banks, entries, look-up,
and the item panel's actions. Each view: permission → parse → one service → render (S3).

The helpers here are the few things every screen needs from the request.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from flagdesk.accounts.models import User
from flagdesk.accounts.permissions import staff_user
from flagdesk.accounts.reauth import safe_next as allowed_next

# One guard for every view: the staff user behind role_required.
request_user = staff_user


def require(user: User, *roles: str) -> None:
    """403 for a second role check inside a view (a page readers open but only some may post)."""
    if not user.has_any_role(*roles):
        raise PermissionDenied


def safe_next(request: HttpRequest, default: str) -> str:
    """Where a button's form came from, if it is one of our pages; else ``default``."""
    return allowed_next(request, request.POST.get("next")) or default
