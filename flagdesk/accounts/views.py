"""Staff login (logout is Django's own POST-only view)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse

from flagdesk.core.errors import RateLimited
from flagdesk.core.ratelimit import check_rate, parse_rate

from .forms import StaffLoginForm

LOGIN_RATE = "10/m"


class StaffLoginView(LoginView):
    template_name = "accounts/login.html"
    authentication_form = StaffLoginForm

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
