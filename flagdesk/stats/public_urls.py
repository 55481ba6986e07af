"""Public statistics pages (no login): the open data of final annual reports."""

from django.urls import path

from . import annual_views

app_name = "opendata"

urlpatterns = [
    path("open-data/", annual_views.open_data_page, name="index"),
]
