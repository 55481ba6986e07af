"""Staff login and the landing after it (logout is Django's POST view).

A correct password opens a session that can do nothing yet but pass its second factor:
the login leads to entering a code (or to setting up an authenticator, the first time),
which then leads to the page asked for.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from flagdesk.core.errors import RateLimited
from flagdesk.core.ratelimit import check_rate, parse_rate

from ..forms import StaffLoginForm
from ..menu import landing_url
from ..services.twofactor import has_second_factor

LOGIN_RATE = "10/m"


class StaffLoginView(LoginView):
    template_name = "accounts/login.html"
    authentication_form = StaffLoginForm

    def get_default_redirect_url(self) -> str:
        # Straight to the page the role can use, without a detour through the landing route.
        return landing_url(self.request.user)

    def form_valid(self, form: Any) -> HttpResponse:
        super().form_valid(form)  # logs in; the session has no second factor yet
        user = self.request.user
        target = (
            "accounts:two-factor-verify" if has_second_factor(user) else "accounts:two-factor-setup"
        )
        nxt = self.get_redirect_url()
        url = reverse(target)
        return redirect(f"{url}?{urlencode({'next': nxt})}" if nxt else url)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # Guessing passwords costs a try per request; the window is shared by all processes.
        # Rate limits switched off as a whole (PUBLIC_RATE_LIMIT=off, as in tests) include this.
        rate = LOGIN_RATE if parse_rate(settings.PUBLIC_RATE_LIMIT)[0] else "off"
        try:
            check_rate(request, "login", rate)
        except RateLimited as e:
            # An unbound form: binding it would run authenticate(), the very work we refuse.
            form = self.get_form_class()(request)
            context = self.get_context_data(form=form, rate_limited=str(e.message))
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)


@login_required
def landing(request: HttpRequest) -> HttpResponse:
    """Where ``LOGIN_REDIRECT_URL`` and the brand link lead: the role's first page."""
    return redirect(landing_url(request.user))
