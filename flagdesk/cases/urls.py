from django.urls import path

from . import access_views, legal_hold_views, views

app_name = "cases"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("reviews/", views.review_queue, name="review-queue"),
    path("approved/", views.approved, name="approved"),
    path("items/<uuid:item_id>/", views.item_detail, name="item-detail"),
    path("items/<uuid:item_id>/assess", views.item_assess, name="item-assess"),
    path(
        "assessments/<uuid:assessment_id>/review",
        views.assessment_review,
        name="assessment-review",
    ),
    path("reports/<uuid:report_id>/reveal", views.report_reveal, name="report-reveal"),
    path("items/<uuid:item_id>/platform", views.item_platform, name="item-platform"),
    path("items/<uuid:item_id>/identifiers", views.item_identifiers, name="item-identifiers"),
    path(
        "cases/<uuid:case_id>/legal-hold",
        legal_hold_views.case_legal_hold,
        name="case-legal-hold",
    ),
    path("cases/<uuid:case_id>/access", access_views.case_access, name="case-access"),
]
