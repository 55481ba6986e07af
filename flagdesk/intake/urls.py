from django.urls import path

from . import (
    consent_views,
    hub_views,
    import_views,
    mail_views,
    phone_views,
    picture_views,
    reporter_views,
    subject_views,
    views,
)

app_name = "intake"
urlpatterns = [
    path("report", views.report, name="report"),
    path("report/done", views.report_done, name="report-done"),
    path("report/status", views.report_status, name="report-status"),
    # Pictures hashed on the reporter's device, and the consent to keep looking for them.
    path("report/picture", picture_views.report_picture, name="report-picture"),
    path("report/status/bank-consent", consent_views.bank_consent, name="report-bank-consent"),
    # The Intake hub: phone report, intake mailbox and spreadsheet import on one page.
    path("staff/intake/", hub_views.intake_hub, name="intake-hub"),
    # The phone line: an intake officer takes a report during a call, then reads the receipt.
    path("staff/intake/phone/", phone_views.phone_report, name="phone-report"),
    path("staff/intake/phone/receipt", phone_views.phone_receipt, name="phone-receipt"),
    # A case's contact log: calls, mails, meetings, referrals to the police or a support service.
    path("staff/cases/<uuid:case_id>/contacts", phone_views.case_contacts, name="case-contacts"),
    path(
        "staff/cases/<uuid:case_id>/contacts/<uuid:contact_id>/reveal",
        phone_views.contact_reveal,
        name="contact-reveal",
    ),
    # Mails to a case's reporters (docs/reporter-mails.md): write one, send a failed one
    # again, stop waiting for the answer to a request for more information.
    path(
        "staff/cases/<uuid:case_id>/reports/<uuid:report_id>/write",
        reporter_views.reporter_write,
        name="reporter-write",
    ),
    path(
        "staff/cases/<uuid:case_id>/reporter-mails/<uuid:reporter_mail_id>/again",
        reporter_views.reporter_mail_again,
        name="reporter-mail-again",
    ),
    path(
        "staff/cases/<uuid:case_id>/info-requests/<uuid:info_request_id>/close",
        reporter_views.info_request_close,
        name="info-request-close",
    ),
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
    # The intake mailbox: mails from the public as draft reports (docs/intake.md, "Email").
    path("staff/mailbox/", mail_views.mail_intake_list, name="mail-intake-list"),
    path(
        "staff/mailbox/<uuid:mailed_report_id>/",
        mail_views.mail_intake_detail,
        name="mail-intake-detail",
    ),
    path("staff/data-subjects/request", subject_views.subject_request, name="subject-request"),
]
