"""Staff login, the landing after it, and the account page (logout is Django's POST view)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from flagdesk.core.errors import RateLimited
from flagdesk.core.ratelimit import check_rate, parse_rate

from .forms import StaffLoginForm
from .menu import landing_url, menu_for
from .models import Role, User

LOGIN_RATE = "10/m"


class StaffLoginView(LoginView):
    template_name = "accounts/login.html"
    authentication_form = StaffLoginForm

    def get_default_redirect_url(self) -> str:
        # Straight to the page the role can use, without a detour through the landing route.
        return landing_url(self.request.user)

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


@login_required
def account(request: HttpRequest) -> HttpResponse:
    """What this account is for; the landing of roles that open no staff page."""
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - login_required let only staff users in
    return render(
        request,
        "accounts/account.html",
        {
            "entries": menu_for(user),
            "is_partner": user.has_any_role(Role.PARTNER),
            "has_role": bool(user.role) and user.is_active,
        },
    )
