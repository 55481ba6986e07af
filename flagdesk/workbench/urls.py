from django.urls import path

from . import views

app_name = "workbench"
urlpatterns = [
    path("workbench/", views.queue, name="queue"),
    path("workbench/search", views.search, name="search"),
    path("workbench/claim", views.claim, name="claim"),
    path("workbench/bulk", views.bulk, name="bulk"),
    path("workbench/assess", views.bulk_assess, name="bulk-assess"),
]
