"""``flagdesk evidence verify BUNDLE.zip``: a court bundle checked offline.

Exit 0 only when every file matches ``SHA256SUMS`` and its capture's manifest, nothing is
missing or added, and every timestamp verifies; otherwise one line per problem on stderr and
exit 1. Needs no database: an expert can run it on a bundle far from the instance that made it.
"""

from __future__ import annotations

from datetime import UTC
from pathlib import Path
from typing import Any

from cryptography import x509
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from flagdesk.monitoring.bundle import BundleCheck, check_bundle


def _trusted(path: str | None) -> list[x509.Certificate] | None:
    if not path:
        return None
    try:
        return x509.load_pem_x509_certificates(Path(path).read_bytes())
    except (OSError, ValueError) as e:
        raise CommandError(
            _("%(path)s: cannot read its certificates (%(error)s).")
            % {"path": path, "error": getattr(e, "strerror", None) or e}
        ) from e


def outcome_lines(check: BundleCheck) -> list[str]:
    timestamps = sum(1 for c in check.captures if c.timestamp_at)
    lines = [
        _("bundle verified: %(files)s, %(captures)s, %(timestamps)s")
        % {
            "files": ngettext("%(count)d file", "%(count)d files", check.files)
            % {"count": check.files},
            "captures": ngettext("%(count)d capture", "%(count)d captures", len(check.captures))
            % {"count": len(check.captures)},
            "timestamps": ngettext("%(count)d timestamp", "%(count)d timestamps", timestamps)
            % {"count": timestamps},
        }
    ]
    for capture in check.captures:
        if capture.timestamp_at:
            at = capture.timestamp_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
            lines.append(_("%(path)s: timestamped %(at)s") % {"path": capture.path, "at": at})
        else:
            lines.append(_("%(path)s: no timestamp") % {"path": capture.path})
    return lines


class Command(BaseCommand):
    help = (
        "Verify a court bundle (ZIP): every file against SHA256SUMS and its capture's "
        "manifest, every RFC 3161 timestamp against the authority's certificates."
    )
    requires_system_checks: list[str] = []  # a bundle depends on nothing of this instance

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("bundle", metavar="BUNDLE.zip")
        parser.add_argument(
            "--tsa-ca",
            metavar="FILE",
            help="check timestamps against these certificates (PEM), obtained from the "
            "authority, instead of the ones in the bundle",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        check = check_bundle(Path(options["bundle"]), trusted=_trusted(options["tsa_ca"]))
        if check.problems:
            for problem in check.problems:
                self.stderr.write(problem)
            count = len(check.problems)
            raise CommandError(
                ngettext(
                    "the bundle does not verify: %(count)d problem",
                    "the bundle does not verify: %(count)d problems",
                    count,
                )
                % {"count": count}
            )
        for line in outcome_lines(check):
            self.stdout.write(line)
