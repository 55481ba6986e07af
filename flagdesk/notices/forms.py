"""Forms of the notice screens: they parse input; the services decide what is allowed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from flagdesk.cases.models import Item
from flagdesk.core.widgets import DATETIME_ERRORS, IsoDateTimeInput

from .models import ItemDecision, NoticeResponse
from .services.responses import MAX_REDRESS, MAX_STATEMENT_ID, ItemDecisionInput


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


AUTOMATED_CHOICES = [
    ("", _("not stated")),
    ("yes", _("yes")),
    ("no", _("no")),
]


class DecisionDetailsForm(forms.Form):
    """The Transparency Database's fields of a decision; the service validates the values."""

    ground = forms.ChoiceField(
        label=_("Ground"),
        choices=[("", _("not stated")), *ItemDecision.Ground.choices],
        required=False,
    )
    territorial_scope = forms.CharField(
        label=_("Territorial scope"),
        help_text=_("Country codes separated by commas (BE, FR, NL; Greece is GR), or EU."),
        max_length=200,
        required=False,
    )
    is_automated = forms.TypedChoiceField(
        label=_("Automated means used (art. 16(6))"),
        choices=AUTOMATED_CHOICES,
        coerce=lambda value: value == "yes",
        empty_value=None,
        required=False,
    )
    statement_id = forms.CharField(
        label=_("Statement of reasons id"), max_length=MAX_STATEMENT_ID, required=False
    )
    redress = forms.CharField(
        label=_("Redress information (art. 16(5), verbatim)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=MAX_REDRESS,
        required=False,
        strip=False,
    )

    def clean_territorial_scope(self) -> tuple[str, ...]:
        raw = self.cleaned_data["territorial_scope"] or ""
        return tuple(code.strip() for code in raw.replace(";", ",").split(",") if code.strip())

    def has_details(self) -> bool:
        data = self.cleaned_data
        return bool(
            data.get("ground")
            or data.get("territorial_scope")
            or data.get("is_automated") is not None
            or (data.get("statement_id") or "").strip()
            or (data.get("redress") or "").strip()
        )


class ResponseForm(DecisionDetailsForm):
    """The response, and the decision (with its details) for every item not given its own."""

    field_order = [
        "kind",
        "decision",
        "ground",
        "territorial_scope",
        "is_automated",
        "statement_id",
        "redress",
        "received_at",
        "platform_reference",
        "statement",
    ]

    kind = forms.ChoiceField(label=_("Kind of response"), choices=NoticeResponse.Kind.choices)
    decision = forms.ChoiceField(
        label=_("Decision"),
        help_text=_("For every item not given its own decision below."),
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


class ItemDecisionForm(DecisionDetailsForm):
    """One item's row: left without a decision, the item takes the decision for all."""

    field_order = ["decision", "ground", "territorial_scope", "is_automated", "statement_id"]

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("", _("as for all items")), *NoticeResponse.Decision.choices],
        required=False,
    )

    def __init__(self, *args: Any, item: Item, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.item = item
        # A table cell shows no help text; the field for all items above carries it.
        self.fields["territorial_scope"].help_text = ""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("decision") and self.has_details():
            raise forms.ValidationError(
                _("Choose this item's decision, or leave the rest of its row empty.")
            )
        return data

    def to_input(self) -> ItemDecisionInput:
        data = self.cleaned_data
        return ItemDecisionInput(
            item_id=self.item.id,
            decision=data["decision"],
            ground=data["ground"],
            territorial_scope=data["territorial_scope"],
            is_automated=data["is_automated"],
            redress=data["redress"],
            statement_id=data["statement_id"],
        )


def item_decision_forms(data: QueryDict | None, items: Sequence[Item]) -> list[ItemDecisionForm]:
    """A row per item of the notice, named ``items-<n>-<field>`` in the page's order."""
    return [
        ItemDecisionForm(data, item=item, prefix=f"items-{n}", label_suffix="")
        for n, item in enumerate(items)
    ]


class FollowUpForm(forms.Form):
    """A follow-up of a notice; escalations need the reason they will carry (legal.md g.10)."""

    kind = forms.ChoiceField(
        label=_("Follow-up"),
        choices=[
            ("reminder", _("Reminder (no decision yet)")),
            ("renotice", _("Re-notice (content still online)")),
            ("complaint", _("Complaint against the decision (art. 20 DSA)")),
            ("dsc_complaint", _("Complaint file for the Digital Services Coordinator (art. 53)")),
        ],
    )

    def __init__(self, *args: Any, kinds: Sequence[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if kinds is not None:  # only what the notice allows now
            field = self.fields["kind"]
            field.choices = [c for c in field.choices if c[0] in kinds]  # type: ignore[attr-defined]

    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Required for a re-notice or a complaint: why we notify again, or why we contest "
            "the decision. It is written into the text a reviewer approves."
        ),
    )


class SubmittedForm(forms.Form):
    """The analyst's confirmation that a web-form notice was submitted on the platform."""

    platform_reference = forms.CharField(
        label=_("Reference the platform gave"),
        max_length=200,
        help_text=_("Its case or ticket number; write “none given” if it gave none."),
    )
    submitted_at = forms.DateTimeField(
        label=_("Submitted at"),
        required=False,
        widget=IsoDateTimeInput(),
        error_messages=DATETIME_ERRORS,
        help_text=_("Leave empty to use the current time."),
    )


class LodgedForm(forms.Form):
    dsc_reference = forms.CharField(
        label=_("Reference the Digital Services Coordinator gave"), max_length=200
    )


class MailConfirmForm(forms.Form):
    """A person's reading of a mail from the triage list."""

    notice_reference = forms.CharField(label=_("Notice it answers"), max_length=20)
    kind = forms.ChoiceField(
        label=_("What it says"),
        choices=[
            ("acknowledgement", _("Acknowledgement of receipt")),
            ("decision", _("Decision")),
            ("information_request", _("Request for more information")),
        ],
    )
    decision = forms.ChoiceField(
        label=_("Decision"),
        required=False,
        choices=[("", "—"), *NoticeResponse.Decision.choices],
        help_text=_("For a decision; it applies to every item. Record one per item on the notice."),
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("kind") == "decision" and not data.get("decision"):
            self.add_error("decision", _("Choose the decision the platform took."))
        return data
