from django.urls import path

from . import views
from .views import follow_through, follow_ups, mail

app_name = "notices"
urlpatterns = [
    path("notices/", views.notice_list, name="notice-list"),
    path("notices/send/", views.notice_send, name="notice-send"),
    path("notices/mail/", mail.mail_list, name="mail-list"),
    path("notices/follow-up/", follow_through.follow_up_queue, name="follow-up-queue"),
    path("notices/quality/", follow_through.quality, name="quality"),
    path("notices/mail/<uuid:mail_id>/", mail.mail_detail, name="mail-detail"),
    path("notices/<uuid:notice_id>/", views.notice_detail, name="notice-detail"),
    path("notices/<uuid:notice_id>/follow-up", follow_ups.notice_follow_up, name="follow-up"),
    path("notices/<uuid:notice_id>/approve", follow_ups.notice_approve, name="approve"),
    path("notices/<uuid:notice_id>/submitted", follow_ups.notice_submitted, name="submitted"),
    path("notices/<uuid:notice_id>/lodged", follow_ups.notice_lodged, name="lodged"),
    path("notices/<uuid:notice_id>/document", follow_ups.notice_document, name="document"),
]
