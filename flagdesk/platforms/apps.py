from django.apps import AppConfig


class PlatformsConfig(AppConfig):
    name = "flagdesk.platforms"
    label = "platforms"
    default_auto_field = "django.db.models.BigAutoField"
