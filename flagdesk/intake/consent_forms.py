"""The reporter's form to give or withdraw the consent to the reporters' bank."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .forms import ChoiceList, StatusForm

KEEP, STOP = "keep", "stop"


class BankConsentForm(StatusForm):
    choice = forms.ChoiceField(
        label=_("What do you want?"),
        choices=[
            (KEEP, _("Keep looking: keep the fingerprints of my pictures in your bank")),
            (STOP, _("Stop: take the fingerprints of my pictures out of your bank")),
        ],
        widget=ChoiceList,
        error_messages={"required": _("Choose whether we keep looking or stop.")},
    )
