"""URL groups that join apps' pages under the app's namespace."""

from __future__ import annotations

from django.urls import path

from flagdesk.cases import urls as case_urls
from flagdesk.platforms import urls as platform_urls

from . import views

# The registry's own pages, plus the three that adopt waiting items when they write it.
platforms = (
    [
        *platform_urls.urlpatterns,
        path("platforms/add", views.platform_add, name="platform-add"),
        path("platforms/import", views.platform_import, name="platform-import"),
        path(
            "platforms/<uuid:platform_id>/domains",
            views.platform_domains_add,
            name="platform-domains-add",
        ),
    ],
    platform_urls.app_name,
)

# The case pages, with the item page and the case page given the later apps' panels.
cases = (
    [
        path("items/<uuid:item_id>/", views.item_detail, name="item-detail"),
        path("cases/<uuid:case_id>/", views.case_detail, name="case-detail"),
        *(p for p in case_urls.urlpatterns if p.name not in ("item-detail", "case-detail")),
    ],
    case_urls.app_name,
)
