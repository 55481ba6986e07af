"""Response headers every page and API answer gets: a strict Content-Security-Policy (no inline
script) and no caching of what we answer.

Staff pages, the reporter's status page and the API's answers (a 201 carries the receipt code)
hold victims' data: nothing between us and the reader, nor the browser's disk cache, may keep
them. Static files never reach this middleware (whitenoise answers them, with long caching).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        if "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "no-store"
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        return response


API_PREFIX = "/api/"


class ApiMethodNotAllowedMiddleware:
    """A method an API endpoint does not take answers in the API's error format.

    django-ninja answers it with a plain-text 405 before any of its exception handlers run;
    a partner's script should get ``{"error": {"code": ...}}`` like for every other refusal.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code == 405
            and request.path.startswith(API_PREFIX)
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            allowed = response.get("Allow", "")
            message = gettext("This endpoint does not accept %(method)s; it accepts %(allowed)s.")
            body = {
                "code": "method_not_allowed",
                "message": message % {"method": request.method, "allowed": allowed},
            }
            json = JsonResponse({"error": body}, status=405)
            json["Allow"] = allowed
            return json
        return response
