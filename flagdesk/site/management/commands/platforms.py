"""``flagdesk platforms export [-o FILE] | import FILE | seed``: the platform registry as JSON.

``seed`` imports the registry shipped with flagdesk (``flagdesk/platforms/data/registry.json``:
platforms victims meet most, with their domains, and no channel: a coordinator enters a
verified address or endpoint before any notice leaves automatically). Imports name the acting
coordinator or administrator with ``--user`` (or ``FLAGDESK_USER``), for roles and the audit
trail. Exit status 2 when nothing was imported, with every problem on stderr.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from flagdesk.accounts.models import User
from flagdesk.core.errors import FlagdeskError
from flagdesk.platforms.services import SEED, export_registry
from flagdesk.site.platforms import import_platforms

MAX_FILE_BYTES = 5 * 1024 * 1024


class Command(BaseCommand):
    help = "Export or import the platform registry as JSON; seed it with the shipped list."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        export = sub.add_parser("export", help="write the registry as JSON")
        export.add_argument("-o", "--output", default="-", help="file (default: stdout)")
        for name, text in (
            ("import", "import a registry file"),
            ("seed", "import the shipped list"),
        ):
            command = sub.add_parser(name, help=text)
            command.add_argument(
                "--user",
                default=os.environ.get("FLAGDESK_USER", ""),
                help="the acting coordinator or administrator (default: $FLAGDESK_USER)",
            )
            if name == "import":
                command.add_argument("file")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "export":
            text = json.dumps(export_registry(), ensure_ascii=False, indent=2, sort_keys=True)
            if options["output"] == "-":
                self.stdout.write(text)
            else:
                Path(options["output"]).write_text(text + "\n", encoding="utf-8")
            return
        actor = self._actor(options["user"])
        path = SEED if action == "seed" else Path(options["file"])
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                raise CommandError(
                    _("%(file)s is larger than 5 MB.") % {"file": path}, returncode=2
                )
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise CommandError(
                _("Cannot read %(file)s: %(error)s") % {"file": path, "error": e}, returncode=2
            ) from e
        try:
            done = import_platforms(data, actor=actor, keep_existing=action == "seed")
        except FlagdeskError as e:
            for name, problem in e.fields.items():
                sys.stderr.write(f"{name}: {problem}\n")
            raise CommandError(str(e.message), returncode=2) from e
        self.stdout.write(
            _(
                "Registry imported. Platforms added: %(created)d; updated: %(updated)d; "
                "waiting items now on their platform: %(adopted)d."
            )
            % {
                "created": len(done.result.created),
                "updated": len(done.result.updated),
                "adopted": done.adopted_items,
            }
        )

    def _actor(self, username: str) -> User:
        user = User.objects.filter(username=username, is_active=True).first() if username else None
        if user is None:
            raise CommandError(
                _("Name an active coordinator or administrator with --user."), returncode=2
            )
        return user
