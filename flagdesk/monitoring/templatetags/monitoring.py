"""Template filters of monitoring's pages and of the court bundle's summary."""

from __future__ import annotations

from django import template

from ..explain import check_reason as _check_reason
from ..models import Check

register = template.Library()


@register.filter
def check_reason(check: Check) -> str:
    """What a re-check found, said in the reader's language (from its reason code)."""
    return _check_reason(check)
