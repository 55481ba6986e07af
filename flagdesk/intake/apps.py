from django.apps import AppConfig
from django.core import checks


class IntakeConfig(AppConfig):
    name = "flagdesk.intake"
    label = "intake"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from .checks import intake_mailbox_check

        checks.register(intake_mailbox_check)
