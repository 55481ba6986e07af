"""``flagdesk partner add SLUG --name N --base-url URL [--country CC] [--phenomena a,b]
[--email E] [--secret S] [--their-token T]`` (docs/cli.md, docs/partners.md).

Registers a partner, creates its local account (role partner) and prints, once, the shared
secret and the token the partner uses on our side, as ``secret: ...`` and ``token: ...``.
Secrets may come from the environment instead of the command line (``--secret-env NAME``,
``--their-token-env NAME``), so they stay out of the process list.
"""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from flagdesk.core.errors import FlagdeskError
from flagdesk.partners.services import (
    PartnerFields,
    issue_partner_token,
    register_partner,
    set_partner_keys,
)


def secret_option(options: dict[str, Any], name: str) -> str:
    value = str(options.get(name) or "")
    env = options.get(f"{name}_env")
    if env:
        value = os.environ.get(str(env), "")
        if not value:
            raise CommandError(f"the variable {env} is empty or not set")
    return value.strip()


class Command(BaseCommand):
    help = "Register a partner organisation; prints the shared secret and their token once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--name", required=True)
        parser.add_argument("--base-url", required=True, help="address of their flagdesk")
        parser.add_argument("--country", default="")
        parser.add_argument("--phenomena", default="", help="comma-separated taxonomy codes")
        parser.add_argument("--email", default="")
        parser.add_argument("--secret", default="", help="the shared secret they gave you")
        parser.add_argument("--secret-env", default="", help="read the secret from this variable")
        parser.add_argument("--their-token", default="", help="our API token on their flagdesk")
        parser.add_argument("--their-token-env", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        fields = PartnerFields(
            name=options["name"],
            base_url=options["base_url"],
            country=options["country"],
            phenomena=[p.strip() for p in options["phenomena"].split(",") if p.strip()],
            email=options["email"],
        )
        try:
            with transaction.atomic():
                partner, secret = register_partner(
                    fields,
                    actor=None,
                    slug=options["slug"],
                    secret=secret_option(options, "secret"),
                )
                if their_token := secret_option(options, "their_token"):
                    set_partner_keys(partner, actor=None, their_token=their_token)
                token = issue_partner_token(partner, actor=None)
        except FlagdeskError as e:
            details = "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in e.fields.items())
            raise CommandError(f"{e.message} {details}".strip()) from None
        self.stdout.write(f"partner: {partner.slug}")
        self.stdout.write(f"secret: {secret}")
        self.stdout.write(f"token: {token}")
