"""``flagdesk keys status``: what each field key encrypts, by fingerprint, never the key.

Exit status 1 when some value or file cannot be decrypted with the configured keys (a key
was removed too early, or data was damaged), after printing where they are.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from flagdesk.core.keys import ring as keyring
from flagdesk.site import keys


class Command(BaseCommand):
    help = "Show how many encrypted values and files each key holds (fingerprints only)."

    def handle(self, *args: Any, **options: Any) -> None:
        ring = keyring.configured_ring()
        path = keyring.ring_file()
        self.stdout.write(_("Keys from %(source)s") % {"source": path or "FLAGDESK_FIELD_KEYS"})
        census = keys.key_census(ring.keys)
        uses = {
            "active": _("encrypts new values"),
            "staged": _("staged: decrypts only"),
            "older": _("older: decrypts only"),
        }
        table = [
            (_("Key fingerprint"), _("Values"), _("Files"), _("What it does")),
            *(
                (
                    keyring.fingerprint(key),
                    str(census.values[key]),
                    str(census.files[key]),
                    uses[ring.role(key)],
                )
                for key in ring.keys
            ),
        ]
        w = [max(len(row[i]) for row in table) for i in range(3)]
        for name, values, files, use in table:
            self.stdout.write(f"{name:<{w[0]}}  {values:>{w[1]}}  {files:>{w[2]}}  {use}")
        for label, count in sorted(census.missing_files.items()):
            self.stdout.write(
                _("Missing files: %(label)s: %(count)d") % {"label": label, "count": count}
            )
        lost_values, lost_files = census.unreadable
        if not lost_values and not lost_files:
            return
        self.stdout.write(_("No configured key opens:"))
        for label, count in sorted((census.unreadable_values + census.unreadable_files).items()):
            self.stdout.write(f"  {label}: {count}")
        raise CommandError(
            _("Values that no configured key opens: %(values)d; files: %(files)d.")
            % {"values": lost_values, "files": lost_files}
        )
