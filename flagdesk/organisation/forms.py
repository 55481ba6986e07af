"""Forms of the organisation settings pages: identity and trusted-flagger designations, and the
support lines shown to victims."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from flagdesk.core import taxonomy
from flagdesk.core.widgets import DATE_ERRORS, IsoDateInput

from .models import SUPPORT_LANGUAGES, Designation, Organisation, SupportLine
from .services import DesignationInput, SupportLineInput
from .services.support_lines import LIMITS, MAX_PHONE, MAX_URL


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


def language_name(code: str) -> str:
    """A language by its own name (Français, Nederlands...): how its speakers look for it."""
    return str(get_language_info(code)["name_local"])


class SupportLineForm(_Form):
    """One support line: how to reach it, whom it helps, and its texts per language (a name,
    what it offers and its hours, as ``name_fr``, ``offer_fr``, ``hours_fr``...)."""

    phone = forms.CharField(
        label=_("Phone"),
        max_length=MAX_PHONE,
        required=False,
        help_text=_("As victims dial it, for example 0800 00 000."),
    )
    url = forms.CharField(
        label=_("Web address"),
        max_length=MAX_URL,
        required=False,
        help_text=_("Starting with https://."),
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocapitalize": "off"}),
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages it answers in"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The line is shown on pages in these languages only."),
    )
    phenomena = forms.MultipleChoiceField(
        label=_("Phenomena it helps with"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: shown for every report."),
    )
    is_active = forms.BooleanField(label=_("Active (shown to victims)"), required=False)

    PART_LABELS = {
        "name": _("Name"),
        "offer": _("What it offers"),
        "hours": _("Opening hours"),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        languages = cast(forms.ChoiceField, self.fields["languages"])
        languages.choices = [(c, language_name(c)) for c in SUPPORT_LANGUAGES]
        phenomena = cast(forms.ChoiceField, self.fields["phenomena"])
        phenomena.choices = taxonomy.phenomenon_choices()
        for lang in SUPPORT_LANGUAGES:
            for part, label in self.PART_LABELS.items():
                self.fields[f"{part}_{lang}"] = forms.CharField(
                    label=label, max_length=LIMITS[part], required=False
                )

    def language_groups(self) -> list[tuple[str, str, list[forms.BoundField]]]:
        """(code, name, its three fields) per language, for one fieldset each."""
        return [
            (lang, language_name(lang), [self[f"{part}_{lang}"] for part in self.PART_LABELS])
            for lang in SUPPORT_LANGUAGES
        ]

    @classmethod
    def initial_for(cls, line: SupportLine | None) -> dict[str, Any]:
        if line is None:
            return {"is_active": True, "languages": list(SUPPORT_LANGUAGES)}
        initial: dict[str, Any] = {
            "phone": line.phone,
            "url": line.url,
            "languages": list(line.languages),
            "phenomena": list(line.phenomena),
            "is_active": line.is_active,
        }
        for lang, text in line.texts.items():
            for part in cls.PART_LABELS:
                initial[f"{part}_{lang}"] = text.get(part, "")
        return initial

    def as_input(self) -> SupportLineInput:
        data = self.cleaned_data
        texts = {
            lang: {part: data.get(f"{part}_{lang}", "") for part in self.PART_LABELS}
            for lang in SUPPORT_LANGUAGES
        }
        return SupportLineInput(
            texts=texts,
            languages=tuple(data["languages"]),
            phone=data["phone"],
            url=data["url"],
            phenomena=tuple(data["phenomena"]),
            is_active=data["is_active"],
        )


class StatisticsSettingsForm(_Form):
    """The age bands as the ages they start at ("12, 14, 18"), and the smallest count."""

    age_bands = forms.CharField(
        label=_("Ages at which the age bands start"),
        max_length=200,
        help_text=_(
            "Whole numbers of years, in increasing order, separated by commas: 12, 14, 18 "
            "gives the bands under 12, 12–13, 14–17 and 18 and over. At most 8."  # noqa: RUF001
        ),
    )
    min_cell = forms.IntegerField(
        label=_("Smallest published count"),
        widget=forms.NumberInput(attrs={"min": 1, "max": 100}),
        help_text=_(
            "A figure smaller than this is hidden or merged with its neighbour in every "
            "published table and chart, so that no victim can be recognised from a small "
            "count (for instance the only 11-year-old boy of a region). From 1 to 100; 5 or "
            "more is usual."
        ),
    )

    @staticmethod
    def initial_for(org: Organisation) -> dict[str, Any]:
        return {
            "age_bands": ", ".join(str(a) for a in org.statistics_age_bands),
            "min_cell": org.statistics_min_cell,
        }

    def clean_age_bands(self) -> list[int]:
        """ "12, 14, 18" (or with spaces or semicolons) as numbers; the service checks them."""
        text = self.cleaned_data["age_bands"]
        parts = [p for p in text.replace(";", ",").replace(" ", ",").split(",") if p.strip()]
        try:
            return [int(p) for p in parts]
        except ValueError:
            raise forms.ValidationError(
                _("Give whole numbers of years separated by commas, such as 12, 14, 18.")
            ) from None
