"""The forms registering a platform, adding domains to one, editing its facts and channels,
and importing the registry."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any, cast

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from flagdesk.core import taxonomy
from flagdesk.core.errors import FlagdeskError

from .models import DEFAULT_SLA_HOURS, Platform, PlatformChannel
from .services.channels import MAX_CHANNELS
from .services.registry import clean_patterns, clean_plan, clean_puid_pattern

LANGUAGE_CODE = re.compile(r"^[a-z]{2}$")
MAX_IMPORT_BYTES = 5 * 1024 * 1024


def split_list(raw: str) -> list[str]:
    return [part.strip() for part in re.split(r"[\s,;]+", raw) if part.strip()]


class _Form(forms.Form):
    """Labels without the trailing colon Django adds; our templates lay labels out above."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


def _domains_field() -> forms.CharField:
    return forms.CharField(
        label=_("Domains"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line, without http:// (example.org, not www.example.org)."),
    )


class DomainsForm(_Form):
    """Domains to add to a registered platform; the service validates each one."""

    domains = _domains_field()

    def clean_domains(self) -> list[str]:
        return split_list(self.cleaned_data["domains"])


class PlatformForm(_Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    domains = _domains_field()
    notice_address = forms.EmailField(
        label=_("Notice address"),
        help_text=_("The email address the platform publishes for art. 16 notices."),
    )
    languages = forms.CharField(
        label=_("Notice languages"),
        initial="en",
        help_text=_("Two-letter codes the platform accepts, in order of preference: en, fr."),
    )
    is_vlop = forms.BooleanField(label=_("Very large online platform (VLOP)"), required=False)
    accepts_hash_matching = forms.BooleanField(
        label=_("Accepts hash matching"),
        required=False,
        help_text=_(
            "Notices then carry each item's known hashes (PDQ, MD5, SHA-256), never the media."
        ),
    )

    def clean_domains(self) -> list[str]:
        return split_list(self.cleaned_data["domains"])

    def clean_languages(self) -> list[str]:
        codes = [c.lower() for c in split_list(self.cleaned_data["languages"])]
        if not codes:
            raise forms.ValidationError(_("Give at least one language."))
        if bad := [c for c in codes if not LANGUAGE_CODE.match(c)]:
            raise forms.ValidationError(
                _("Not a two-letter language code: %(codes)s.") % {"codes": ", ".join(bad)}
            )
        return codes


# The languages notices are written in, as the registry offers them.
NOTICE_LANGUAGES = (
    ("en", _("English")),
    ("fr", _("French")),
    ("nl", _("Dutch")),
    ("de", _("German")),
)
SLA_PREFIX = "sla_"
RECHECK_PREFIX = "recheck_"


def _number_field(label: Any, *, help_text: Any = "") -> forms.IntegerField:
    # A text box (styled like the others), with the numeric keyboard on phones.
    return forms.IntegerField(
        label=label,
        required=False,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 5}),
    )


class RecheckPlanField(forms.CharField):
    """A re-check plan typed as "1, 6, 24": hours after the first notice. Empty: no plan of
    its own (the row above it, or the organisation's, applies)."""

    def __init__(self, row_label: Any, **kwargs: Any) -> None:
        # The table shows the phenomenon; the error summary, which lists the response-time
        # rows too, needs the whole name.
        self.row_label = row_label
        super().__init__(
            label=_("Re-checks: %(phenomenon)s") % {"phenomenon": row_label},
            required=False,
            max_length=200,
            widget=forms.TextInput(attrs={"size": 14, "autocomplete": "off"}),
            **kwargs,
        )

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return ", ".join(str(h) for h in value)
        return value

    def clean(self, value: Any) -> list[int] | None:
        text = super().clean(value)
        parts = split_list(text)
        if not parts:
            return None
        if not all(part.isascii() and part.isdigit() for part in parts):
            raise forms.ValidationError(_("Whole hours only, separated by commas, e.g. 1, 6, 24."))
        try:
            return clean_plan([int(part) for part in parts])
        except FlagdeskError as e:  # the registry's own rules, shown on this row
            raise forms.ValidationError(str(e.message)) from None


class PatternsField(forms.CharField):
    """The "content unavailable" patterns, checked by the registry's rules on this field (and
    normalised as stored, so an unchanged text is not sent as a change)."""

    def clean(self, value: Any) -> str:
        text = super().clean(value)
        try:
            return clean_patterns(text)
        except FlagdeskError as e:
            raise forms.ValidationError(str(e.message)) from None


class PlatformFactsForm(_Form):
    """The registry's facts about one platform. The service (``update_facts``) holds the rules;
    this form only turns the page's inputs into its arguments, so its errors land here."""

    category = forms.ChoiceField(label=_("Category"), required=False)
    legal_entity = forms.CharField(
        label=_("Legal entity"),
        required=False,
        help_text=_("The provider notices are addressed to in law, e.g. Google Ireland Limited."),
    )
    member_state = forms.CharField(
        label=_("Member State of establishment"),
        required=False,
        help_text=_("Two letters, e.g. IE or NL."),
        widget=forms.TextInput(attrs={"maxlength": 2, "size": 2, "autocomplete": "off"}),
    )
    is_vlop = forms.BooleanField(label=_("Very large online platform (VLOP)"), required=False)
    is_vlose = forms.BooleanField(
        label=_("Very large online search engine (VLOSE)"), required=False
    )
    is_natural_person = forms.BooleanField(
        label=_("The provider is a natural person"),
        required=False,
        help_text=_(
            "Its name is then never published: the annual report counts it under “Other providers”."
        ),
    )
    tdb_name = forms.CharField(
        label=_("Name in the DSA Transparency Database"),
        required=False,
        help_text=_("To find the platform's statements of reasons."),
    )
    puid_pattern = forms.CharField(
        label=_("Content id in the address (regular expression)"),
        required=False,
        max_length=300,
        help_text=_(
            "Reads the platform's content id from an item's address, to find the statements "
            "the platform published about it; the id is the group named puid, e.g. "
            "^https://video\\.example/watch/(?P<puid>[A-Za-z0-9_-]+)"
        ),
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )
    languages = forms.MultipleChoiceField(
        label=_("Notice languages"),
        choices=NOTICE_LANGUAGES,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Notices are written in the first of these, in the order saved."),
    )
    accepts_hash_matching = forms.BooleanField(
        label=_("Accepts hash matching"),
        required=False,
        help_text=_(
            "Notices then carry each item's known hashes (PDQ, MD5, SHA-256), never the media."
        ),
    )
    escalation_contacts = forms.CharField(
        label=_("Escalation contacts"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Whom to contact when notices go unanswered: names, roles, addresses."),
    )
    renotice_every_hours = _number_field(
        _("Re-notice automatically every (hours)"),
        help_text=_("Empty: never. At least 24 hours."),
    )
    sla_default = _number_field(_("Any phenomenon not listed below"))
    unavailable_patterns = PatternsField(
        label=_("“Content unavailable” patterns"),
        required=False,
        # Not stripped as a whole: the error messages count lines as the text area shows them.
        strip=False,
        widget=forms.Textarea(
            attrs={"rows": 5, "spellcheck": "false", "aria-describedby": "patterns-hint"}
        ),
    )

    def __init__(self, *args: Any, platform: Platform, **kwargs: Any) -> None:
        kwargs.setdefault("initial", self.initial_for(platform))
        super().__init__(*args, **kwargs)
        self.platform = platform
        category = cast(forms.ChoiceField, self.fields["category"])
        category.choices = [("", "—"), *Platform.Category.choices]
        self.fields["sla_default"].help_text = _("Empty: %(hours)d hours.") % {
            "hours": DEFAULT_SLA_HOURS
        }
        # One optional row per phenomenon, labelled in the reader's language (per request).
        for code, label in taxonomy.phenomenon_choices():
            self.fields[f"{SLA_PREFIX}{code}"] = _number_field(label)
        # The re-check rows are made here too (their labels are formatted per request), in
        # the page's order, which the error summary follows.
        self.fields["recheck_default"] = RecheckPlanField(
            _("Any phenomenon not listed below"),
            help_text=_("Empty: the organisation's plan, %(hours)s.")
            % {"hours": ", ".join(str(h) for h in settings.MONITORING_RECHECK_HOURS)},
        )
        for code, label in taxonomy.phenomenon_choices():
            self.fields[f"{RECHECK_PREFIX}{code}"] = RecheckPlanField(label)
        self.fields["unavailable_patterns"] = self.fields.pop("unavailable_patterns")

    @staticmethod
    def initial_for(platform: Platform) -> dict[str, Any]:
        initial: dict[str, Any] = {
            field: getattr(platform, field)
            for field in (
                "category",
                "legal_entity",
                "member_state",
                "is_vlop",
                "is_vlose",
                "is_natural_person",
                "tdb_name",
                "puid_pattern",
                "languages",
                "accepts_hash_matching",
                "escalation_contacts",
                "renotice_every_hours",
                "unavailable_patterns",
            )
        }
        for key, hours in (platform.sla_hours or {}).items():
            initial[f"{SLA_PREFIX}{key}"] = hours
        for key, plan in (platform.recheck_hours or {}).items():
            initial[f"{RECHECK_PREFIX}{key}"] = plan
        return initial

    def clean_puid_pattern(self) -> str:
        try:
            return clean_puid_pattern(self.cleaned_data["puid_pattern"])
        except FlagdeskError as e:
            raise forms.ValidationError(str(e.message)) from None

    def sla_rows(self) -> list[forms.BoundField]:
        """The hours fields per phenomenon, in the taxonomy's order (``default`` apart)."""
        return [
            self[name]
            for name in self.fields
            if name.startswith(SLA_PREFIX) and name != "sla_default"
        ]

    def recheck_rows(self) -> list[forms.BoundField]:
        """The re-check plan fields per phenomenon, in the taxonomy's order (``default`` apart)."""
        return [
            self[name]
            for name in self.fields
            if name.startswith(RECHECK_PREFIX) and name != "recheck_default"
        ]

    @staticmethod
    def recheck_repeat() -> str:
        """What happens after a plan's last point (the organisation's settings)."""
        every = int(settings.MONITORING_RECHECK_EVERY_HOURS)
        return ngettext(
            "After the last one, the item is checked again every hour, until %(days)d days "
            "after the notice.",
            "After the last one, the item is checked again every %(every)d hours, until "
            "%(days)d days after the notice.",
            every,
        ) % {"every": every, "days": int(settings.MONITORING_WATCH_DAYS)}

    def facts(self) -> dict[str, Any]:
        """``update_facts``' arguments for the facts that changed, hash matching apart (it has
        its own service). Only changes: saving a new legal entity must not, for instance, make
        this user the approver of a re-notice cadence someone else set."""
        data = self.cleaned_data
        checked = data["languages"]
        # Checkboxes have no order, yet the first language is the one notices are written in:
        # keep the saved order and add newly ticked languages after it.
        saved = [code for code in self.platform.languages if code in checked]
        languages = saved + [code for code in checked if code not in saved]
        sla = {
            name.removeprefix(SLA_PREFIX): data[name]
            for name in self.fields
            if name.startswith(SLA_PREFIX) and data.get(name) is not None
        }
        recheck = {
            name.removeprefix(RECHECK_PREFIX): data[name]
            for name in self.fields
            if name.startswith(RECHECK_PREFIX) and data.get(name) is not None
        }
        entered = {
            "category": data["category"],
            "legal_entity": data["legal_entity"],
            "member_state": data["member_state"],
            "is_vlop": data["is_vlop"],
            "is_vlose": data["is_vlose"],
            "is_natural_person": data["is_natural_person"],
            "tdb_name": data["tdb_name"],
            "puid_pattern": data["puid_pattern"],
            "languages": languages,
            "escalation_contacts": data["escalation_contacts"],
            "renotice_every_hours": data["renotice_every_hours"],
            "sla_hours": sla,
            "recheck_hours": recheck,
            "unavailable_patterns": data["unavailable_patterns"],
        }
        return {f: v for f, v in entered.items() if getattr(self.platform, f) != v}


class ChannelForm(_Form):
    """One row of the channels table; ``check_channel`` decides whether it can work."""

    kind = forms.ChoiceField(label=_("Type"), choices=[("", "—"), *PlatformChannel.Kind.choices])
    address = forms.CharField(
        label=_("Email address"),
        required=False,
        max_length=254,
        widget=forms.TextInput(attrs={"placeholder": "dsa@platform.example"}),
    )
    endpoint = forms.CharField(
        label=_("Endpoint or form page"),
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": "https://"}),
    )
    auth = forms.ChoiceField(
        label=_("Authentication"), required=False, choices=PlatformChannel.Auth.choices
    )
    secret_ref = forms.CharField(
        label=_("Secret reference"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": "env:NAME / file:/path"}),
    )
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("The platform's")), *NOTICE_LANGUAGES],
    )
    timeout_seconds = _number_field(_("Timeout (seconds)"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("timeout_seconds") is not None and data.get("kind") != "api":
            self.add_error("timeout_seconds", _("Only an API channel has a timeout."))
        return data

    def channel(self) -> dict[str, Any]:
        """This row as one of ``set_channels``' channels."""
        data = self.cleaned_data
        timeout = data.get("timeout_seconds")
        return {
            "kind": data["kind"],
            "address": data["address"],
            "endpoint": data["endpoint"],
            "auth": data["auth"],
            "secret_ref": data["secret_ref"],
            "language": data["language"],
            "options": {"timeout_seconds": timeout} if timeout is not None else {},
        }


# Always MAX_CHANNELS rows: the saved channels first, then blank ones (left blank, ignored).
ChannelFormSet = forms.formset_factory(
    ChannelForm,
    extra=MAX_CHANNELS,
    max_num=MAX_CHANNELS,
    validate_max=True,
    can_order=True,
    can_delete=True,
)


def channel_initial(channels: Iterable[PlatformChannel]) -> list[dict[str, Any]]:
    return [
        {
            "kind": c.kind,
            "address": c.address,
            "endpoint": c.endpoint,
            "auth": c.auth,
            "secret_ref": c.secret_ref,
            "language": c.language,
            "timeout_seconds": (c.options or {}).get("timeout_seconds"),
        }
        for c in channels
    ]


def show_channel_error(rows: Sequence[ChannelForm], error: FlagdeskError) -> list[str]:
    """``set_channels``' problems next to the fields of the rows that gave them (its keys
    count channels from 1: ``channels.2.endpoint`` is the second row sent); what fits no row
    is returned, for the top of the table."""
    left: list[str] = []
    for key, message in error.fields.items():
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == "channels" and parts[1].isdigit():
            position = int(parts[1])
            if 1 <= position <= len(rows):
                row = rows[position - 1]
                name = "timeout_seconds" if parts[2] == "options" else parts[2]
                row.add_error(name if name in row.fields else None, str(message))
                continue
        left.append(f"{key}: {message}")
    return left or ([] if error.fields else [str(error.message)])


class RegistryImportForm(_Form):
    """A registry file (the export's format); read and parsed here, checked by the service."""

    file = forms.FileField(
        label=_("Registry file (JSON)"),
        help_text=_("A flagdesk platform registry, e.g. another instance's export; at most 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".json,application/json"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                _("The file is larger than 5 MB; a registry is much smaller. Is it the right file?")
            )
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(
                _("The file is not UTF-8 text; export the registry again as JSON.")
            ) from None
        try:
            return json.loads(text)
        except (ValueError, RecursionError) as e:
            line = getattr(e, "lineno", None)
            if line:
                raise forms.ValidationError(
                    _("The file is not valid JSON (line %(line)d).") % {"line": line}
                ) from None
            raise forms.ValidationError(_("The file is not valid JSON.")) from None
