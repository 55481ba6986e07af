from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    name = "flagdesk.matching"
    label = "matching"
    verbose_name = _("Matching")
    default_auto_field = "django.db.models.BigAutoField"
