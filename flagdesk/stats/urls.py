from django.urls import path

from . import annual_views, views
from .tdb import views as tdb_views

app_name = "stats"

urlpatterns = [
    path("stats/", views.dashboard_page, name="dashboard"),
    path("stats/tables/<slug:name>.csv", views.table_csv, name="table-csv"),
    path("stats/transparency-database/", tdb_views.tdb, name="tdb"),
    path("stats/annual-report/", annual_views.annual_list, name="annual-list"),
    path("stats/annual-report/<int:year>/", annual_views.annual_detail, name="annual-detail"),
    path(
        "stats/annual-report/<int:year>/finalise",
        annual_views.annual_finalise,
        name="annual-finalise",
    ),
    path(
        "stats/annual-report/<int:year>/<str:fmt>",
        annual_views.annual_download,
        name="annual-download",
    ),
]
