from django.urls import path

from . import views

app_name = "monitoring"
urlpatterns = [
    path("rechecks/", views.rechecks, name="rechecks"),
    path("cases/<uuid:case_id>/bundle", views.case_bundle, name="case-bundle"),
    path("items/<uuid:item_id>/recheck", views.item_check, name="item-check"),
    path("items/<uuid:item_id>/capture", views.item_capture, name="item-capture"),
    path("items/<uuid:item_id>/recheck/confirm", views.item_confirm, name="item-confirm"),
    path("evidence/<uuid:file_id>/preview", views.file_preview, name="file-preview"),
    path("evidence/<uuid:file_id>/reveal", views.file_reveal, name="file-reveal"),
    path("evidence/<uuid:file_id>/download", views.file_download, name="file-download"),
]
