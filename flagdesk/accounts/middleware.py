"""Staff sessions: signed out after a while without a request, and no page before the
second factor (docs/security.md).

A session with only a password behind it may open the two-factor pages, log out and use the
public pages; every other page leads to setting up an authenticator (first login) or to
entering a code. The API is not concerned: it takes tokens, never sessions.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from .services.sessions import LOGIN_AT, session_ended
from .services.twofactor import has_second_factor

LAST_SEEN = "flagdesk.last_seen"
LAST_SEEN_PRECISION = 60  # seconds: idle time is measured to the minute
# Pages a session may open before its second factor (view names), and whole namespaces
# that never show staff data (the public report form and status page; the API's own auth).
BEFORE_SECOND_FACTOR = frozenset(
    {
        "accounts:login",
        "accounts:logout",
        "accounts:two-factor-setup",
        "accounts:two-factor-verify",
        "accounts:password-reset",
        "accounts:password-reset-done",
        "accounts:password-reset-confirm",
        "accounts:password-reset-complete",
        "set_language",
    }
)
PUBLIC_NAMESPACES = frozenset({"intake", "api"})


def idle_seconds() -> int:
    return int(settings.STAFF_IDLE_MINUTES) * 60


class StaffSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not request.path.startswith("/api/"):
            why = self.why_it_ended(request)
            if why:
                logout(request)
                messages.info(request, why)
                return redirect(_with_next(reverse("accounts:login"), request))
            # Written at most once a minute: a save per request would make every staff page
            # view a database write (on SQLite, the write lock).
            now = time.time()
            last = request.session.get(LAST_SEEN)
            if not isinstance(last, (int, float)) or now - last >= LAST_SEEN_PRECISION:
                request.session[LAST_SEEN] = now
        return self.get_response(request)

    @staticmethod
    def why_it_ended(request: HttpRequest) -> str:
        """Why this session is over ("" while it is not): idle too long, older than
        ``SESSION_COOKIE_AGE`` since its login (saving the session each request would
        otherwise push that limit forward for ever), or ended from elsewhere."""
        now = time.time()
        last = request.session.get(LAST_SEEN)
        if isinstance(last, (int, float)) and now - last > idle_seconds():
            return _("You were signed out after %(minutes)d minutes without activity.") % {
                "minutes": settings.STAFF_IDLE_MINUTES
            }
        login_at = request.session.get(LOGIN_AT)
        if isinstance(login_at, (int, float)) and now - login_at > settings.SESSION_COOKIE_AGE:
            return _("You were signed out %(hours)d hours after you logged in; log in again.") % {
                "hours": settings.SESSION_COOKIE_AGE // 3600
            }
        if session_ended(request.user, login_at):  # type: ignore[arg-type]
            return _(
                "You were signed out: your sessions were ended from another session "
                "or by an administrator."
            )
        return ""

    def process_view(
        self, request: HttpRequest, view: Any, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated or user.is_verified():  # type: ignore[union-attr]
            return None
        match = request.resolver_match
        if match is None or match.namespace in PUBLIC_NAMESPACES:
            return None
        if match.view_name in BEFORE_SECOND_FACTOR:
            return None
        target = (
            "accounts:two-factor-verify"
            if has_second_factor(user)  # type: ignore[arg-type]
            else "accounts:two-factor-setup"
        )
        return redirect(_with_next(reverse(target), request))


def _with_next(url: str, request: HttpRequest) -> str:
    if request.method != "GET":
        return url
    return f"{url}?{urlencode({'next': request.get_full_path()})}"
