from typing import Any

from django.core.management.base import BaseCommand, CommandError

from flagdesk.audit.services import verify_chain


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain; exit non-zero naming the first bad entry."

    def handle(self, *args: Any, **options: Any) -> None:
        check = verify_chain()
        if not check.is_intact:
            raise CommandError(
                f"audit chain broken at entry #{check.first_bad_seq}: {check.problem}"
            )
        self.stdout.write(f"audit chain intact: {check.checked} entries")
