"""The "Find copies of my picture" form (docs/victims.md): the report form without the upload,
the description and the questions about the person shown, for pictures hashed on the device.

Everything a report must satisfy is still checked by ``services.submit_report``; this form
only reads what the browser sent, as ``forms.ReportForm`` does.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .forms import ReportForm

# What this page does not ask: a file (the picture stays on the device), a description and
# the person's age and gender (a victim looking for their own picture is asked the least).
LEFT_OUT = ("media", "description", "victim_age_band", "victim_gender")


class PictureReportForm(ReportForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in LEFT_OUT:
            del self.fields[name]
        urls = self.fields["urls"]
        urls.label = _("Where have you seen it? (optional)")
        urls.help_text = _(
            "If you know web addresses (URLs) where the picture appears, paste them here, one "
            "per line: we ask for removal there too. Leave this empty if you do not know any."
        )
        urls.widget.attrs["rows"] = 3
        self.fields["bank_consent"].label = _(
            "Keep looking for my pictures: you may keep their fingerprints in your bank, so that "
            "copies found later are recognised. I can stop this at any time with my receipt code."
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "signals" in data and not data["signals"] and "signals" not in self.errors:
            self.add_error(
                "signals",
                forms.ValidationError(
                    _("Add at least one picture: its fingerprints are what we look for."),
                    code="required",
                ),
            )
        return data
