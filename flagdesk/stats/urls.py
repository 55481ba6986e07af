from django.urls import path

from .tdb import views as tdb_views

app_name = "stats"

urlpatterns: list = [
    path("stats/transparency-database/", tdb_views.tdb, name="tdb"),
]
