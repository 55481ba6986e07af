"""``{{ url|readable_url }}``: a stored (IDNA) address with its host as the reporter typed it."""

from __future__ import annotations

from django import template

from ..readable_urls import readable_url

register = template.Library()
register.filter("readable_url", readable_url)
