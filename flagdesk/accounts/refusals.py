"""The pages shown instead of Django's bare 403, 404 and 500 (wired in ``flagdesk/site/urls.py``).

Each says, in the reader's language, why the page did not open and where to go instead. The
500 page reads neither the database nor the session: the failure may be the database itself.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.urls import reverse

from .menu import landing_url
from .models import Role
from .permissions import RoleRefused


def _home_url(request: HttpRequest) -> str:
    user = request.user
    return landing_url(user) if user.is_authenticated else reverse("intake:report")


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """403: the roles the page is for and, when the view knows it, why not this user."""
    roles: tuple[str, ...] = ()
    reason = ""
    if isinstance(exception, RoleRefused):
        roles, reason = exception.roles, exception.reason
    context = {
        "allowed_roles": [Role(r).label for r in roles if r in Role.values],
        "reason": reason,
        "home_url": _home_url(request),
    }
    return render(request, "accounts/refused.html", context, status=403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "accounts/not_found.html", {"home_url": _home_url(request)}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """500 without context processors: they read the organisation (database) and the user."""
    html = loader.render_to_string(
        "accounts/server_error.html",
        {"ORG_NAME": settings.ORG_NAME, "home_url": reverse("intake:report")},
    )
    return HttpResponseServerError(html)
