"""``flagdesk audit checkpoint``: write a signed checkpoint of the chain's head now.

The worker writes one every 10 minutes when the head moved; this is for a last one before a
backup or a migration, or for an instance without a long-running worker.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from flagdesk.audit.checkpoints import checkpoint_dir
from flagdesk.audit.services import take_checkpoint
from flagdesk.core.errors import FlagdeskError


class Command(BaseCommand):
    help = "Write a signed checkpoint of the audit chain's head to FLAGDESK_AUDIT_CHECKPOINT_DIR."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            checkpoint = take_checkpoint()
        except FlagdeskError as e:
            raise CommandError(str(e.message)) from e
        if checkpoint is None:
            self.stdout.write(_("The audit trail is empty: no checkpoint was written."))
            return
        self.stdout.write(
            ngettext(
                "Checkpoint written: %(path)s (entry #%(seq)d, %(count)d entry).",
                "Checkpoint written: %(path)s (entry #%(seq)d, %(count)d entries).",
                checkpoint.count,
            )
            % {
                "path": checkpoint_dir() / checkpoint.name,
                "seq": checkpoint.seq,
                "count": checkpoint.count,
            }
        )
