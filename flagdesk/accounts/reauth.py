"""Re-authentication before the most sensitive actions: exports, reveals of a victim's
details, and changes to who may do what (ASVS 5.0 V7.5: re-authentication before sensitive
operations).

The password and a second-factor code, entered at login or on the confirmation page, are
fresh for ``REAUTH_MINUTES``; after that such a page first asks for them again, then returns
to where the user was. A POST sent with a stale login is not carried out: the user confirms,
lands on the page they came from, and sends it again.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from .services.twofactor import AUTH_AT

View = Callable[..., HttpResponse]


def is_fresh(request: HttpRequest) -> bool:
    at = request.session.get(AUTH_AT)
    if not isinstance(at, (int, float)):
        return False
    return timezone.now().timestamp() - at <= int(settings.REAUTH_MINUTES) * 60


def safe_next(request: HttpRequest, candidate: str | None) -> str | None:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return None


def recent_login_required(view: View) -> View:
    """Ask for the password and a code again when the last ones are older than
    ``REAUTH_MINUTES``. Put it inside ``role_required`` so the role is checked first."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated and not is_fresh(request):
            if request.method == "GET":
                back = request.get_full_path()
            else:
                back = safe_next(request, request.headers.get("Referer")) or ""
            url = reverse("accounts:confirm")
            return redirect(f"{url}?{urlencode({'next': back})}" if back else url)
        return view(request, *args, **kwargs)

    wrapper.needs_recent_login = True  # type: ignore[attr-defined]
    return wrapper
