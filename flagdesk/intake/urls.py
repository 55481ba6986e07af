from django.urls import path

from . import subject_views, views

app_name = "intake"
urlpatterns = [
    path("report", views.report, name="report"),
    path("report/done", views.report_done, name="report-done"),
    path("report/status", views.report_status, name="report-status"),
    # A coordinator's pages for data subjects' requests (GDPR arts 15 and 17).
    path("staff/data-subjects/", subject_views.subject_search, name="subject-search"),
    path("staff/data-subjects/request", subject_views.subject_request, name="subject-request"),
]
