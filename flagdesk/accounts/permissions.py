"""Role checks shared by views (``role_required``) and the API (``require_role``)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from flagdesk.core.errors import PermissionDenied

from .models import User

View = Callable[..., HttpResponse]


def role_required(*roles: str) -> Callable[[View], View]:
    """Anonymous users go to the login page; logged-in users without the role get 403."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not request.user.has_any_role(*roles):
                raise DjangoPermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def require_role(user: User, *roles: str) -> None:
    """Service-level guard: raises the API-mapped ``PermissionDenied``."""
    if not user.has_any_role(*roles):
        raise PermissionDenied(_("Your role does not allow this action."))
