"""``flagdesk token revoke PREFIX``: the token stops working at once; audited."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from flagdesk.accounts.services import revoke_token
from flagdesk.core.errors import FlagdeskError


class Command(BaseCommand):
    help = "Revoke the API token whose prefix (shown by `flagdesk token list`) is given."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("prefix")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            row = revoke_token(options["prefix"], actor=None)
        except FlagdeskError as e:
            raise CommandError(str(e.message)) from e
        self.stdout.write(
            _("Revoked the token %(prefix)s… of %(user)s.")
            % {"prefix": row.prefix, "user": row.user.username}
        )
