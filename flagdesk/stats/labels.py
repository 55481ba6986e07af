"""Translated words for the codes the figures count: phenomena, genders, age bands, school
levels, actions and months. Pages, CSV files and the JSON API never show a raw code."""

from __future__ import annotations

import datetime as dt

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from flagdesk.cases.models import CaseFacts
from flagdesk.core import taxonomy
from flagdesk.organisation.age_bands import Band

UNKNOWN = "unknown"

ACTION_LABELS = {
    "removed": gettext_lazy("Removed"),
    "disabled": gettext_lazy("Access disabled"),
    "restricted": gettext_lazy("Restricted"),
    "refused": gettext_lazy("Refused"),
    "no_action": gettext_lazy("No action"),
    "pending": gettext_lazy("No decision yet"),
}


def phenomenon(code: str) -> str:
    if not code:
        return _("Not qualified")
    found = taxonomy.phenomena().get(code)
    return found.label() if found else code


def gender(code: str) -> str:
    if code in CaseFacts.Gender.values:
        return str(CaseFacts.Gender(code).label)
    return _("Unknown")


def band(code: str, bands: list[Band]) -> str:
    for b in bands:
        if b.code == code:
            return b.label
    return _("Unknown")


def school_level(code: str) -> str:
    if code in CaseFacts.SchoolLevel.values:
        return str(CaseFacts.SchoolLevel(code).label)
    return _("Not known")


def action(code: str) -> str:
    return str(ACTION_LABELS.get(code, code))


def month(first_day: dt.date) -> str:
    """ "2026-03" style, which sorts and reads the same in every language."""
    return formats.date_format(first_day, "Y-m")
