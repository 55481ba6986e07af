from django.urls import path

from . import statistics_views, support_line_views, views

app_name = "organisation"
urlpatterns = [
    path("organisation", views.organisation, name="organisation-edit"),
    path("organisation/legal-bases/", views.legal_bases, name="legal-bases"),
    # The age bands and smallest count of the published figures (docs/organisation.md).
    path(
        "organisation/statistics",
        statistics_views.statistics_settings,
        name="statistics-settings",
    ),
    # The support lines the public status and receipt pages recommend (docs/status-page.md).
    path("organisation/support-lines/", support_line_views.support_lines, name="support-lines"),
    path(
        "organisation/support-lines/add",
        support_line_views.support_line_add,
        name="support-line-add",
    ),
    path(
        "organisation/support-lines/<uuid:support_line_id>/",
        support_line_views.support_line_edit,
        name="support-line-edit",
    ),
]
