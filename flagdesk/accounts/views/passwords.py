"""Passwords: reset by mail (also how an invited user chooses a first password), and change.

Django's views and tokens do the work: a reset link is valid ``PASSWORD_RESET_TIMEOUT``
seconds and only until the password changes, and the reset page answers the same whether
the address is known or not. A new password ends every other session of the account.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.http import HttpRequest, HttpResponse
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _

from flagdesk.audit.services import record
from flagdesk.core.errors import RateLimited
from flagdesk.core.ratelimit import check_rate

from ..models import User
from ..reauth import recent_login_required
from ..services.sessions import tell_sign_in_changed

RESET_RATE = "5/h"


class StaffPasswordResetForm(PasswordResetForm):
    def get_users(self, email: str) -> Any:
        # Invited accounts have no usable password yet; they may ask for a new link too.
        return (
            u
            for u in User.objects.filter(email__iexact=email, is_active=True)
            if u.email.casefold() == email.casefold()
        )


class PasswordResetView(auth_views.PasswordResetView):
    form_class = StaffPasswordResetForm
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/mail/password_reset.txt"
    subject_template_name = "accounts/mail/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password-reset-done")

    @property  # type: ignore[override]
    def extra_email_context(self) -> dict[str, str]:
        # The link names BASE_URL, never the request's Host header (which a forger chooses).
        return {"base_url": settings.BASE_URL.rstrip("/")}

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            check_rate(request, "password-reset", RESET_RATE)
        except RateLimited as e:
            form = self.get_form_class()()
            context = self.get_context_data(form=form, rate_limited=str(e.message))
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password-reset-complete")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        record("password.reset", actor=self.user, target=f"user:{self.user.pk}")
        tell_sign_in_changed(self.user, _("your password was reset with a link sent by mail."))
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


@method_decorator(recent_login_required, name="dispatch")
class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:account")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        record("password.changed", actor=self.request.user, target=f"user:{self.request.user.pk}")
        tell_sign_in_changed(self.request.user, _("your password was changed."))
        messages.success(self.request, _("Your password is changed."))
        return response
