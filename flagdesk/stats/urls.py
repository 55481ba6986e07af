from django.urls import path

from . import views
from .tdb import views as tdb_views

app_name = "stats"

urlpatterns = [
    path("stats/", views.dashboard_page, name="dashboard"),
    path("stats/tables/<slug:name>.csv", views.table_csv, name="table-csv"),
    path("stats/transparency-database/", tdb_views.tdb, name="tdb"),
]
