from django.urls import path

from . import views

app_name = "platforms"
urlpatterns = [
    path("platforms/", views.platform_list, name="platform-list"),
    path("platforms/add", views.platform_add, name="platform-add"),
]
