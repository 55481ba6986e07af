"""Forms of the organisation settings page: identity and trusted-flagger designations."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from flagdesk.core import taxonomy
from flagdesk.core.widgets import DATE_ERRORS, IsoDateInput

from .models import Designation, Organisation
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
    # The designation a row edits; a row without one adds a designation.
    id = forms.UUIDField(required=False, widget=forms.HiddenInput)
    authority = forms.CharField(label=_("Designating authority"), max_length=100)
    designated_on = forms.DateField(
        label=_("Designated on"), widget=IsoDateInput(), error_messages=DATE_ERRORS
    )
    valid_until = forms.DateField(
        label=_("Valid until"), required=False, widget=IsoDateInput(), error_messages=DATE_ERRORS
    )
    suspended = forms.BooleanField(label=_("Suspended"), required=False)
    suspended_from = forms.DateField(
        label=_("Suspended from"),
        required=False,
        widget=IsoDateInput(),
        error_messages=DATE_ERRORS,
        help_text=_("Empty with “Suspended” ticked: from today."),
    )
    suspended_until = forms.DateField(
        label=_("Suspended until"),
        required=False,
        widget=IsoDateInput(),
        error_messages=DATE_ERRORS,
        help_text=_("Last day of the suspension; empty until it is lifted."),
    )
    note = forms.CharField(
        label=_("Suspension note"),
        required=False,
        max_length=500,
        help_text=_("For example: BIPT investigation, art. 22(6) DSA."),
    )
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
            id=data["id"],
            suspended_from=data["suspended_from"],
            suspended_until=data["suspended_until"],
            note=data["note"],
        )


DesignationFormSet = forms.formset_factory(DesignationForm, extra=1, can_delete=True)


def designation_initial(designations: Iterable[Designation]) -> list[dict[str, Any]]:
    rows = []
    for d in designations:
        suspension = d.latest_suspension
        rows.append(
            {
                "id": d.id,
                "authority": d.authority,
                "designated_on": d.designated_on,
                "valid_until": d.valid_until,
                "suspended": d.is_suspended,
                "suspended_from": suspension.suspended_from if suspension else None,
                "suspended_until": suspension.suspended_until if suspension else None,
                "note": suspension.note if suspension else "",
                "phenomena": list(d.phenomena),
            }
        )
    return rows


def kept_designation_forms(formset: Any) -> list[DesignationForm]:
    """Filled-in rows not marked to end; an untouched blank row is no designation. A saved
    designation left out of the list is ended by the service, never deleted."""
    return [
        form for form in formset.forms if form.has_changed() and not form.cleaned_data.get("DELETE")
    ]


class LegalBasisConfirmationForm(_Form):
    """Confirm a basis marked "to be confirmed", or withdraw its confirmation."""

    CONFIRM, WITHDRAW = "confirm", "withdraw"

    code = forms.CharField(widget=forms.HiddenInput, max_length=100)
    action = forms.ChoiceField(
        widget=forms.HiddenInput,
        choices=[(CONFIRM, _("Confirm")), (WITHDRAW, _("Withdraw the confirmation"))],
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Why you are satisfied, or why you withdraw: which source you checked."),
    )
