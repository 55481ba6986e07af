"""``flagdesk audit verify``: the chain, the latest signed checkpoint and the timestamps.

The first line keeps its historic form (``audit chain intact: N entries``) for scripts that
read it; the lines after it say what the chain was compared with.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from flagdesk.audit.verification import ChainCheck, verify_chain


def outcome_lines(check: ChainCheck) -> list[str]:
    """What an intact check compared the chain with, one line each."""
    lines = []
    if check.checkpoint:
        lines.append(
            ngettext(
                "signed checkpoint %(name)s: #%(seq)d, %(count)d entry, matches",
                "signed checkpoint %(name)s: #%(seq)d, %(count)d entries, matches",
                check.checkpoint.count,
            )
            % {
                "name": check.checkpoint.name,
                "seq": check.checkpoint.seq,
                "count": check.checkpoint.count,
            }
        )
    if check.anchors:
        lines.append(
            ngettext(
                "%(count)d timestamp checked",
                "%(count)d timestamps checked",
                check.anchors,
            )
            % {"count": check.anchors}
        )
    return [*lines, *check.notes]


def failure(check: ChainCheck) -> str:
    if check.first_bad_seq is None:
        return _("audit chain broken: %(problem)s") % {"problem": check.problem}
    return _("audit chain broken at entry #%(seq)d: %(problem)s") % {
        "seq": check.first_bad_seq,
        "problem": check.problem,
    }


class Command(BaseCommand):
    help = (
        "Verify the audit trail's keyed chain against its latest signed checkpoint and its "
        "timestamps; exit 1 naming the first bad entry."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--checkpoint",
            metavar="FILE",
            help="compare with this checkpoint instead of the latest (to check a backup)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["checkpoint"]) if options["checkpoint"] else None
        check = verify_chain(checkpoint_path=path)
        if not check.is_intact:
            raise CommandError(failure(check))
        self.stdout.write(
            ngettext(
                "audit chain intact: %(count)d entry",
                "audit chain intact: %(count)d entries",
                check.checked,
            )
            % {"count": check.checked}
        )
        for line in outcome_lines(check):
            self.stdout.write(line)
