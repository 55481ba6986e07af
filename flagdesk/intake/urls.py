from django.urls import path

from . import mail_views, subject_views, views

app_name = "intake"
urlpatterns = [
    path("report", views.report, name="report"),
    path("report/done", views.report_done, name="report-done"),
    path("report/status", views.report_status, name="report-status"),
    # A coordinator's pages for data subjects' requests (GDPR arts 15 and 17).
    path("staff/data-subjects/", subject_views.subject_search, name="subject-search"),
    # The intake mailbox: mails from the public as draft reports (docs/intake.md, "Email").
    path("staff/mailbox/", mail_views.mail_intake_list, name="mail-intake-list"),
    path(
        "staff/mailbox/<uuid:mailed_report_id>/",
        mail_views.mail_intake_detail,
        name="mail-intake-detail",
    ),
    path("staff/data-subjects/request", subject_views.subject_request, name="subject-request"),
]
