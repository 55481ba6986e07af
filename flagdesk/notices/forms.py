"""Forms of the notice screens: they parse input; the services decide what is allowed."""

from __future__ import annotations

from uuid import UUID

from django import forms
from django.utils.translation import gettext_lazy as _

from flagdesk.core.widgets import DATETIME_ERRORS, IsoDateTimeInput

from .models import NoticeResponse


class SendNoticeForm(forms.Form):
    """The checkbox list of approved items; the service names any item it refuses."""

    item_ids = forms.Field(
        label=_("Items"),
        widget=forms.MultipleHiddenInput,
        error_messages={"required": _("Tick at least one item.")},
    )
    anonymous = forms.BooleanField(
        label=_("Omit our name and email (only for child sexual abuse, exploitation or grooming)"),
        required=False,
    )

    def clean_item_ids(self) -> list[UUID]:
        ids = []
        for raw in self.cleaned_data["item_ids"] or []:
            try:
                ids.append(UUID(str(raw)))
            except ValueError as e:
                raise forms.ValidationError(_("This item reference is not valid.")) from e
        if not ids:
            raise forms.ValidationError(_("Tick at least one item."))
        return list(dict.fromkeys(ids))


class ResponseForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of response"), choices=NoticeResponse.Kind.choices)
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("", _("(none: acknowledgement only)")), *NoticeResponse.Decision.choices],
        required=False,
    )
    # Parsed by the ISO input formats of flagdesk.core.formats, in every language.
    received_at = forms.DateTimeField(
        label=_("Received at"), widget=IsoDateTimeInput(), error_messages=DATETIME_ERRORS
    )
    platform_reference = forms.CharField(
        label=_("Platform's reference"), max_length=200, required=False
    )
    statement = forms.CharField(
        label=_("Platform's statement (verbatim)"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        max_length=50_000,
        strip=False,
    )
