"""The page's filters and its upload form."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from flagdesk.platforms.models import Platform

MONTH = re.compile(r"^(\d{4})-(\d{2})(?:-\d{2})?$")


def parse_month(value: str) -> dt.date:
    """``2026-11`` (or any day of it) as the month's first day; ``ValueError`` otherwise."""
    match = MONTH.match(value.strip())
    if not match:
        raise ValueError(value)
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


class MonthField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            required=False,
            max_length=10,
            widget=forms.TextInput(attrs={"type": "month", "placeholder": "2026-11"}),
            **kwargs,
        )

    def clean(self, value: Any) -> dt.date | None:
        text = super().clean(value)
        if not text:
            return None
        try:
            return parse_month(text)
        except ValueError:
            raise forms.ValidationError(_("A month like 2026-11.")) from None


class FilterForm(forms.Form):
    platform = forms.ModelChoiceField(
        label=_("Platform"),
        queryset=Platform.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("All platforms"),
    )
    since = MonthField(label=_("From (month)"))
    until = MonthField(label=_("To (month)"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The last month comes after the first."))
        return data

    def until_day(self) -> dt.date | None:
        """The last day of the ``until`` month, for filters on days."""
        until = self.cleaned_data.get("until")
        if until is None:
            return None
        return (until.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


class DumpUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Dump file"),
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,.csv"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "A daily dump (.zip), a ZIP with one CSV or a CSV file, at most %(mb)d MB here; "
            "import bigger files on the server with: flagdesk tdb import FILE"
        ) % {"mb": self.limit() // (1024 * 1024)}

    @staticmethod
    def limit() -> int:
        return int(settings.TDB_UPLOAD_MAX_BYTES)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > self.limit():
            raise forms.ValidationError(
                _(
                    "The file is larger than %(mb)d MB: import it on the server with "
                    "“flagdesk tdb import FILE” (docs/transparency-database.md)."
                )
                % {"mb": self.limit() // (1024 * 1024)}
            )
        if not upload.name.lower().endswith((".zip", ".csv")):
            raise forms.ValidationError(_("A dump is a .zip or a .csv file."))
        return upload
