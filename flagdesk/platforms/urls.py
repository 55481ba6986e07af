"""The registry's own pages. Registering a platform, adding domains and importing also adopt
waiting items (cases), so those pages live in ``flagdesk.site``, under this same namespace."""

from django.urls import path

from . import views

app_name = "platforms"
urlpatterns = [
    path("platforms/", views.platform_list, name="platform-list"),
    path("platforms/export", views.platform_export, name="platform-export"),
    path("platforms/<uuid:platform_id>/edit", views.platform_edit, name="platform-edit"),
    path(
        "platforms/<uuid:platform_id>/hash-matching",
        views.platform_hash_matching,
        name="platform-hash-matching",
    ),
]
