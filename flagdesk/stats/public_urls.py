"""Public statistics pages (no login): the open data of final annual reports."""

from django.urls import path

from . import views

app_name = "opendata"

urlpatterns = [
    path("open-data/", views.open_data_page, name="index"),
]
