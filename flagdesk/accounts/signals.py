"""Logins, failed logins and lock-outs in the audit trail (issue 11, point 5).

A failed login names the user name tried (folded and cut, as the lock-out counts it) and
never the password; the client's address is kept as its network (/24 or /48), enough to
see an attack from one place without keeping where each colleague works from.
"""

from __future__ import annotations

import time
from ipaddress import ip_network
from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from flagdesk.audit.services import record
from flagdesk.core.clientaddr import client_address

from .lockout import username as folded_username
from .services.sessions import LOGIN_AT


def client_network(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    address = client_address(request)
    try:
        prefix = 24 if ":" not in address else 48
        return str(ip_network(f"{address}/{prefix}", strict=False))
    except ValueError:
        return ""


@receiver(user_logged_in)
def on_login(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[LOGIN_AT] = time.time()
    record(
        "login.succeeded",
        actor=user,
        target=f"user:{user.pk}",
        data={"from": client_network(request)},
    )


@receiver(user_logged_out)
def on_logout(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record("logout", actor=user, target=f"user:{user.pk}")


@receiver(user_login_failed)
def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    name = folded_username(request, credentials) or ""  # type: ignore[arg-type]
    record(
        "login.failed",
        actor=None,
        target=f"username:{name}"[:100],
        data={"from": client_network(request)},
    )


@receiver(user_locked_out)
def on_locked_out(
    sender: Any, request: HttpRequest, username: str | None, ip_address: str | None, **kwargs: Any
) -> None:
    record(
        "login.locked_out",
        actor=None,
        target=f"username:{username or ''}"[:100],
        data={"from": client_network(request)},
    )
