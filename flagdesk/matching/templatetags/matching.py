"""``{% item_matching_panel item %}`` on the item page, and how hashes and times are shown.

The panel is a tag rather than context from the cases view because cases comes before
matching in the import order (S1): the item page includes it, and only this app reads its
models. It needs ``request`` in the context (the session holds the unblur grants).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from flagdesk.accounts.models import CASEWORK_ROLES, User
from flagdesk.cases.models import Item
from flagdesk.cases.services.assessment import ASSESSOR_ROLES
from flagdesk.cases.views import ASSESSABLE, phenomenon_label

from .. import queries
from ..forms import AddToBankForm, MediaUploadForm
from ..models import Match
from ..services.prefill import prefill_source
from ..services.roles import BANK_READERS, BANK_WRITERS, HASHERS, UNBLURRERS
from ..signal_types import SIGNAL_TYPES, Vpdq
from ..views.thumbnails import is_unblurred

register = template.Library()

SHORT_HASH_CHARS = 16
# The panel's fields get their own ids, apart from the item page's forms.
AUTO_ID = "matching-%s"


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


@dataclass(frozen=True)
class MatchRow:
    match: Match
    has_picture: bool
    is_unblurred: bool
    can_unblur: bool
    can_assess: bool


def _match_rows(user: User, item: Item, session: Any) -> list[MatchRow]:
    rows = []
    can_unblur = user.has_any_role(*UNBLURRERS)
    can_assess = user.has_any_role(*ASSESSOR_ROLES) and item.status in ASSESSABLE
    for match in queries.item_matches(user, item):
        has_picture = bool(match.signal.thumbnail or match.entry.thumbnail)
        rows.append(
            MatchRow(
                match=match,
                has_picture=has_picture,
                is_unblurred=has_picture and can_unblur and is_unblurred(session, str(match.id)),
                can_unblur=has_picture and can_unblur,
                can_assess=can_assess and prefill_source(match) is not None,
            )
        )
    return rows


@register.inclusion_tag("matching/item_panel.html", takes_context=True)
def item_matching_panel(context: template.Context, item: Item) -> dict[str, Any]:
    request = context["request"]
    user = request.user
    signals = list(queries.item_signals(item))
    can_hash = user.has_any_role(*HASHERS)
    can_add = bool(signals) and user.has_any_role(*BANK_WRITERS)
    return {
        "csrf_token": context.get("csrf_token"),
        "request": request,
        "item": item,
        "signals": signals,
        "can_read_matches": user.has_any_role(*BANK_READERS),
        "can_open_items": user.has_any_role(*CASEWORK_ROLES),
        "matches": _match_rows(user, item, request.session),
        "match_count": queries.item_match_count(item),
        "kept_files": list(item.media_files.all()) if user.has_any_role(*UNBLURRERS) else [],
        "upload_form": MediaUploadForm(item=item, auto_id=AUTO_ID) if can_hash else None,
        "bank_form": (
            AddToBankForm(banks=list(queries.visible_banks(user)), auto_id=AUTO_ID)
            if can_add
            else None
        ),
    }
