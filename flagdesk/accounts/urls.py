from django.contrib.auth.views import LogoutView
from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("login", views.StaffLoginView.as_view(), name="login"),
    path("logout", LogoutView.as_view(), name="logout"),
    path("staff/start", views.landing, name="landing"),
    path("staff/account", views.account, name="account"),
]
