"""Showing a service's ``FlagdeskError`` on the Django form that called it."""

from __future__ import annotations

from django import forms

from .errors import FlagdeskError


def show_error(form: forms.Form, error: FlagdeskError) -> None:
    """A service error next to the fields it names, its message at the top of the form.

    Messages for fields the form does not have go to the top too, so nothing is lost.
    """
    form.add_error(None, str(error.message))
    for name, msgs in error.fields.items():
        listed = msgs if isinstance(msgs, list) else [msgs]
        form.add_error(name if name in form.fields else None, [str(m) for m in listed])
