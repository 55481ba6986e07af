"""Role checks shared by views (``role_required``) and the API (``require_role``).

``role_required`` is also the one record of who may open a page: it leaves the roles on the
view it wraps (``allowed_roles``), and the staff menu and in-page links ask the view through
``flagdesk.accounts.menu.may_open`` instead of keeping a second table of roles.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from flagdesk.core.errors import PermissionDenied

from .models import User

View = Callable[..., HttpResponse]
# Given the refused request and the view's arguments, a sentence saying why this user in
# particular may not open the page ("you wrote this assessment…"), or "" for the general one.
Explain = Callable[..., str]

ALLOWED_ROLES = "allowed_roles"


class RoleRefused(DjangoPermissionDenied):
    """A logged-in user whose role may not open the page; the 403 page names the roles."""

    def __init__(self, roles: Iterable[str], reason: str = "") -> None:
        super().__init__(reason)
        self.roles = tuple(roles)
        self.reason = reason


def role_required(*roles: str, explain: Explain | None = None) -> Callable[[View], View]:
    """Anonymous users go to the login page; logged-in users without the role get 403.

    ``explain(request, *args, **kwargs)`` may add a reason specific to the refused user.
    """

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not request.user.has_any_role(*roles):
                reason = explain(request, *args, **kwargs) if explain else ""
                raise RoleRefused(roles, reason)
            return view(request, *args, **kwargs)

        wrapper.allowed_roles = frozenset(roles)  # type: ignore[attr-defined]
        return wrapper

    return decorator


def allowed_roles(view: Callable[..., Any]) -> frozenset[str] | None:
    """The roles ``role_required`` lets into ``view``; None for a view it does not guard."""
    roles: frozenset[str] | None = getattr(view, ALLOWED_ROLES, None)
    return roles


def staff_user(request: HttpRequest) -> User:
    """``request.user`` as the staff ``User`` it is behind ``role_required`` or
    ``login_required`` (for the type checker; anonymous visitors never get this far)."""
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - the view's guard let only staff users in
    return user


def require_role(user: User, *roles: str) -> None:
    """Service-level guard: raises the API-mapped ``PermissionDenied``."""
    if not user.has_any_role(*roles):
        raise PermissionDenied(_("Your role does not allow this action."))
