from django.urls import path

from . import views

app_name = "notices"
urlpatterns = [
    path("notices/", views.notice_list, name="notice-list"),
    path("notices/send/", views.notice_send, name="notice-send"),
    path("notices/<uuid:notice_id>/", views.notice_detail, name="notice-detail"),
]
