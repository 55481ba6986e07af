"""Second factor pages: set up an authenticator, enter a code, confirm before a sensitive
action, and new recovery codes."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..forms import CodeForm, ConfirmForm
from ..menu import landing_url
from ..permissions import staff_user
from ..reauth import is_fresh, recent_login_required, safe_next
from ..services import twofactor


def _next(request: HttpRequest) -> str:
    return safe_next(request, request.POST.get("next") or request.GET.get("next")) or ""


def _qr_data_uri(text: str) -> str:
    """The QR code as a ``data:`` SVG image (with its namespace, which a browser needs to
    draw it): drawn here, so no script and no outside service sees the secret."""
    return str(segno.make(text, error="m").svg_data_uri(scale=5, border=2, dark="#111"))


@login_required
def setup(request: HttpRequest) -> HttpResponse:
    """First login (or, with a fresh login, replacing a phone): scan, prove, keep the codes.

    A session that has not passed an existing second factor cannot set up another one:
    that would be a way around it.
    """
    user = staff_user(request)
    replacing = twofactor.has_second_factor(user)
    if replacing and not user.is_verified():  # type: ignore[attr-defined]
        return redirect("accounts:two-factor-verify")
    if replacing and not is_fresh(request):
        return redirect(f"{reverse('accounts:confirm')}?{urlencode({'next': request.path})}")
    device = twofactor.pending_setup(user) or twofactor.start_setup(user)
    form = CodeForm(request.POST or None)
    if form.is_valid():
        codes = twofactor.confirm_setup(user, device, form.cleaned_data["code"])
        if codes is not None:
            twofactor.mark_verified(request, device)
            return render(
                request,
                "accounts/recovery_codes.html",
                {"codes": codes, "next": _next(request) or landing_url(user), "first": True},
            )
        form.add_error(
            "code",
            _(
                "This code is not correct. Enter the code the app shows now (wait a few "
                "seconds after several tries)."
            ),
        )
    secret = device.secret_base32
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "qr": _qr_data_uri(device.config_url),
            "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
            "next": _next(request),
            "replacing": replacing,
        },
    )


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    if not twofactor.has_second_factor(user):
        return redirect("accounts:two-factor-setup")
    form = CodeForm(request.POST or None)
    if form.is_valid():
        device = twofactor.check_code(user, form.cleaned_data["code"])
        if device is not None:
            twofactor.mark_verified(request, device)
            return redirect(_next(request) or landing_url(user))
        form.add_error(
            "code",
            _(
                "This code is not correct. Enter the code the app shows now (wait a few "
                "seconds after several tries), or one of your recovery codes."
            ),
        )
    return render(
        request, "accounts/two_factor_verify.html", {"form": form, "next": _next(request)}
    )


@login_required
def confirm(request: HttpRequest) -> HttpResponse:
    """Password and a code again, before an export, a reveal or a change of access."""
    user = staff_user(request)
    form = ConfirmForm(request.POST or None)
    if form.is_valid():
        # authenticate() so that django-axes counts a wrong password like a failed login.
        same = authenticate(request, username=user.username, password=form.cleaned_data["password"])
        device = twofactor.check_code(user, form.cleaned_data["code"]) if same else None
        if same is not None and same.pk == user.pk and device is not None:
            twofactor.mark_verified(request, device)
            return redirect(_next(request) or landing_url(user))
        form.add_error(None, _("The password or the code is not correct."))
    context: dict[str, Any] = {
        "form": form,
        "next": _next(request),
        "minutes": settings.REAUTH_MINUTES,
    }
    return render(request, "accounts/confirm.html", context)


@require_POST
@login_required
@recent_login_required
def recovery_codes(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    codes = twofactor.new_recovery_codes(user)
    return render(
        request,
        "accounts/recovery_codes.html",
        {"codes": codes, "next": "", "first": False},
    )
