"""Showing a service's ``FlagdeskError`` on the Django form that called it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django import forms

from .errors import FlagdeskError


def show_error(
    form: forms.Form,
    error: FlagdeskError,
    *,
    rows: Mapping[str, Sequence[forms.Form]] | None = None,
) -> None:
    """A service error next to the fields it names, its message at the top of the form.

    ``rows`` maps a list in the service's input (``designations``, ``items``) to the row forms
    that gave its entries, in order: ``designations.2.authority`` then goes next to that field
    of the third row. Messages for fields no form has go to the top, so nothing is lost.
    """
    form.add_error(None, str(error.message))
    for key, msgs in error.fields.items():
        listed = [str(m) for m in (msgs if isinstance(msgs, list) else [msgs])]
        target, name = form, key
        parts = key.split(".")
        if rows and len(parts) == 3 and parts[0] in rows and parts[1].isdigit():
            forms_of_list = rows[parts[0]]
            if int(parts[1]) < len(forms_of_list):
                target, name = forms_of_list[int(parts[1])], parts[2]
        target.add_error(name if name in target.fields else None, listed)
