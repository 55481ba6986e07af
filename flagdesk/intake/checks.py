"""Start-up checks of the intake app: the worker and the web server refuse to start when the
intake mailbox is the answers mailbox (mails from the public would be read as platforms'
answers), with the sentence that says what to change."""

from __future__ import annotations

from typing import Any

from django.core.checks import Error


def intake_mailbox_check(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    from .mail_intake.services import IntakeMailboxMisconfigured, intake_config

    try:
        intake_config()
    except IntakeMailboxMisconfigured as e:
        return [Error(str(e.message), id="intake.E001")]
    return []
