from django.urls import path

from . import views

app_name = "organisation"
urlpatterns = [
    path("organisation", views.organisation, name="organisation-edit"),
    path("organisation/legal-bases/", views.legal_bases, name="legal-bases"),
]
