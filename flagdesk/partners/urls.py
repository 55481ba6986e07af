from django.urls import path

from . import views

app_name = "partners"

urlpatterns = [
    path("partners/", views.partner_list, name="partner-list"),
    path("partners/add", views.partner_add, name="partner-add"),
    path("partners/<uuid:partner_id>/", views.partner_edit, name="partner-edit"),
    path(
        "partners/<uuid:partner_id>/secret",
        views.partner_rotate_secret,
        name="partner-secret-rotate",
    ),
    path("partners/<uuid:partner_id>/token", views.partner_token, name="partner-token-issue"),
    path("items/<uuid:item_id>/forward", views.item_forward, name="item-forward"),
    path("forwards/", views.forward_list, name="forward-list"),
]
