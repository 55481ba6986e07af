from django.urls import include, path, re_path
from django.views.generic import RedirectView

from flagdesk.api import api, api_not_found
from flagdesk.site import urls as site_urls

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="intake:report", permanent=False), name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    re_path(r"^api/v1/.*$", api_not_found),
    path("", include("flagdesk.intake.urls")),
    path("", include("flagdesk.accounts.urls")),
    path("staff/", include("flagdesk.organisation.urls")),
    path("staff/", include("flagdesk.cases.urls")),
    path("staff/", include("flagdesk.matching.urls")),
    path("staff/", include("flagdesk.notices.urls")),
    path("staff/", include(site_urls.platforms)),
]
