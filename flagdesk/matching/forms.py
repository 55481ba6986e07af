"""Forms of the matching pages: banks, entries, imports, look-ups and the item panel.

Forms only parse what a person typed; every rule about banks and hashes is the services' (S3),
whose errors come back onto the form through ``core.forms.show_error``.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from flagdesk.accounts.models import User
from flagdesk.cases.forms import _Form
from flagdesk.cases.models import Item
from flagdesk.core import taxonomy

from .models import HashBank
from .services.matching import involves_minor, may_keep_media
from .signal_types import SIGNAL_TYPES, ComputedSignal, InvalidSignal, Pdq, signal_type

MAX_PASTED_HASHES = 200
BARE_PDQ = re.compile(r"^[0-9a-fA-F]{64}$")
# A hint for the browser's file picker; what a file really is, the server reads from its bytes.
MEDIA_ACCEPT = "image/*,video/*"
# The id of the sentence that explains a disabled "keep a thumbnail" box.
KEEP_REFUSAL_ID = "keep-refusal"


def signal_choices() -> list[tuple[str, str]]:
    return [(name, t.label) for name, t in SIGNAL_TYPES.items()]


class BankForm(_Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    slug = forms.CharField(
        label=gettext_lazy("Short name"),
        max_length=60,
        required=False,
        help_text=gettext_lazy("Used in addresses and exports; made from the name if empty."),
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=HashBank.Kind.choices)
    phenomenon = forms.ChoiceField(label=gettext_lazy("Phenomenon"), required=False)
    description = forms.CharField(
        label=gettext_lazy("Description"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    partner = forms.ModelChoiceField(
        label=gettext_lazy("Partner account"),
        queryset=User.objects.none(),
        required=False,
        empty_label="—",
        help_text=gettext_lazy("For a partner's bank: the account that adds hashes by API."),
    )
    is_shared = forms.BooleanField(
        label=gettext_lazy("Share with partners"),
        required=False,
        help_text=gettext_lazy("Partners with an API token may then fetch this bank's hashes."),
    )

    def __init__(self, *args: Any, partners: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["phenomenon"].choices = [("", "—"), *taxonomy.phenomenon_choices()]
        self.fields["partner"].queryset = partners


class SwitchForm(_Form):
    """One on/off decision posted by a button (enable a bank, share it)."""

    turn_on = forms.BooleanField(required=False)


class EntryFilterForm(_Form):
    type = forms.ChoiceField(label=gettext_lazy("Signal type"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = [("", _("All types")), *signal_choices()]

    def signal_type(self) -> str:
        """The chosen type, or none (all) when the query string holds anything else."""
        return str(self.cleaned_data.get("type") or "") if self.is_valid() else ""


class RemoveEntryForm(_Form):
    # Not required here: the service says how long a reason must be, in its own words.
    reason = forms.CharField(
        label=gettext_lazy("Why is this hash removed?"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("For example: a false positive, with the item that showed it."),
    )


class PrefillForm(_Form):
    assessment = forms.ChoiceField(
        label=gettext_lazy("Assessment that matches may reuse"),
        required=False,
        help_text=gettext_lazy(
            "An analyst still clicks to use it for the new item, and a reviewer still decides."
        ),
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assessment"].choices = [("", _("None: withdraw the permission")), *choices]


class ImportForm(_Form):
    file = forms.FileField(label=gettext_lazy("File"))
    format = forms.ChoiceField(label=gettext_lazy("Format"))
    signal_type = forms.ChoiceField(
        label=gettext_lazy("Signal type of rows that do not name one"),
        required=False,
        help_text=gettext_lazy("A plain list of 64-digit hashes may be PDQ or SHA-256: say which."),
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("Dry run: check the file and report, add nothing"),
        required=False,
        initial=True,
    )

    def __init__(self, *args: Any, formats: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["format"].choices = formats
        self.fields["signal_type"].choices = [("", _("Tell from each hash")), *signal_choices()]


def parse_pasted_hashes(text: str) -> list[ComputedSignal]:
    """One hash a line, ``type value`` or a bare 64-hex PDQ; every bad line is named.

    Pasted hashes carry no quality, so they are trusted as given.
    """
    signals: list[ComputedSignal] = []
    errors: list[str] = []
    lines = [(n, line.strip()) for n, line in enumerate(text.splitlines(), start=1)]
    lines = [(n, line) for n, line in lines if line]
    if len(lines) > MAX_PASTED_HASHES:
        raise ValidationError(
            _("Paste at most %(max)d hashes at a time.") % {"max": MAX_PASTED_HASHES}
        )
    for number, line in lines:
        kind_name, value = [*line.split(None, 1), ""][:2]
        if BARE_PDQ.match(line):
            kind_name, value = Pdq.name, line
        try:
            kind = signal_type(kind_name)
            signals.append(ComputedSignal(kind.name, kind.validate(value), None))
        except InvalidSignal as exc:
            errors.append(_("Line %(line)d: %(error)s") % {"line": number, "error": exc})
    if errors:
        raise ValidationError(errors)
    return signals


class LookupForm(_Form):
    file = forms.FileField(
        label=gettext_lazy("Image or video"),
        required=False,
        widget=forms.FileInput(attrs={"accept": MEDIA_ACCEPT}),
        help_text=gettext_lazy("Hashed in memory and discarded; nothing is stored."),
    )
    hashes = forms.CharField(
        label=gettext_lazy("Or paste hashes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "false"}),
        help_text=gettext_lazy(
            "One per line: the signal type and the value (pdq, vpdq, md5, sha256), "
            "or a bare 64-digit PDQ."
        ),
    )

    def clean_hashes(self) -> list[ComputedSignal]:
        return parse_pasted_hashes(self.cleaned_data.get("hashes") or "")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and not data.get("file") and not data.get("hashes"):
            raise ValidationError(_("Choose a file or paste at least one hash."))
        if data.get("file") and data.get("hashes"):
            raise ValidationError(_("Look up either a file or pasted hashes, not both."))
        return data


def keep_media_refusal(item: Item) -> str:
    """Why no thumbnail may be kept for this item's media, or "" where one may (legal.md)."""
    if may_keep_media(item):
        return ""
    if involves_minor(item):
        return _(
            "A minor is depicted or targeted in this case, so no picture or video of it is "
            "kept: only URLs and hashes."
        )
    if not item.phenomenon:
        return _(
            "No phenomenon is set for this item yet, so no picture is kept: it might be child "
            "sexual abuse material, of which the law allows us to keep only URLs and hashes."
        )
    return _(
        "For this phenomenon the law allows us to keep only URLs and hashes, never the media "
        "or a thumbnail of it."
    )


class MediaUploadForm(_Form):
    file = forms.FileField(
        label=gettext_lazy("Image or video of this item"),
        widget=forms.FileInput(attrs={"accept": MEDIA_ACCEPT}),
    )
    keep_thumbnail = forms.BooleanField(
        label=gettext_lazy("Keep a greyscale thumbnail as evidence"),
        required=False,
    )
    keep_file = forms.BooleanField(
        label=gettext_lazy("Keep the file itself as evidence (stored encrypted)"),
        required=False,
    )

    def __init__(self, *args: Any, item: Item, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.keep_refusal = keep_media_refusal(item)
        if self.keep_refusal:
            # A disabled field ignores what is posted: no thumbnail, whatever the browser sends.
            for name in ("keep_thumbnail", "keep_file"):
                self.fields[name].disabled = True
                self.fields[name].widget.attrs["aria-describedby"] = KEEP_REFUSAL_ID


class AddToBankForm(_Form):
    bank = forms.ChoiceField(label=gettext_lazy("Bank"))
    tags = forms.CharField(
        label=gettext_lazy("Tags"),
        required=False,
        max_length=600,
        help_text=gettext_lazy("Separated by commas, e.g. ncii, confirmed."),
    )

    def __init__(self, *args: Any, banks: list[HashBank], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["bank"].choices = [(b.slug, b.name) for b in banks]

    def clean_tags(self) -> list[str]:
        return [t.strip() for t in (self.cleaned_data.get("tags") or "").split(",") if t.strip()]
