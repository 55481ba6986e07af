from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkbenchConfig(AppConfig):
    name = "flagdesk.workbench"
    label = "workbench"
    verbose_name = _("Workbench")
    default_auto_field = "django.db.models.BigAutoField"
