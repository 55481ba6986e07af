"""The dashboard's filters (``?from=&to=&phenomenon=&platform=``), for the page, its CSV
downloads and the JSON API alike."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from flagdesk.core import taxonomy
from flagdesk.platforms.models import Platform

from .figures import Filters, default_filters
from .figures.period import MAX_PERIOD_DAYS

MAX_PERIOD_YEARS = MAX_PERIOD_DAYS // 366
FIELDS = ("from", "to", "phenomenon", "platform")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class FilterForm(forms.Form):
    """Empty fields take the defaults: the current calendar year to date, every phenomenon,
    every platform. Only ISO dates (YYYY-MM-DD) are read, so 03/04 is never misread."""

    def __init__(self, data: Any = None, *, today: dt.date | None = None) -> None:
        super().__init__(data)
        self.today = today or timezone.localdate()
        date_error = {
            "invalid": gettext_lazy("Enter a date as YYYY-MM-DD, for example 2026-01-31.")
        }
        self.fields["from"] = forms.DateField(
            label=gettext_lazy("From"),
            required=False,
            input_formats=["%Y-%m-%d"],
            widget=DateInput(),
            error_messages=date_error,
        )
        self.fields["to"] = forms.DateField(
            label=gettext_lazy("To"),
            required=False,
            input_formats=["%Y-%m-%d"],
            widget=DateInput(),
            error_messages=date_error,
        )
        self.fields["phenomenon"] = forms.ChoiceField(
            label=gettext_lazy("Phenomenon"),
            required=False,
            choices=[("", _("All phenomena")), *taxonomy.phenomenon_choices()],
        )
        self.fields["platform"] = forms.TypedChoiceField(
            label=gettext_lazy("Platform"),
            required=False,
            coerce=UUID,
            empty_value=None,
            choices=[
                ("", _("All platforms")),
                *(
                    (str(pk), name)
                    for pk, name in Platform.objects.order_by("name").values_list("id", "name")
                ),
            ],
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        default = default_filters(self.today)
        given_from, given_to = data.get("from"), data.get("to")
        start = given_from or (given_to.replace(month=1, day=1) if given_to else default.date_from)
        end = given_to or (self.today if given_from else default.date_to)
        if "from" in self.errors or "to" in self.errors:
            return data
        if end < start:
            self.add_error("to", _("The end of the period is before its start."))
        elif (end - start).days >= MAX_PERIOD_DAYS:
            self.add_error(
                "to",
                _("A period can span at most %(years)d years; choose a shorter one.")
                % {"years": MAX_PERIOD_YEARS},
            )
        data["from"], data["to"] = start, end
        return data

    def filters(self) -> Filters:
        """The valid form's filters (call after ``is_valid()``)."""
        data = self.cleaned_data
        return Filters(
            date_from=data["from"],
            date_to=data["to"],
            phenomenon=data.get("phenomenon") or None,
            platform=data.get("platform") or None,
        )


def query_string(filters: Filters) -> str:
    """``filters`` as the query string the page, the CSV links and the API read back."""
    pairs = [("from", filters.date_from.isoformat()), ("to", filters.date_to.isoformat())]
    if filters.phenomenon:
        pairs.append(("phenomenon", filters.phenomenon))
    if filters.platform:
        pairs.append(("platform", str(filters.platform)))
    return urlencode(pairs)
