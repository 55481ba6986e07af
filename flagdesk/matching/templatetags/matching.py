"""How hashes, qualities and times are shown on matching's pages and its item panel."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from flagdesk.cases.views import phenomenon_label

from ..signal_types import SIGNAL_TYPES, Vpdq

register = template.Library()

SHORT_HASH_CHARS = 16


@register.filter
def clock(seconds: float | int | None) -> str:
    """Seconds as m:ss or h:mm:ss, as a video player shows them."""
    if seconds is None:
        return "—"
    total = round(float(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@register.simple_tag
def hash_value(kind: str, value: str) -> SafeString:
    """A hash short enough for a table cell, the whole of it on hover and for screen readers.

    A vPDQ value is a list of frame hashes, so its length in frames says more than its start.
    """
    if kind == Vpdq.name:
        count = len(Vpdq.frames(value))
        text = ngettext("%(n)d frame", "%(n)d frames", count) % {"n": count}
        return format_html('<span class="hash">{}</span>', text)
    short = value if len(value) <= SHORT_HASH_CHARS else f"{value[:SHORT_HASH_CHARS]}…"
    return format_html(
        '<code class="hash" title="{}" aria-label="{}">{}</code>', value, value, short
    )


@register.simple_tag
def quality(kind: str, value: int | None) -> SafeString:
    """A hash's quality, flagged where it is too low for matching to trust the hash."""
    signal = SIGNAL_TYPES[kind]
    text = "—" if value is None else str(value)
    if signal.is_trusted(value):
        return format_html("{}", text)
    why = _(
        "Under %(min)d: flat or tiny pictures give hashes that match each other, so this one "
        "is not used for matching."
    ) % {"min": signal.min_quality}
    return format_html(
        '{} <span class="badge low" title="{}">{}</span>', text, why, _("too low to trust")
    )


# The label a person reads for a phenomenon code, as on the item page.
register.filter("phenomenon_label", phenomenon_label)


MEDIA_KINDS = {"image": gettext_lazy("image"), "video": gettext_lazy("video")}


@register.filter
def media_kind(kind: str) -> str:
    """'image' or 'video' in the reader's language."""
    return str(MEDIA_KINDS.get(kind, kind))


@register.filter
def signal_label(kind: str) -> str:
    signal = SIGNAL_TYPES.get(kind)
    return signal.label if signal else kind
