"""Response headers every page and API answer gets besides the Content-Security-Policy (which
django-csp's middleware sets from ``settings.CONTENT_SECURITY_POLICY``): no caching of what we
answer, no browser feature a page of ours has no use for, no embedding by other sites.

Staff pages, the reporter's status page and the API's answers (a 201 carries the receipt code)
hold victims' data: nothing between us and the reader, nor the browser's disk cache, may keep
them. Static files never reach this middleware (whitenoise answers them, with long caching).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext

from .clientaddr import from_trusted_proxy

# Powerful features no flagdesk page uses, refused to the page and to anything it might embed:
# a script slipped in (or a compromised dependency) cannot film, listen, locate, pay, reach
# devices, or enrol the reader in interest-based advertising. Only names that Chromium, Firefox
# or Safari know: browsers report unknown ones on the console. Left at their defaults (same
# origin only): fullscreen, clipboard-write and publickey-credentials-*, which an evidence
# player, a "copy" button or a security-key second factor would need.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "clipboard-read",
        "display-capture",
        "encrypted-media",
        "gamepad",
        "geolocation",
        "gyroscope",
        "hid",
        "identity-credentials-get",
        "idle-detection",
        "interest-cohort",
        "local-fonts",
        "magnetometer",
        "microphone",
        "midi",
        "otp-credentials",
        "payment",
        "picture-in-picture",
        "screen-wake-lock",
        "serial",
        "speaker-selection",
        "storage-access",
        "usb",
        "window-management",
        "xr-spatial-tracking",
    )
)


class ForwardedProtoMiddleware:
    """``X-Forwarded-Proto`` counts only when a trusted proxy sent it.

    With ``FLAGDESK_TRUSTED_PROXIES`` set, Django believes ``X-Forwarded-Proto: https``
    (``SECURE_PROXY_SSL_HEADER``) to tell a request that reached the proxy over HTTPS, which
    decides the HTTPS redirect, HSTS and the CSRF referer check. Django believes it from any
    peer; this drops it, first thing, from a request that did not come through such a proxy.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "HTTP_X_FORWARDED_PROTO" in request.META and not from_trusted_proxy(request):
            del request.META["HTTP_X_FORWARDED_PROTO"]
        return self.get_response(request)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "no-store"
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        # No other site may load our answers as an image, script or media (a thumbnail of
        # evidence read cross-site, or a side channel on it); partners call the API from servers.
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
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
