from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "flagdesk.cases"
    label = "cases"
    default_auto_field = "django.db.models.BigAutoField"
