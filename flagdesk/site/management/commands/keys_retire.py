"""``flagdesk keys retire``: drop the older field keys that no value or file needs any more.

A retired key is appended to ``field_keys.retired`` next to the ring: database backups made
before the rotation need it. Keys still in use are kept and named, with their counts.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from flagdesk.core.errors import FlagdeskError
from flagdesk.core.keys import ring as keyring
from flagdesk.site import keys


class Command(BaseCommand):
    help = "Drop older encryption keys once nothing is encrypted with them any more."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            retired, census = keys.retire_keys()
        except FlagdeskError as e:
            raise CommandError(str(e.message)) from e
        path = keyring.ring_file()
        for key in retired:
            self.stdout.write(
                _("Retired key %(fingerprint)s.") % {"fingerprint": keyring.fingerprint(key)}
            )
        if retired and path:
            self.stdout.write(
                _(
                    "A copy is in %(file)s for database backups made before the rotation: move "
                    "it to where those backups are kept, and delete it when they expire."
                )
                % {"file": path.with_name(keyring.RETIRED_FILE)}
            )
        kept = [key for key in census.keys[1:] if census.uses(key)]
        for key in kept:
            self.stdout.write(
                _(
                    "Key %(fingerprint)s is still in use (values: %(values)d, files: %(files)d): "
                    "kept. Run flagdesk keys rotate --reencrypt-only, then retire again."
                )
                % {
                    "fingerprint": keyring.fingerprint(key),
                    "values": census.values[key],
                    "files": census.files[key],
                }
            )
        if not retired and not kept:
            self.stdout.write(_("No older key to retire."))
