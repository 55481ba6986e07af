"""The form of the case page's "Facts for the statistics": only the questions the case asks
(``services.case_facts.relevant_fields``), so a sextortion question never appears on a case of
hate speech. The service checks the values; the form only reads them."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from .models import CaseFacts
from .services.case_facts import FIELDS, MAX_AGE, MIN_AGE

NOT_KNOWN = ("", gettext_lazy("Not known"))
YES, NO = "yes", "no"


def _yes_no(value: str) -> bool | None:
    return {YES: True, NO: False}.get(value)


class CaseFactsForm(forms.Form):
    victim_age = forms.IntegerField(
        label=gettext_lazy("Victim's age (years)"),
        required=False,
        widget=forms.NumberInput(attrs={"min": MIN_AGE, "max": MAX_AGE, "class": "short"}),
        help_text=gettext_lazy("At the time of the facts, as established; empty if not known."),
    )
    school_level = forms.ChoiceField(
        label=gettext_lazy("School level"),
        required=False,
        choices=[NOT_KNOWN, *CaseFacts.SchoolLevel.choices],
    )
    victim_gender = forms.ChoiceField(
        label=gettext_lazy("Victim's gender"),
        required=False,
        choices=[NOT_KNOWN, *CaseFacts.Gender.choices],
    )
    demand_money = forms.BooleanField(label=gettext_lazy("Money"), required=False)
    demand_images = forms.BooleanField(label=gettext_lazy("More images"), required=False)
    demand_other = forms.BooleanField(label=gettext_lazy("Something else"), required=False)
    meeting_sought = forms.TypedChoiceField(
        label=gettext_lazy("Did the offender seek a meeting?"),
        required=False,
        choices=[NOT_KNOWN, (YES, gettext_lazy("Yes")), (NO, gettext_lazy("No"))],
        coerce=_yes_no,
        empty_value=None,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, fields: list[str], **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")  # labels stand above their fields
        super().__init__(*args, **kwargs)
        for name in FIELDS:
            if name not in fields:
                del self.fields[name]

    @staticmethod
    def initial_for(facts: CaseFacts) -> dict[str, Any]:
        initial: dict[str, Any] = {name: getattr(facts, name) for name in FIELDS}
        sought = facts.meeting_sought
        initial["meeting_sought"] = "" if sought is None else (YES if sought else NO)
        return initial

    @property
    def demand_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("demand_money", "demand_images", "demand_other")
                if name in self.fields]  # fmt: skip
