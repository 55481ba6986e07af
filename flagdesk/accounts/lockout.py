"""django-axes hooks: who a failed login counts against, and what a locked-out user sees.

A failed login counts against the user name and, separately, against the client's address
(seen through ``TRUSTED_PROXIES`` only, so a forged ``X-Forwarded-For`` cannot spread one
attacker over many buckets); either reaching ``LOGIN_FAILURE_LIMIT`` refuses logins for
``LOGIN_LOCKOUT_MINUTES``. The refusal is our login page with a 429, in the user's language.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from flagdesk.core.clientaddr import client_address

from .forms import StaffLoginForm

MAX_USERNAME = 150


def client_ip(request: HttpRequest) -> str:
    return client_address(request)


def fold(name: str) -> str:
    """A user name as the lock-out counts it: ``Alice`` and ``alice`` share one counter."""
    return name.strip().casefold()[:MAX_USERNAME]


def username(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """The user name a login tried, folded (``fold``)."""
    value = (credentials or {}).get("username")
    if value is None and request is not None and request.method == "POST":
        value = request.POST.get("username")
    if not isinstance(value, str):
        return None
    return fold(value) or None


def lockout_message() -> str:
    minutes = round(float(settings.AXES_COOLOFF_TIME) * 60)
    return _(
        "Too many failed logins for this account or from this address. Try again in "
        "%(minutes)d minutes, or ask an administrator to unlock the account."
    ) % {"minutes": minutes}


def locked_out(request: HttpRequest, credentials: dict[str, Any] | None = None) -> HttpResponse:
    return render(
        request,
        "accounts/login.html",
        {"form": StaffLoginForm(request), "rate_limited": lockout_message()},
        status=429,
    )
