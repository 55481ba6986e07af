"""The bank-consent section of the status page gets its form from its own view's context, or
an empty one: the status page's view knows nothing of it (intake/consent_views.py)."""

from __future__ import annotations

from typing import Any

from django import template

from ..consent_forms import BankConsentForm
from ..consent_views import PREFIX

register = template.Library()


@register.simple_tag(takes_context=True)
def bank_consent_form(context: Any) -> BankConsentForm:
    form = context.get("consent_form")
    return form if isinstance(form, BankConsentForm) else BankConsentForm(prefix=PREFIX)
