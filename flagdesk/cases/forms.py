"""Forms of the staff case pages: queue filters, assessment, review, reveal."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from flagdesk.core import taxonomy
from flagdesk.platforms.models import Platform
from flagdesk.platforms.queries import active_platforms

from .models import Assessment, Item

UNKNOWN_PLATFORM = "-"


class _Form(forms.Form):
    """Labels without the trailing colon Django adds; our templates lay labels out above."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class QueueFilterForm(_Form):
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    platform = forms.ChoiceField(label=gettext_lazy("Platform"), required=False)

    def __init__(self, *args: Any, platforms: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All statuses")), *Item.Status.choices]
        self.fields["platform"].choices = [
            ("", _("All platforms")),
            (UNKNOWN_PLATFORM, _("Unknown platform")),
            *platforms,
        ]

    def filters(self) -> dict[str, Any]:
        """Keyword arguments for ``queries.item_queue``; invalid input means no filter."""
        data = self.cleaned_data if self.is_valid() else {}
        platform = data.get("platform", "")
        return {
            "status": data.get("status", ""),
            "platform": "" if platform == UNKNOWN_PLATFORM else platform,
            "unknown_platform": platform == UNKNOWN_PLATFORM,
        }


@dataclass(frozen=True)
class LegalBaseChoice:
    code: str
    label: str
    needs_verification: bool
    is_checked: bool


@dataclass(frozen=True)
class LegalBaseGroup:
    phenomenon: str
    label: str
    bases: list[LegalBaseChoice]
    is_open: bool


class AssessmentForm(_Form):
    verdict = forms.ChoiceField(
        label=gettext_lazy("Verdict"), choices=Assessment.Verdict.choices, widget=forms.RadioSelect
    )
    phenomenon = forms.ChoiceField(label=gettext_lazy("Phenomenon"), required=False)
    tdb_category = forms.ChoiceField(
        label=gettext_lazy("Statement category (Transparency Database)"),
        required=False,
        help_text=gettext_lazy("Leave empty to use the phenomenon's category."),
    )
    keywords = forms.MultipleChoiceField(
        label=gettext_lazy("Keywords (Transparency Database)"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=gettext_lazy("Leave empty to use the phenomenon's keywords."),
    )
    legal_bases = forms.MultipleChoiceField(
        label=gettext_lazy("Legal bases"), required=False, widget=forms.CheckboxSelectMultiple
    )
    reasons = forms.CharField(
        label=gettext_lazy("Substantiated reasons"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    content_type = forms.ChoiceField(label=gettext_lazy("Content type"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        label = taxonomy.label
        self.fields["phenomenon"].choices = [("", "—"), *taxonomy.phenomenon_choices()]
        self.fields["tdb_category"].choices = [
            ("", _("From the phenomenon")),
            *((c, label(c)) for c in taxonomy.tdb_categories()),
        ]
        groups = taxonomy.raw().get("tdb_keyword_groups", {})
        grouped = [(label(cat), [(k, label(k)) for k in keys]) for cat, keys in groups.items()]
        in_groups = {k for keys in groups.values() for k in keys}
        loose = [(k, label(k)) for k in taxonomy.tdb_keywords() if k not in in_groups]
        self.fields["keywords"].choices = [*grouped, *([(_("Other"), loose)] if loose else [])]
        self.fields["legal_bases"].choices = [
            (c, b.label_en) for c, b in taxonomy.legal_bases().items()
        ]
        self.fields["content_type"].choices = [
            ("", _("From the phenomenon")),
            *((alias, label(key)) for alias, key in taxonomy.content_type_aliases().items()),
        ]
        self.fields["reasons"].help_text = _(
            "At least %(min)d characters for an illegal verdict. Describe what the content "
            "shows or says, who is targeted, and why each element of the offence in the cited "
            "legal bases is met. Do not name the reporter."
        ) % {"min": settings.MIN_REASONS_CHARS}

    def legal_base_groups(self) -> list[LegalBaseGroup]:
        """Legal bases under each phenomenon (a base may sit under several), the chosen
        phenomenon's group open so the analyst starts from the bases that usually apply."""
        checked = set(self["legal_bases"].value() or ())
        chosen = self["phenomenon"].value() or ""
        return [
            LegalBaseGroup(
                phenomenon=p.code,
                label=p.label(),
                bases=[
                    LegalBaseChoice(b.code, b.label_en, b.verify, b.code in checked)
                    for b in p.legal_bases
                ],
                is_open=p.code == chosen or any(b.code in checked for b in p.legal_bases),
            )
            for p in taxonomy.phenomena().values()
            if p.legal_bases
        ]

    def clean_legal_bases(self) -> list[str]:
        # The same code can be ticked under two phenomena; cite it once.
        return list(dict.fromkeys(self.cleaned_data["legal_bases"]))


class ReviewForm(_Form):
    APPROVE = "approve"
    SEND_BACK = "send_back"

    decision = forms.ChoiceField(
        choices=[(APPROVE, gettext_lazy("Approve")), (SEND_BACK, gettext_lazy("Send back"))]
    )
    comment = forms.CharField(
        label=gettext_lazy("Comment"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("Required when sending back: tell the analyst what to change."),
    )

    def service_kwargs(self) -> dict[str, Any]:
        return {
            "approve": self.cleaned_data["decision"] == self.APPROVE,
            "comment": self.cleaned_data["comment"],
        }


class RevealForm(_Form):
    reason = forms.CharField(
        label=gettext_lazy("Why do you need the reporter's details?"),
        max_length=500,
        help_text=gettext_lazy("Recorded in the audit trail with your name."),
    )


class ItemPlatformForm(_Form):
    """Setting or correcting an item's platform by hand; the service checks when it may."""

    platform = forms.ModelChoiceField(
        label=gettext_lazy("Platform"),
        queryset=Platform.objects.none(),
        to_field_name="slug",
        empty_label=gettext_lazy("Choose a platform"),
        error_messages={"invalid_choice": gettext_lazy("Choose one of the registered platforms.")},
    )
    note = forms.CharField(
        label=gettext_lazy("Why (optional)"),
        max_length=500,
        required=False,
        help_text=gettext_lazy("Shown on the item's timeline."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "platform-%s")  # apart from the item page's other forms
        super().__init__(*args, **kwargs)
        self.fields["platform"].queryset = active_platforms()  # type: ignore[attr-defined]
