"""Carrying a new report's receipt from the POST to the confirmation page, keeping nothing.

The receipt code is shown once and stored only hashed, yet the confirmation page
is a GET after a redirect (POST/redirect/GET: a reload must not send the report twice), so the
code has to travel between the two requests. It never goes in a URL (history, proxies and logs
keep URLs), and not in the session table either, where it would wait in clear for hours if the
page was never opened. It travels in the browser instead: a cookie encrypted with the field
keys (Fernet: readable by us only, and dated, so it is refused after a few minutes), HttpOnly,
SameSite=Strict, scoped to the confirmation page's path, and deleted when that page shows it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from cryptography.fernet import InvalidToken
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from flagdesk.core.crypto import fernet

COOKIE = "flagdesk_receipt"
# Long enough for a slow connection or a redirect held up by a proxy; a receipt never
# opened is unreadable (and gone from the browser) after this.
MAX_AGE_SECONDS = 10 * 60


@dataclass(frozen=True)
class Receipt:
    reference: str
    receipt_code: str
    # The phone line's receipt page also says the code aloud in the caller's language, and
    # whether it was mailed (``phone_views``); the public page leaves both empty.
    language: str = ""
    mailed: bool = False


DONE_ROUTE = "intake:report-done"


def _path(route: str) -> str:
    return reverse(route)


def _name() -> str:
    """Over HTTPS, ``__Secure-``: a cookie that only an HTTPS page can set (ASVS 5.0 3.3.1).
    ``__Host-`` would need Path=/, and this one stays on the confirmation page's path."""
    return f"__Secure-{COOKIE}" if settings.SESSION_COOKIE_SECURE else COOKIE


def give(response: HttpResponse, receipt: Receipt, *, route: str = DONE_ROUTE) -> None:
    """Attach ``receipt`` to ``response`` (the redirect to the confirmation page at
    ``route``, the only path the cookie is sent to)."""
    clear = json.dumps(
        {
            "reference": receipt.reference,
            "receipt_code": receipt.receipt_code,
            "language": receipt.language,
            "mailed": receipt.mailed,
        }
    )
    response.set_cookie(
        _name(),
        fernet().encrypt(clear.encode()).decode(),
        max_age=MAX_AGE_SECONDS,
        path=_path(route),
        secure=bool(settings.SESSION_COOKIE_SECURE),
        httponly=True,
        samesite="Strict",
    )


def read(request: HttpRequest) -> Receipt | None:
    """The receipt the browser brought, if it is ours and still fresh (the browser sends it
    only to the page whose path it was given for)."""
    token = request.COOKIES.get(_name())
    if token is None:
        return None
    try:
        data = json.loads(fernet().decrypt(token.encode(), ttl=MAX_AGE_SECONDS))
        return Receipt(
            reference=str(data["reference"]),
            receipt_code=str(data["receipt_code"]),
            language=str(data.get("language", "")),
            mailed=bool(data.get("mailed", False)),
        )
    except (InvalidToken, ValueError, KeyError, TypeError):
        return None  # expired, under a key no longer listed, or not ours: as if shown


def forget(request: HttpRequest, response: HttpResponse, *, route: str = DONE_ROUTE) -> None:
    """Make ``response`` delete the receipt: once shown (or stale), it is never shown again."""
    if _name() in request.COOKIES:
        response.delete_cookie(_name(), path=_path(route), samesite="Strict")
