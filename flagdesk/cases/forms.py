"""Forms of the staff case pages: queue filters, assessment, review, reveal."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from flagdesk.core import taxonomy
from flagdesk.core.widgets import DATE_ERRORS, IsoDateInput
from flagdesk.platforms.models import Platform
from flagdesk.platforms.queries import active_platforms

from .models import Assessment, Item
from .services.identifiers import FIELDS, TIMES

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
    citation: str
    validity: str
    valid_from: str
    valid_to: str
    needs_verification: bool
    is_provisional: bool
    is_confirmed: bool
    is_checked: bool
    elements: tuple[str, ...]


@dataclass(frozen=True)
class LegalBaseGroup:
    phenomenon: str
    label: str
    bases: list[LegalBaseChoice]
    is_open: bool


# The TDB's content-type labels are English by design (a notice cites them verbatim); the
# analyst reads them in the page's language.
CONTENT_TYPE_LABELS: dict[str, Any] = {
    "CONTENT_TYPE_APP": gettext_lazy("App"),
    "CONTENT_TYPE_AUDIO": gettext_lazy("Audio"),
    "CONTENT_TYPE_IMAGE": gettext_lazy("Image"),
    "CONTENT_TYPE_PRODUCT": gettext_lazy("Product"),
    "CONTENT_TYPE_SYNTHETIC_MEDIA": gettext_lazy("Synthetic media"),
    "CONTENT_TYPE_TEXT": gettext_lazy("Text"),
    "CONTENT_TYPE_VIDEO": gettext_lazy("Video"),
    "CONTENT_TYPE_OTHER": gettext_lazy("Other"),
}


def content_type_label(key: str) -> str:
    """A content type in the user's language, else its TDB label."""
    return str(CONTENT_TYPE_LABELS.get(key) or taxonomy.label(key))


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
    content_types = forms.MultipleChoiceField(
        label=gettext_lazy("Content types"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy(
            "Every type that applies (a deepfake is an image or video and synthetic media). "
            "Leave empty to use the phenomenon's."
        ),
    )
    minor_depicted = forms.BooleanField(
        label=gettext_lazy("A person depicted or targeted appears to be a minor"),
        required=False,
        help_text=gettext_lazy(
            "Your own judgement, whatever the report says. It switches to the child-protection "
            "keywords, forbids keeping any picture or video of this item and marks the case "
            "for the hotline."
        ),
    )
    facts_on = forms.DateField(
        label=gettext_lazy("Date of the facts"),
        required=False,
        widget=IsoDateInput(),
        error_messages=DATE_ERRORS,
    )

    def __init__(
        self,
        *args: Any,
        confirmed: frozenset[str] = frozenset(),
        default_facts_on: dt.date | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.confirmed = confirmed
        if default_facts_on:
            self.fields["facts_on"].widget.attrs["data-default"] = default_facts_on.isoformat()
            self.fields["facts_on"].help_text = _(
                "When the content was posted, if known. It decides which legal texts apply (the "
                "new Criminal Code replaced the old one's articles). Left empty: %(date)s, the "
                "posting time recorded on the item, else the day it was first reported."
            ) % {"date": default_facts_on.isoformat()}
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
            (c, b.label()) for c, b in taxonomy.legal_bases().items()
        ]
        self.fields["content_types"].choices = [
            (alias, content_type_label(key))
            for alias, key in taxonomy.content_type_aliases().items()
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
                bases=[self._choice(b, checked) for b in p.legal_bases],
                is_open=p.code == chosen or any(b.code in checked for b in p.legal_bases),
            )
            for p in taxonomy.phenomena().values()
            if p.legal_bases
        ]

    def _choice(self, b: taxonomy.LegalBasis, checked: set[str]) -> LegalBaseChoice:
        start = b.valid_from.isoformat() if b.valid_from else ""
        end = b.valid_to.isoformat() if b.valid_to else ""
        if end and b.valid_to_provisional:
            validity = _("in force since %(start)s; end date %(end)s to be confirmed") % {
                "start": start or "…",
                "end": end,
            }
        elif end:
            validity = _("in force from %(start)s to %(end)s") % {"start": start or "…", "end": end}
        else:
            validity = _("in force since %(start)s") % {"start": start or "…"}
        return LegalBaseChoice(
            code=b.code,
            label=b.label(),
            citation=b.citation(),
            validity=validity,
            valid_from=start,
            valid_to=end,
            needs_verification=b.verify,
            is_provisional=b.valid_to_provisional,
            is_confirmed=b.code in self.confirmed,
            is_checked=b.code in checked,
            elements=b.offence_elements(),
        )

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


class IdentifiersForm(_Form):
    """The item page's art. 16(2)(b) identifiers; the service validates and normalises.

    Times are shown and typed in the installation's time zone (``2026-12-07 14:05``) or with
    an offset (``2026-12-07T14:05+01:00``); the item stores them in UTC.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "identifiers-%s")  # apart from the item page's other forms
        super().__init__(*args, **kwargs)
        # One field per identifier the service knows, with its label and limit.
        for name, (label, limit) in FIELDS.items():
            widget = forms.TextInput(
                attrs={"placeholder": gettext_lazy("YYYY-MM-DD HH:MM"), "size": 22}
                if name in TIMES
                else {}
            )
            self.fields[name] = forms.CharField(
                label=label, max_length=limit, required=False, widget=widget
            )

    @classmethod
    def initial_for(cls, identifiers: dict[str, str]) -> dict[str, str]:
        """The stored values, times back in local time as the analyst typed them."""
        return {
            name: local_time(value) if name in TIMES else value
            for name, value in identifiers.items()
        }


def local_time(value: str) -> str:
    """A stored UTC time as ``2026-12-07 14:05`` in the installation's time zone."""
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
