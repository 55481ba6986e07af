"""The web form channel: the platform takes notices only through a page of its own.

Nothing is sent by a worker. The notice page shows the frozen notice as a copy sheet, field by
field, with a checklist; the analyst submits it on the platform's form, then confirms with the
reference the platform gave, which settles the notice as a delivery would. A platform without a
verified channel has this one without a page: "manual" until a coordinator enters one.
"""

from __future__ import annotations

from typing import ClassVar
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from flagdesk.core.errors import PermanentError

from .base import ChannelConfigError, Delivery, NoticeChannel, Outgoing


class WebFormChannel(NoticeChannel):
    kind: ClassVar[str] = "webform"
    manual: ClassVar[bool] = True

    def check_config(self) -> None:
        page = self.config.endpoint.strip()
        if not page:
            return  # manual: the analyst finds the way, and records it when confirming
        parts = urlsplit(page)
        if parts.scheme != "https" or not parts.hostname or any(c.isspace() for c in page):
            problem = _("The form's page must be an https:// address.")
            raise ChannelConfigError(problem, fields={"endpoint": problem})

    def recipient(self) -> str:
        return self.config.endpoint.strip()

    def send(self, notice: Outgoing) -> Delivery:
        raise PermanentError(
            _("Notice %(reference)s goes through the platform's web form: submit it by hand.")
            % {"reference": notice.reference}
        )
