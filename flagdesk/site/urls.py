"""The site's URLs: every app's pages and the API, assembled (S1b)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from flagdesk.accounts import refusals

from . import audit_trail
from .api import api, api_not_found, internal_error
from .url_groups import cases, platforms

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="intake:report", permanent=False), name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    re_path(r"^api/v1/.*$", api_not_found),
    path("", include("flagdesk.intake.urls")),
    path("", include("flagdesk.accounts.urls")),
    path("", include("flagdesk.stats.public_urls")),
    path("staff/", include("flagdesk.organisation.urls")),
    path("staff/", include(cases)),
    path("staff/", include("flagdesk.workbench.urls")),
    path("staff/", include("flagdesk.matching.urls")),
    path("staff/", include("flagdesk.notices.urls")),
    path("staff/", include("flagdesk.monitoring.urls")),
    path("staff/", include(platforms)),
    path("staff/", include("flagdesk.partners.urls")),
    path("staff/", include("flagdesk.stats.urls")),
    path("staff/", include(audit_trail.urls)),
]

API_PREFIX = "/api/v1/"


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


# Styled pages in the reader's language; under /api/v1/ the API's JSON error format instead.
handler403 = refusals.forbidden


def handler404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return api_not_found(request)
    return refusals.not_found(request, exception)


def handler500(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return internal_error(request)
    return refusals.server_error(request)
