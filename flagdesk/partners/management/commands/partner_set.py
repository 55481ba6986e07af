"""``flagdesk partner set SLUG [--their-token T | --their-token-env NAME] [--secret S |
--secret-env NAME] [--active yes|no]`` (docs/cli.md): keys a partner gave us later."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from flagdesk.partners.models import Partner
from flagdesk.partners.services import set_partner_keys

from .partner_add import secret_option


class Command(BaseCommand):
    help = "Set our API token for a partner's flagdesk and/or the shared secret they gave us."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--their-token", default="")
        parser.add_argument("--their-token-env", default="")
        parser.add_argument("--secret", default="")
        parser.add_argument("--secret-env", default="")
        parser.add_argument("--active", choices=["yes", "no"], default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        partner = Partner.objects.filter(slug=options["slug"]).first()
        if partner is None:
            raise CommandError(f"no partner {options['slug']}")
        token = secret_option(options, "their_token")
        secret = secret_option(options, "secret")
        if token or secret:
            set_partner_keys(partner, actor=None, their_token=token, secret=secret)
        if options["active"] is not None:
            partner.is_active = options["active"] == "yes"
            partner.save(update_fields=["is_active"])
        self.stdout.write(f"partner: {partner.slug}")
