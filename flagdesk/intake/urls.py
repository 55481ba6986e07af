from django.urls import path

from . import views

app_name = "intake"
urlpatterns = [
    path("report", views.report, name="report"),
    path("report/done", views.report_done, name="report-done"),
    path("report/status", views.report_status, name="report-status"),
]
