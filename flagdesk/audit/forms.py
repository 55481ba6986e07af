"""The audit trail's filters, shared by its page and its export."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from flagdesk.core.widgets import DATE_ERRORS, IsoDateInput

from .queries import EntryFilter


class EntryFilterForm(forms.Form):
    action = forms.CharField(
        label=_("Action starts with"),
        required=False,
        max_length=60,
        widget=forms.TextInput(attrs={"placeholder": "report."}),
    )
    actor = forms.CharField(label=_("User name"), required=False, max_length=150)
    target = forms.CharField(label=_("Target starts with"), required=False, max_length=100)
    since = forms.DateField(
        label=_("First day"), required=False, widget=IsoDateInput(), error_messages=DATE_ERRORS
    )
    until = forms.DateField(
        label=_("Last day"), required=False, widget=IsoDateInput(), error_messages=DATE_ERRORS
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", _("The end comes before the start."))
        return data

    def filters(self) -> EntryFilter:
        """The valid filters; a field with an error filters nothing (the form shows why)."""
        if not self.is_bound:
            return EntryFilter()
        self.is_valid()
        data = self.cleaned_data
        return EntryFilter(
            action=data.get("action", "").strip(),
            actor=data.get("actor", "").strip(),
            target=data.get("target", "").strip(),
            since=data.get("since"),
            until=data.get("until"),
        )
