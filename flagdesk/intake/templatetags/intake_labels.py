"""``{% load intake_labels %}``: ``{{ report.role|staff_role }}`` on staff pages."""

from __future__ import annotations

from django import template

from flagdesk.intake.labels import staff_role_label

register = template.Library()


@register.filter
def staff_role(code: str) -> str:
    """A reporter's role code in staff words (see ``intake.labels``)."""
    return staff_role_label(str(code or ""))
