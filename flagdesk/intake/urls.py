from django.urls import path

from . import import_views, subject_views, views

app_name = "intake"
urlpatterns = [
    path("report", views.report, name="report"),
    path("report/done", views.report_done, name="report-done"),
    path("report/status", views.report_status, name="report-status"),
    # Spreadsheet imports (docs/intake.md).
    path("staff/import/", import_views.import_page, name="import"),
    path("staff/import/<uuid:import_id>/", import_views.import_detail, name="import-detail"),
    path(
        "staff/import/<uuid:import_id>/confirm",
        import_views.import_confirm,
        name="import-confirm",
    ),
    path(
        "staff/import/<uuid:import_id>/progress",
        import_views.import_progress,
        name="import-progress",
    ),
    # A coordinator's pages for data subjects' requests (GDPR arts 15 and 17).
    path("staff/data-subjects/", subject_views.subject_search, name="subject-search"),
    path("staff/data-subjects/request", subject_views.subject_request, name="subject-request"),
]
