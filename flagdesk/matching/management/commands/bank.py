"""``flagdesk bank list|create|import|export|reindex``: hash banks from the command line.

Every subcommand names the acting coordinator or administrator with ``--user USERNAME`` (or
``FLAGDESK_USER``), so that role checks and the audit trail are the same as in the web UI.

Exit status: 0 when all went well; 1 when an import found invalid rows (they are listed on
stderr as ``line N: message``; without ``--dry-run`` the valid rows were still imported, so
``bank import --dry-run F && bank import F`` imports only a clean file); 2 for anything that
stopped the command (unknown bank, unreadable file, unknown format, no permission).
"""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from flagdesk.accounts.models import User
from flagdesk.core.errors import FlagdeskError
from flagdesk.matching.formats import FORMATS, MAX_IMPORT_BYTES, guess_format
from flagdesk.matching.formats.exchange import export_bank, import_bank
from flagdesk.matching.index.store import INDEX_NAMES, store
from flagdesk.matching.models import HashBank
from flagdesk.matching.queries import live_counts
from flagdesk.matching.services.banks import create_bank
from flagdesk.matching.services.roles import BANK_MANAGERS

FATAL = 2
INVALID_ROWS = 1


def fail(message: str) -> CommandError:
    return CommandError(message, returncode=FATAL)


def error_text(exc: FlagdeskError) -> str:
    """The message plus each field's problems, on one line."""
    parts = [str(exc.message)]
    for name, problems in exc.fields.items():
        text = " ".join(str(p) for p in problems) if isinstance(problems, list) else problems
        parts.append(f"{name}: {text}")
    return " ".join(parts)


class Command(BaseCommand):
    help = "List, create, import, export and re-index hash banks."
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        common = CommandParser(add_help=False)
        common.add_argument(
            "--user",
            # A per-run argument's fallback, not configuration, so not read in settings.py.
            default=os.environ.get("FLAGDESK_USER", ""),
            help="the acting coordinator or administrator (default: $FLAGDESK_USER)",
        )
        formats = sorted(FORMATS)
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        sub.add_parser("list", parents=[common], help="banks with their live hash counts")
        create = sub.add_parser("create", parents=[common], help="a new, enabled bank")
        create.add_argument("name")
        create.add_argument("--slug", default="")
        create.add_argument("--kind", default=HashBank.Kind.OWN, choices=HashBank.Kind.values)
        create.add_argument("--phenomenon", default="")
        create.add_argument("--description", default="")
        create.add_argument("--partner", default="", help="user name of the feeding partner")
        create.add_argument("--shared", action="store_true", help="partners may fetch it")
        imp = sub.add_parser("import", parents=[common], help="add hashes from a file")
        imp.add_argument("bank", help="the bank's short name")
        imp.add_argument("file", help="the file to read, - for standard input")
        imp.add_argument("--format", choices=formats, help="default: from the file name")
        imp.add_argument("--type", default=None, help="signal type of rows without one")
        imp.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
        exp = sub.add_parser("export", parents=[common], help="write a bank's live hashes")
        exp.add_argument("bank", help="the bank's short name")
        exp.add_argument("--format", choices=formats, default="csv")
        exp.add_argument("--type", default=None, help="only hashes of this signal type")
        exp.add_argument("--since", default=None, help="only hashes added since (ISO 8601)")
        exp.add_argument("-o", "--output", default=None, help="file to write (default: stdout)")
        idx = sub.add_parser("reindex", parents=[common], help="rebuild the match indexes")
        idx.add_argument("--index", choices=[*INDEX_NAMES, "all"], default="all")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = self._actor(options["user"])
        action = options["action"]
        try:
            getattr(self, f"_{action}")(actor, options)
        except FlagdeskError as exc:
            raise fail(error_text(exc)) from None

    def _actor(self, username: str) -> User:
        if not username.strip():
            raise fail(_("Name the acting coordinator or administrator with --user USERNAME."))
        user = User.objects.filter(username=username.strip()).first()
        if user is None:
            raise fail(_("No user called %(name)s.") % {"name": username})
        if not user.has_any_role(*BANK_MANAGERS):
            raise fail(
                _("%(name)s is not an active coordinator or administrator.") % {"name": username}
            )
        return user

    def _bank(self, slug: str) -> HashBank:
        bank = HashBank.objects.filter(slug=slug).first()
        if bank is None:
            raise fail(_("No bank with the short name %(slug)s.") % {"slug": slug})
        return bank

    def _list(self, actor: User, options: dict[str, Any]) -> None:
        banks = list(HashBank.objects.all())
        counts = live_counts(banks)
        self.stdout.write("slug\tname\tkind\tenabled\tshared\thashes")
        for bank in banks:
            hashes = " ".join(f"{k}={n}" for k, n in sorted(counts.get(bank.pk, {}).items()))
            self.stdout.write(
                "\t".join(
                    [
                        bank.slug,
                        bank.name,
                        bank.kind,
                        "yes" if bank.is_enabled else "no",
                        "yes" if bank.is_shared else "no",
                        hashes or "-",
                    ]
                )
            )

    def _create(self, actor: User, options: dict[str, Any]) -> None:
        partner = None
        if options["partner"]:
            partner = User.objects.filter(username=options["partner"]).first()
            if partner is None:
                raise fail(_("No user called %(name)s.") % {"name": options["partner"]})
        bank = create_bank(
            actor=actor,
            name=options["name"],
            slug=options["slug"],
            kind=options["kind"],
            phenomenon=options["phenomenon"],
            description=options["description"],
            partner=partner,
            is_shared=options["shared"],
        )
        self.stdout.write(
            _("Created bank %(name)s (%(slug)s).") % {"name": bank.name, "slug": bank.slug}
        )

    def _read(self, name: str, options: dict[str, Any]) -> bytes | str:
        if name == "-":
            stdin: TextIO | BinaryIO = options.get("stdin") or sys.stdin.buffer
            return stdin.read()
        path = Path(name)
        try:
            if path.stat().st_size > MAX_IMPORT_BYTES:
                raise fail(
                    _("%(file)s is larger than %(size)d MB; split it into smaller files.")
                    % {"file": name, "size": MAX_IMPORT_BYTES // (1024 * 1024)}
                )
            return path.read_bytes()
        except FileNotFoundError:
            raise fail(_("%(file)s: no such file.") % {"file": name}) from None
        except IsADirectoryError:
            raise fail(_("%(file)s is a directory, not a file.") % {"file": name}) from None
        except OSError:
            raise fail(_("%(file)s cannot be read.") % {"file": name}) from None

    def _import(self, actor: User, options: dict[str, Any]) -> None:
        bank = self._bank(options["bank"])
        fmt = options["format"] or guess_format(options["file"])
        data = self._read(options["file"], options)
        report = import_bank(
            bank,
            data,
            fmt,
            actor=actor,
            dry_run=options["dry_run"],
            default_type=options["type"],
        )
        for row in report.invalid:
            self.stderr.write(_("line %(line)d: %(message)s") % row._asdict())
        hidden = report.invalid_count - len(report.invalid)
        if hidden:
            self.stderr.write(_("... and %(n)d more invalid rows.") % {"n": hidden})
        values = {"added": report.added, "dups": report.duplicates, "bad": report.invalid_count}
        if report.dry_run:
            message = ngettext(
                "Dry run: %(added)d hash would be added, %(dups)d are already in the bank, "
                "%(bad)d rows are invalid. Nothing was written.",
                "Dry run: %(added)d hashes would be added, %(dups)d are already in the bank, "
                "%(bad)d rows are invalid. Nothing was written.",
                report.added,
            )
        else:
            message = ngettext(
                "%(added)d hash added, %(dups)d already in the bank, %(bad)d invalid rows skipped.",
                "%(added)d hashes added, %(dups)d already in the bank, %(bad)d invalid rows "
                "skipped.",
                report.added,
            )
        self.stdout.write(message % values)
        if report.invalid_count:
            raise CommandError(
                ngettext(
                    "%(n)d row is invalid (listed above).",
                    "%(n)d rows are invalid (listed above).",
                    report.invalid_count,
                )
                % {"n": report.invalid_count},
                returncode=INVALID_ROWS,
            )

    def _since(self, text: str | None) -> datetime | None:
        if not text:
            return None
        moment = parse_datetime(text)
        if moment is None:
            raise fail(_("--since must be a date and time such as 2026-01-31T00:00:00Z."))
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return moment

    def _export(self, actor: User, options: dict[str, Any]) -> None:
        bank = self._bank(options["bank"])
        chunks = export_bank(
            bank,
            options["format"],
            signal_type=options["type"],
            since=self._since(options["since"]),
            actor=actor,
        )
        if not options["output"]:
            for chunk in chunks:
                self.stdout.write(chunk, ending="")
            return
        try:
            with open(options["output"], "w", encoding="utf-8", newline="") as out:
                for chunk in chunks:
                    out.write(chunk)
        except OSError:
            raise fail(_("%(file)s cannot be written.") % {"file": options["output"]}) from None

    def _reindex(self, actor: User, options: dict[str, Any]) -> None:
        names = INDEX_NAMES if options["index"] == "all" else (options["index"],)
        for name in names:
            count = store(name).rebuild()
            self.stdout.write(
                _("%(index)s: %(count)d hashes indexed.") % {"index": name, "count": count}
            )
