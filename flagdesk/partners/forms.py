"""Forms of the partner pages: a partner's details, and forwarding items to a partner."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from flagdesk.cases.models import Item
from flagdesk.core import taxonomy

from .models import Partner
from .services import MAX_REASON, PartnerFields


def _phenomenon_choices() -> list[tuple[str, str]]:
    """Called each time the field is rendered, so the names follow the reader's language."""
    return taxonomy.phenomenon_choices(get_language())


class PartnerForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    slug = forms.SlugField(
        label=_("Short name"),
        max_length=60,
        required=False,
        help_text=_("Used in the callback address; made from the name when left empty."),
    )
    base_url = forms.CharField(
        label=_("Address of their flagdesk"),
        max_length=500,
        help_text=_("For example https://flagdesk.hotline.example"),
    )
    country = forms.CharField(label=_("Country"), max_length=2, required=False)
    phenomena = forms.MultipleChoiceField(
        label=_("Phenomena they handle"),
        required=False,
        choices=_phenomenon_choices,
        widget=forms.CheckboxSelectMultiple,
    )
    email = forms.EmailField(label=_("Contact email"), required=False)
    their_token = forms.CharField(
        label=_("Our API token on their flagdesk"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave empty to keep the token already stored."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def fields_value(self) -> PartnerFields:
        data = self.cleaned_data
        return PartnerFields(
            name=data["name"],
            base_url=data["base_url"],
            country=data["country"],
            phenomena=data["phenomena"],
            email=data["email"],
        )

    @staticmethod
    def initial_for(partner: Partner) -> dict[str, Any]:
        return {
            "name": partner.name,
            "slug": partner.slug,
            "base_url": partner.base_url,
            "country": partner.country,
            "phenomena": partner.phenomena,
            "email": partner.email,
            "is_active": partner.is_active,
        }


class ForwardForm(forms.Form):
    partner = forms.ModelChoiceField(label=_("Partner"), queryset=Partner.objects.none())
    items = forms.ModelMultipleChoiceField(
        label=_("Items to forward"),
        queryset=Item.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The partner reads this: say why the case is theirs, without staff names."),
    )

    def __init__(
        self, *args: Any, partners: QuerySet[Partner], items: QuerySet[Item], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = partners  # type: ignore[attr-defined]
        only = list(partners[:2])
        if len(only) == 1 and not self.is_bound:  # one partner: nothing to choose
            self.fields["partner"].initial = only[0].pk
        self.fields["items"].queryset = items  # type: ignore[attr-defined]
        self.fields["items"].label_from_instance = lambda item: item.url  # type: ignore[attr-defined]
