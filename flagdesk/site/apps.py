from django.apps import AppConfig


class SiteConfig(AppConfig):
    """The composition layer: it offers commands (worker, demo) and assembles the others."""

    name = "flagdesk.site"
    label = "site"
    default_auto_field = "django.db.models.BigAutoField"
