"""``flagdesk intake-mail poll``: read the intake mailbox once (the worker does it regularly).

Exit status 0 when the mailbox was read (what was taken is printed), 2 when no intake mailbox
is configured, it is misconfigured (the answers mailbox, say) or it could not be read (the
reason on stderr, never the password).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from flagdesk.intake.mail_intake.services import poll_intake_mailbox
from flagdesk.intake.models import MailedReport


class Command(BaseCommand):
    help = "Read the intake mailbox (FLAGDESK_INTAKE_IMAP_URL) once: new mails become drafts."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.INTAKE_IMAP_URL:
            raise CommandError(
                _("No intake mailbox is configured (FLAGDESK_INTAKE_IMAP_URL)."), returncode=2
            )
        result = poll_intake_mailbox()
        if result.error:
            raise CommandError(result.error, returncode=2)
        waiting = MailedReport.objects.filter(status=MailedReport.Status.PENDING).count()
        self.stdout.write(
            ngettext("%(n)d new draft.", "%(n)d new drafts.", result.taken) % {"n": result.taken}
            + " "
            + ngettext("%(n)d refused.", "%(n)d refused.", result.refused) % {"n": result.refused}
            + " "
            + ngettext("%(n)d waits in the mailbox.", "%(n)d wait in the mailbox.", waiting)
            % {"n": waiting}
        )
