"""``flagdesk mailbox poll``: read the answers mailbox once (the worker does it every minute).

Exit status 0 when the mailbox was read (the number of new mails is printed), 2 when no
mailbox is configured or it could not be read (the reason on stderr, never the password).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from flagdesk.notices.models import InboundMail
from flagdesk.notices.services.inbound import current_cursor, poll_mailbox


class Command(BaseCommand):
    help = "Read the platforms' answers from FLAGDESK_IMAP_URL once."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.IMAP_URL:
            raise CommandError(
                _("No answers mailbox is configured (FLAGDESK_IMAP_URL)."), returncode=2
            )
        filed = poll_mailbox()
        cursor = current_cursor()
        if cursor is not None and cursor.last_error:
            raise CommandError(cursor.last_error, returncode=2)
        waiting = InboundMail.objects.filter(
            state__in=(InboundMail.State.NEEDS_REVIEW, InboundMail.State.UNMATCHED)
        ).count()
        self.stdout.write(
            ngettext("%(n)d new mail.", "%(n)d new mails.", filed) % {"n": filed}
            + " "
            + ngettext("%(n)d waits in the triage list.", "%(n)d wait in the triage list.", waiting)
            % {"n": waiting}
        )
