"""When the database cannot be reached: a 503 to retry, never a 500 that looks like our bug.

A database restart or a network blip between web and database must read, for a partner's
script and for a person, as "try again in a minute" (spec: "Errors and availability"). The
API's handler answers JSON; this middleware answers HTML pages with a plain page that needs
no database (no context processors run: they would query it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

log = logging.getLogger(__name__)

# Errors Django raises when the connection is refused, lost or the database is locked.
DATABASE_AWAY = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


def unavailable_page(request: HttpRequest) -> HttpResponse:
    """The plain 503 page, in the request's language, with ``Retry-After``."""
    context = {"retry_after": RETRY_AFTER_SECONDS, "ORG_NAME": settings.ORG_NAME}
    body = render_to_string("core/unavailable.html", context)
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if not isinstance(exc, DATABASE_AWAY):
            return None
        log.warning("web.unavailable", extra={"error": type(exc).__name__})
        return unavailable_page(request)
