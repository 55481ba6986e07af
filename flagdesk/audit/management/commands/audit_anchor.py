"""``flagdesk audit anchor``: an RFC 3161 timestamp of the chain's head, now.

The worker does this daily when ``FLAGDESK_AUDIT_TSA_URL`` is set; without it, this command
says that anchoring is off and exits 1.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from flagdesk.audit.services import anchor_head
from flagdesk.core.errors import FlagdeskError


class Command(BaseCommand):
    help = "Timestamp the audit chain's head at the RFC 3161 authority of FLAGDESK_AUDIT_TSA_URL."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            anchor = anchor_head()
        except FlagdeskError as e:
            raise CommandError(str(e.message)) from e
        self.stdout.write(
            _("Entry #%(seq)d timestamped by %(tsa)s at %(time)s UTC.")
            % {
                "seq": anchor.seq,
                "tsa": anchor.tsa_url,
                "time": anchor.timestamped_at.strftime("%Y-%m-%d %H:%M:%S"),
            }
        )
