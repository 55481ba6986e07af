"""``flagdesk user add USERNAME --role ROLE [--email E] [--token [--scope S] [--expires-days N]]``
(docs/cli.md).

The password comes from standard input so it never appears in the process list or the shell
history: ``printf '%s\\n' "$PW" | flagdesk user add alice --role analyst``. From a terminal
nothing is read, and the account is created without a usable password (set one later with
``flagdesk changepassword``), which keeps the command usable in scripts that only need a token.
"""

from __future__ import annotations

import sys
from typing import Any, TextIO

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from flagdesk.accounts.models import Role, TokenScope, User
from flagdesk.accounts.services import add_user, issue_token
from flagdesk.core.errors import FlagdeskError


def read_password(stdin: TextIO) -> str | None:
    """The first line of piped input without its line ending; None from a terminal or empty input.

    Only one line is read so that a script may pipe more than the password without it ending
    up in the hash.
    """
    if stdin.isatty():
        return None
    line = stdin.readline()
    password = line.rstrip("\r\n")
    return password or None


class Command(BaseCommand):
    help = (
        "Create a staff user with one role. A password piped on standard input (first line) is "
        "checked and set; with --token, a new API token is printed as the last line."
    )
    # Lets tests and callers pass stdin=io.StringIO(...) through call_command.
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, help=f"one of: {', '.join(Role.values)}")
        parser.add_argument("--email", default="", help="the user's email address")
        parser.add_argument(
            "--token", action="store_true", help="also issue an API token and print it last"
        )
        parser.add_argument(
            "--scope",
            choices=TokenScope.values,
            help="the token's scope (default: partner for partners, write for staff)",
        )
        parser.add_argument(
            "--expires-days",
            type=int,
            default=None,
            help="days until the token expires (default: FLAGDESK_TOKEN_DAYS; 0: never)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        username: str = options["username"].strip()
        role: str = options["role"].strip()
        email: str = options["email"].strip()
        stdin: TextIO = options.get("stdin") or sys.stdin
        if not username:
            raise CommandError(_("Give a user name."))
        if email:
            try:
                validate_email(email)
            except DjangoValidationError:
                raise CommandError(
                    _("%(email)s is not a valid email address.") % {"email": email}
                ) from None
        password = read_password(stdin)
        if password is not None:
            self._validate_password(password, username=username, email=email)
        try:
            with transaction.atomic():
                user = add_user(username, role=role, email=email, password=password)
                token = (
                    issue_token(
                        user,
                        name="cli",
                        scope=options["scope"],
                        expires_days=options["expires_days"],
                    )
                    if options["token"]
                    else None
                )
        except FlagdeskError as e:
            raise CommandError(str(e.message)) from e
        self.stdout.write(
            _("Created user %(username)s with role %(role)s.")
            % {"username": user.username, "role": role}
        )
        if password is None:
            self.stdout.write(
                _(
                    "No password was given on standard input, so %(username)s cannot log in "
                    "yet; set one with: flagdesk changepassword %(username)s"
                )
                % {"username": user.username}
            )
        if token is not None:
            self.stdout.write(_("API token (shown only now; store it safely):"))
            # Last line on its own, so scripts can take it with `tail -n 1`.
            self.stdout.write(token)

    def _validate_password(self, password: str, *, username: str, email: str) -> None:
        try:
            password_validation.validate_password(
                password, user=User(username=username, email=email)
            )
        except DjangoValidationError as e:
            raise CommandError(
                _("The password was refused: %(reasons)s") % {"reasons": " ".join(e.messages)}
            ) from None
