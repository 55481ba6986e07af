"""``flagdesk token list [--user NAME] [--all]``: API tokens by prefix, never the tokens."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from flagdesk.accounts.models import ApiToken


class Command(BaseCommand):
    help = "List API tokens (prefix, user, scope, expiry, last use); revoked ones with --all."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", help="only this user's tokens")
        parser.add_argument("--all", action="store_true", help="include revoked and expired tokens")

    def handle(self, *args: Any, **options: Any) -> None:
        rows = ApiToken.objects.select_related("user").order_by("user__username", "-created_at")
        if options["user"]:
            rows = rows.filter(user__username=options["user"])
        table = [(_("prefix"), _("user"), _("scope"), _("expires"), _("last used"), _("status"))]
        for t in rows:
            status = _("revoked") if t.revoked_at else _("expired") if t.is_expired else _("valid")
            if status != _("valid") and not options["all"]:
                continue
            table.append(
                (
                    t.prefix,
                    t.user.username,
                    t.scope,
                    t.expires_at.date().isoformat() if t.expires_at else _("never"),
                    t.last_used_at.isoformat(timespec="minutes") if t.last_used_at else "-",
                    str(status),
                )
            )
        widths = [max(len(str(r[i])) for r in table) for i in range(len(table[0]))]
        for r in table:
            self.stdout.write(
                "  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
            )
