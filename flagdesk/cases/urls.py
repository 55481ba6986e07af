from django.urls import path

from . import access_views, case_views, facts_views, legal_hold_views, views

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
    path("cases/<uuid:case_id>/", case_views.case_detail, name="case-detail"),
    path("cases/<uuid:case_id>/merge", case_views.case_merge, name="case-merge"),
    path("cases/<uuid:case_id>/split", case_views.case_split, name="case-split"),
    path("cases/<uuid:case_id>/notes", case_views.case_note, name="case-note"),
    path("cases/<uuid:case_id>/tasks", case_views.case_task, name="case-task"),
    path("cases/<uuid:case_id>/facts", facts_views.case_facts, name="case-facts"),
    path("tasks/<uuid:task_id>/done", case_views.task_done, name="task-done"),
    path("tasks/", case_views.my_tasks, name="my-tasks"),
]
