"""The forms registering a platform and adding domains to one."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

LANGUAGE_CODE = re.compile(r"^[a-z]{2}$")


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
