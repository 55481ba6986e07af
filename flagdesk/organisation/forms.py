"""Forms of the organisation settings page: identity and trusted-flagger designations."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from flagdesk.core import taxonomy
from flagdesk.core.widgets import DATE_ERRORS, IsoDateInput

from .models import Organisation
from .services import DesignationInput


class _Form(forms.Form):
    """Labels without the trailing colon Django adds; our templates lay labels out above."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class OrganisationForm(_Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    email = forms.EmailField(
        label=_("Notice contact email"),
        help_text=_("Sender of every notice; platforms reply to this address."),
    )
    independence_procedures = forms.CharField(
        label=_("Procedures ensuring independence"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Published in the annual report (art. 22(3) DSA)."),
    )

    @classmethod
    def initial_for(cls, org: Organisation) -> dict[str, Any]:
        return {
            "name": org.name,
            "email": org.email,
            "independence_procedures": org.independence_procedures,
        }


class DesignationForm(_Form):
    authority = forms.CharField(label=_("Designating authority"), max_length=100)
    designated_on = forms.DateField(
        label=_("Designated on"), widget=IsoDateInput(), error_messages=DATE_ERRORS
    )
    valid_until = forms.DateField(
        label=_("Valid until"), required=False, widget=IsoDateInput(), error_messages=DATE_ERRORS
    )
    suspended = forms.BooleanField(label=_("Suspended"), required=False)
    phenomena = forms.MultipleChoiceField(
        label=_("Phenomena within the designated expertise"),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Labels in the reader's language, resolved per request rather than at import.
        self.fields["phenomena"].choices = taxonomy.phenomenon_choices()

    def as_input(self) -> DesignationInput:
        data = self.cleaned_data
        return DesignationInput(
            authority=data["authority"],
            designated_on=data["designated_on"],
            valid_until=data["valid_until"],
            is_suspended=data["suspended"],
            phenomena=data["phenomena"],
        )


DesignationFormSet = forms.formset_factory(DesignationForm, extra=1, can_delete=True)


def designation_initial(org: Organisation) -> list[dict[str, Any]]:
    return [
        {
            "authority": d.authority,
            "designated_on": d.designated_on,
            "valid_until": d.valid_until,
            "suspended": d.is_suspended,
            "phenomena": list(d.phenomena),
        }
        for d in org.designations.all()
    ]


def kept_designation_forms(formset: Any) -> list[DesignationForm]:
    """Filled-in rows not marked for deletion; an untouched blank row is no designation."""
    return [
        form for form in formset.forms if form.has_changed() and not form.cleaned_data.get("DELETE")
    ]


def show_service_errors(
    form: forms.Form, rows: list[DesignationForm], fields: dict[str, Any]
) -> None:
    """Put a service's ``designations.<i>.<field>`` errors next to the row they concern."""
    for key, msgs in fields.items():
        parts = key.split(".")
        target: forms.Form = form
        name: str | None = parts[0] if parts[0] in form.fields else None
        if parts[0] == "designations" and len(parts) == 3 and parts[1].isdigit():
            index = int(parts[1])
            if index < len(rows):
                target = rows[index]
                name = parts[2] if parts[2] in target.fields else None
        target.add_error(name, [str(m) for m in msgs])
