from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "flagdesk.audit"
    label = "audit"
    default_auto_field = "django.db.models.BigAutoField"
