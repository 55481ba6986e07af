"""``flagdesk audit export``: the audit trail as CSV or JSON, with the filters of its page.

The acting auditor or coordinator is named with ``--user`` (or ``FLAGDESK_USER``): the role is
checked as on the page, and the export is itself an audit entry (``audit.exported``). Here in
``site`` because the permission table belongs to accounts, which comes after audit (S1).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from flagdesk.accounts.models import User
from flagdesk.accounts.policy import Action, roles_for
from flagdesk.audit.export import FORMATS
from flagdesk.audit.forms import EntryFilterForm
from flagdesk.audit.services import export_entries


class Command(BaseCommand):
    help = "Export the audit trail's entries (newest first) as CSV or JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=sorted(FORMATS), default="csv")
        parser.add_argument("-o", "--output", default="-", help="file (default: stdout)")
        parser.add_argument("--action", default="", help="actions starting with this")
        parser.add_argument("--actor", default="", help="entries of this user name")
        parser.add_argument("--target", default="", help="targets starting with this")
        parser.add_argument("--since", default="", help="from this day (YYYY-MM-DD)")
        parser.add_argument("--until", default="", help="until this day, inclusive")
        parser.add_argument(
            "--user",
            default=os.environ.get("FLAGDESK_USER", ""),
            help="the acting auditor or coordinator (default: $FLAGDESK_USER)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        actor = self._actor(options["user"])
        names = ("action", "actor", "target", "since", "until")
        form = EntryFilterForm({name: options[name] for name in names})
        if not form.is_valid():
            problems = "; ".join(
                f"--{name}: {' '.join(str(m) for m in messages)}"
                for name, messages in form.errors.items()
            )
            raise CommandError(problems, returncode=2)
        chunks = export_entries(form.filters(), options["format"], actor=actor)
        if options["output"] == "-":
            for chunk in chunks:
                self.stdout.write(chunk, ending="")
            return
        path = Path(options["output"])
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as out:
            for chunk in chunks:
                out.write(chunk)

    def _actor(self, username: str) -> User:
        if not username.strip():
            raise CommandError(
                _("Name the acting auditor or coordinator with --user USERNAME."), returncode=2
            )
        user = User.objects.filter(username=username.strip(), is_active=True).first()
        if user is None:
            raise CommandError(_("No user called %(name)s.") % {"name": username})
        if not user.has_any_role(*roles_for(Action.AUDIT_EXPORT)):
            raise CommandError(
                _("%(name)s may not export the audit trail (auditors and coordinators may).")
                % {"name": username}
            )
        return user
