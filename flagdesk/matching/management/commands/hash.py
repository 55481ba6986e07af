"""``flagdesk hash FILE...``: the hashes of local files, in the tab-separated form of docs/cli.md.

One line per signal: ``algorithm<TAB>value<TAB>quality<TAB>file``; quality is ``-`` for MD5 and
SHA-256, and the mean frame quality for vPDQ (whose value is the canonical JSON list). A file
that cannot be hashed is reported on stderr as ``flagdesk hash: FILE: message`` and the others
are still hashed; the exit status is then 1 (2 when no file is named, as argparse does).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from flagdesk.matching.media import HashedMedia, MediaRejected, hash_media


class Command(BaseCommand):
    help = "Print the PDQ/vPDQ, MD5 and SHA-256 hashes of image and video files."
    # Hashing needs neither the database nor the URLconf; skipping the checks keeps it quick.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE", help="image or video files")

    def handle(self, *args: Any, **options: Any) -> None:
        failed = 0
        for name in options["files"]:
            try:
                hashed = hash_media(Path(name), filename=name)
            except MediaRejected as exc:
                self._fail(name, str(exc.message))
                failed += 1
            except OSError as exc:
                self._fail(name, _os_problem(exc))
                failed += 1
            else:
                self.stdout.write("".join(lines(hashed, name)), ending="")
        if failed:
            raise CommandError(
                ngettext(
                    "%(count)d file could not be hashed",
                    "%(count)d files could not be hashed",
                    failed,
                )
                % {"count": failed},
                returncode=1,
            )

    def _fail(self, name: str, message: str) -> None:
        self.stderr.write(f"flagdesk hash: {_printable(name)}: {message}")


def lines(hashed: HashedMedia, name: str) -> list[str]:
    """The output lines for one file, each ending in a newline."""
    shown = _printable(name)
    return [
        f"{s.signal_type}\t{s.value}\t{'-' if s.quality is None else s.quality}\t{shown}\n"
        for s in hashed.signals
    ]


def _os_problem(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return _("No such file.")
    if isinstance(exc, PermissionError):
        return _("Permission denied.")
    return _("The file cannot be read.")


def _printable(name: str) -> str:
    """A file name that cannot break the one-line, tab-separated format."""
    return name.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
