"""Words for staff pages: what reporters said about themselves, as staff speak of them.

``Report.ReporterRole``'s labels speak as the reporter ("I am the person targeted or
shown"): right on the public form, odd on an officer's page. Staff forms and tables show
``staff_role_label`` instead; the stored codes are the same.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import Report

R = Report.ReporterRole

STAFF_ROLE_LABELS: dict[str, Promise] = {
    R.VICTIM: _("The person targeted or shown"),
    R.WITNESS: _("Someone who saw it online"),
    R.PARENT: _("A parent or guardian"),
    R.PROFESSIONAL: _("A professional"),
    R.OTHER: _("Other"),
}


def staff_role_label(code: str) -> str:
    """The reporter's role as staff read it; an unknown code is shown as it is."""
    label = STAFF_ROLE_LABELS.get(code)
    return str(label) if label is not None else code


def staff_role_choices() -> list[tuple[str, Promise]]:
    """(code, staff label) for every role, in the public form's order."""
    return [(code, STAFF_ROLE_LABELS[code]) for code in R.values]
