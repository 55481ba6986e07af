"""The user's own account: role, second factor, recovery codes, API tokens."""

from __future__ import annotations

import time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from flagdesk.core.errors import FlagdeskError

from ..menu import menu_for
from ..models import RecoveryCodes, Role
from ..permissions import staff_user
from ..reauth import recent_login_required
from ..services import revoke_token
from ..services.sessions import LOGIN_AT, end_sessions
from ..services.tokens import tokens_of
from ..services.twofactor import authenticator


@login_required
def account(request: HttpRequest) -> HttpResponse:
    """What this account is for; the landing of roles that open no staff page."""
    user = staff_user(request)
    recovery = RecoveryCodes.objects.filter(user=user).first()
    return render(
        request,
        "accounts/account.html",
        {
            "entries": menu_for(user),
            "is_partner": user.has_any_role(Role.PARTNER),
            "has_role": bool(user.role) and user.is_active,
            "authenticator": authenticator(user),
            "recovery_left": recovery.remaining() if recovery else 0,
            "tokens": tokens_of(user),
        },
    )


@require_POST
@login_required
@recent_login_required
def revoke_own_token(request: HttpRequest, prefix: str) -> HttpResponse:
    user = staff_user(request)
    try:
        revoke_token(prefix, actor=user, owner=user)
    except FlagdeskError as e:
        messages.error(request, str(e.message))
    else:
        messages.success(request, _("The token %(prefix)s… is revoked.") % {"prefix": prefix})
    return redirect("accounts:account")


@require_POST
@login_required
@recent_login_required
def end_other_sessions(request: HttpRequest) -> HttpResponse:
    """Sign out every other browser of this account (a lost laptop, a shared computer)."""
    user = staff_user(request)
    end_sessions(user, actor=user, reason="")
    # This session goes on: it counts as begun now.
    request.session[LOGIN_AT] = time.time()
    messages.success(request, _("Your other sessions are signed out."))
    return redirect("accounts:account")
