"""The "Leave this site" button of the public pages (docs/accessibility.md)."""

from __future__ import annotations

from django import template
from django.conf import settings

register = template.Library()


@register.inclusion_tag("core/_leave.html")
def leave_button() -> dict[str, str]:
    """The button and its script. A template tag rather than a context processor: the pages
    rendered without a request (500, CSRF refusal, database unavailable) show it too."""
    return {"leave_url": settings.LEAVE_URL}
