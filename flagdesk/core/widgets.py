"""Date inputs that show and take ISO dates (2026-12-03) in every language and browser.

Not ``type="date"``: a browser draws its native date input in the order of its own locale
(mm/dd/yyyy in US-English Chromium, dd.mm.yyyy in German), whatever the page's language, so
one date would read differently from one desk to the next. The value is the ISO text that
``flagdesk.core.formats`` parses and every other page shows.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

DATE_PATTERN = r"\d{4}-\d{2}-\d{2}"
# For the fields that use these widgets: say the expected form, not just "not valid".
DATE_ERRORS = {"invalid": _("Write the date as year-month-day, e.g. 2026-07-03.")}
DATETIME_ERRORS = {"invalid": _("Write the date and time as 2026-07-03 14:05.")}


class IsoDateInput(forms.DateInput):
    input_type = "text"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        defaults = {"placeholder": _("YYYY-MM-DD"), "pattern": DATE_PATTERN, "size": 12}
        super().__init__(attrs={**defaults, **(attrs or {})}, format="%Y-%m-%d")


class IsoDateTimeInput(forms.DateTimeInput):
    input_type = "text"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        defaults = {
            "placeholder": _("YYYY-MM-DD HH:MM"),
            "pattern": DATE_PATTERN + r"[ T]\d{2}:\d{2}(:\d{2})?",
            "size": 18,
        }
        super().__init__(attrs={**defaults, **(attrs or {})}, format="%Y-%m-%d %H:%M")
