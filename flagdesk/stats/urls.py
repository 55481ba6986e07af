from django.urls import path

from . import views

app_name = "stats"

urlpatterns = [
    path("stats/annual-report/", views.annual_list, name="annual-list"),
    path("stats/annual-report/<int:year>/", views.annual_detail, name="annual-detail"),
    path(
        "stats/annual-report/<int:year>/finalise",
        views.annual_finalise,
        name="annual-finalise",
    ),
    path(
        "stats/annual-report/<int:year>/<str:fmt>",
        views.annual_download,
        name="annual-download",
    ),
]
