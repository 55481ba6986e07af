"""Tags of the pages around pictures hashed on the reporter's device (docs/victims.md).

The status page's bank-consent section gets its form from its own view's context, or an empty
one: the status page's view knows nothing of it (intake/consent_views.py). The hasher's
``<script>`` carries the server's limits for pictures, so the browser refuses what the server
would refuse, with the same numbers.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings

from flagdesk.matching.media.image import DEFAULT_MAX_PIXELS, MAX_SIDE
from flagdesk.matching.media.source import byte_limit

from ..consent_forms import BankConsentForm
from ..consent_views import PREFIX

register = template.Library()


@register.simple_tag(takes_context=True)
def bank_consent_form(context: Any) -> BankConsentForm:
    form = context.get("consent_form")
    return form if isinstance(form, BankConsentForm) else BankConsentForm(prefix=PREFIX)


@register.simple_tag
def hasher_limits() -> dict[str, int]:
    """``data-max-pixels``, ``data-max-side`` and ``data-max-bytes`` of hasher.js."""
    pixels = int(getattr(settings, "MATCHING_MAX_IMAGE_PIXELS", DEFAULT_MAX_PIXELS))
    return {"pixels": pixels, "side": MAX_SIDE, "bytes": byte_limit("image")}
