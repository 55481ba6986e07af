"""A check's reason in the reader's language (reads only).

A check stores its ``reason`` code, not only the sentence the worker wrote: the worker writes in
the organisation's default language, while each analyst reads the history (and the court
bundle's summary) in their own. So pages and the PDF say the reason again from the code.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from .fetcher.limits import Limits
from .fetcher.messages import describe
from .models import Check


def check_reason(check: Check) -> str:
    """The sentence for what ``check`` found, in the active language."""
    if check.reason == "unavailable_pattern":
        return _("The platform's “content unavailable” page.")
    if check.reason == "internal_error":
        return _("The check itself failed; it is tried again at the next point.")
    return str(describe(check.reason, check.outcome, check.http_status, Limits.from_settings()))  # type: ignore[arg-type]
