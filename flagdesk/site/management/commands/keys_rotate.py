"""``flagdesk keys rotate [--promote | --reencrypt-only] [--batch-size N]``.

Without an option, stages a new key; ``--promote`` makes it the one that encrypts and
re-encrypts everything with it; ``--reencrypt-only`` re-encrypts with the first configured key
(keys from FLAGDESK_FIELD_KEYS, or a run that was interrupted). The order, and why each step
needs a reload in between, is in ``flagdesk/site/keys.py`` and docs/operations.md.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from flagdesk.core.errors import FlagdeskError
from flagdesk.core.keys import ring as keyring
from flagdesk.site import keys


class Command(BaseCommand):
    help = "Rotate the keys that encrypt personal data and kept media (docs/operations.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        step = parser.add_mutually_exclusive_group()
        step.add_argument(
            "--promote",
            action="store_true",
            help="make the staged key the one that encrypts, then re-encrypt everything with it",
        )
        step.add_argument(
            "--reencrypt-only",
            action="store_true",
            help="re-encrypt with the first configured key, changing no key",
        )
        parser.add_argument(
            "--batch-size", type=int, default=500, help="values per transaction (default 500)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            raise CommandError(_("--batch-size must be 1 or more."), returncode=2)
        try:
            if not options["promote"] and not options["reencrypt_only"]:
                self._stage()
                return
            if options["promote"]:
                ring = keys.promote_key()
                self.stdout.write(
                    _("Key %(fingerprint)s now encrypts new values.")
                    % {"fingerprint": keyring.fingerprint(ring.active)}
                )
            else:
                ring = keyring.configured_ring()
            self.stdout.write(
                _("Re-encrypting with key %(fingerprint)s:")
                % {"fingerprint": keyring.fingerprint(ring.active)}
            )
            tally = keys.reencrypt(
                ring.keys, batch_size=options["batch_size"], progress=self._progress
            )
        except FlagdeskError as e:
            raise CommandError(str(e.message)) from e
        census = keys.key_census(ring.keys)
        self.stdout.write(
            _(
                "Re-encrypted: %(rewritten)d; already under this key: %(current)d; changed "
                "during the run and left as they were: %(changed)d."
            )
            % {
                "rewritten": tally.rewritten,
                "current": tally.already_current,
                "changed": tally.changed_meanwhile,
            }
        )
        values, files = census.under_older_keys()
        self.stdout.write(
            _("Values still under older keys: %(values)d; files: %(files)d.")
            % {"values": values, "files": files}
        )
        unreadable_values, unreadable_files = census.unreadable
        if unreadable_values or unreadable_files:
            self.stdout.write(
                _(
                    "Values no key opens: %(values)d; files: %(files)d (flagdesk keys status "
                    "says where they are)."
                )
                % {"values": unreadable_values, "files": unreadable_files}
            )
        if options["promote"] or values or files:
            self.stdout.write(
                _(
                    "Next: reload every web process and worker so that they encrypt with the "
                    "new key, run flagdesk keys rotate --reencrypt-only for what they wrote "
                    "meanwhile, then flagdesk keys retire."
                )
            )

    def _stage(self) -> None:
        ring = keys.stage_key()
        self.stdout.write(
            _("Staged new key %(fingerprint)s: it decrypts, but encrypts nothing yet.")
            % {"fingerprint": keyring.fingerprint(str(ring.staged))}
        )
        self.stdout.write(
            _(
                "Next: reload every web process and worker so that they know it, then run "
                "flagdesk keys rotate --promote."
            )
        )

    def _progress(self, label: str, done: int, total: int) -> None:
        self.stdout.write(f"{label}: {done}/{total}")
