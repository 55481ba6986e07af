"""Look-ups ("is this known?") and an item's media hashes and matches."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from flagdesk.accounts.auth import TokenAuth
from flagdesk.accounts.models import User
from flagdesk.accounts.permissions import require_role
from flagdesk.accounts.policy import CASEWORK_ROLES
from flagdesk.cases.models import Item
from flagdesk.cases.queries import visible_items
from flagdesk.core.errors import NotFound, ValidationFailed
from flagdesk.core.requests import is_multipart

from ..formats.base import InvalidRow, RawRow
from ..formats.rows import build_row
from ..media import hash_media
from ..models import BankEntry, ItemSignal, Match
from ..queries import item_matches, openable_cases, openable_items
from ..services.matching import Hit, Lookup, find
from ..services.media import hash_item_media
from ..services.roles import BANK_READERS, HASHERS, LOOKUP_ROLES
from ..signal_types import ComputedSignal, signal_type
from ._request import body_doc, flag, form, json_body, user_of

router = Router(tags=["matching"])

MAX_MATCH_SIGNALS = 1000
SIGNAL_SCHEMA = {
    "type": "object",
    "required": ["signal_type", "value"],
    "properties": {
        "signal_type": {"type": "string", "example": "pdq"},
        "value": {"type": "string"},
        "quality": {"type": "integer", "minimum": 0, "maximum": 100},
    },
}
MATCH_BODY = body_doc(
    {
        "type": "object",
        "required": ["signals"],
        "properties": {
            "signals": {"type": "array", "items": SIGNAL_SCHEMA, "maxItems": MAX_MATCH_SIGNALS}
        },
    },
    {},
)


def _signals_from_json(data: Any) -> list[ComputedSignal]:
    """``{"signals": [{"signal_type", "value", "quality"}]}`` checked like an imported row."""
    items = data.get("signals") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        raise ValidationFailed(
            _('Send a file, or JSON of the form {"signals": [{"signal_type", "value"}]}.'),
            fields={"signals": [_("Give at least one hash.")]},
        )
    if len(items) > MAX_MATCH_SIGNALS:
        raise ValidationFailed(
            _("At most %(n)d hashes per request.") % {"n": MAX_MATCH_SIGNALS},
            fields={"signals": [_("Too many hashes.")]},
        )
    signals, errors = [], {}
    for number, item in enumerate(items):
        if not isinstance(item, dict):
            errors[f"signals.{number}"] = [_("Each hash must be a JSON object.")]
            continue
        raw = RawRow(
            line=number,
            signal_type=item.get("signal_type") or "",
            value=item.get("value", item.get("signal")),
            quality=item.get("quality"),
        )
        row = build_row(raw, default_type=None)
        if isinstance(row, InvalidRow):
            errors[f"signals.{number}"] = [row.message]
        else:
            entry = row.entry
            signals.append(ComputedSignal(entry.signal_type, entry.value, entry.quality))
    if errors:
        raise ValidationFailed(_("Some hashes are not valid."), fields=errors)
    return signals


def _item_or_404(user: User, item_id: UUID) -> Item:
    item = visible_items(user).filter(id=item_id).first()
    if item is None:
        raise NotFound(_("No item with this id."))
    return item


def _entry_json(entry: BankEntry, openable: set[UUID]) -> dict[str, Any]:
    """A bank entry; its known item and case only for those who may open them
    (need-to-know), the others learn that there is one (``item_out_of_reach``). An entry
    known by its case only (a reporter's picture) names that case, when it is openable."""
    known = entry.item if entry.item_id in openable else None
    case = known.case if known else entry.case if entry.case_id in openable else None
    return {
        "bank": entry.bank.slug,
        "entry": str(entry.public_id),
        "signal_type": entry.signal_type,
        "item": str(known.pk) if known else None,
        "case": case.reference if case else None,
        "item_out_of_reach": entry.item_id is not None and known is None,
        "tags": list(entry.tags),
        "external_ref": entry.external_ref or None,
    }


def _hit_json(hit: Hit, openable: set[UUID]) -> dict[str, Any]:
    return {
        **_entry_json(hit.entry, openable),
        "distance": hit.distance,
        "query_share": hit.query_share,
        "known_share": hit.known_share,
        "segments": [list(s) for s in hit.segments],
    }


def _lookup_json(lookup: Lookup, openable: set[UUID]) -> dict[str, Any]:
    s = lookup.signal
    return {
        "signal_type": s.signal_type,
        "value": s.value,
        "quality": s.quality,
        "skipped": lookup.skipped or None,
        "matches": [_hit_json(h, openable) for h in lookup.hits],
    }


def _match_json(match: Match, openable: set[UUID]) -> dict[str, Any]:
    return {
        "id": str(match.id),
        **_entry_json(match.entry, openable),
        "value": match.signal.value,
        "distance": match.distance,
        "query_share": match.query_share,
        "known_share": match.known_share,
        "segments": match.segments,
        "created_at": match.created_at.isoformat(),
    }


# -- routes -----------------------------------------------------------------------------


@router.post("/match", auth=TokenAuth(), openapi_extra=MATCH_BODY)
def match(request: HttpRequest) -> dict[str, Any]:
    """Is this known? A file (multipart ``file``) or hashes; nothing is stored, nor the file."""
    require_role(user_of(request), *LOOKUP_ROLES)
    media = None
    if is_multipart(request):
        _, upload = form(request)
        media = hash_media(upload)
        signals = [
            ComputedSignal(s.signal_type, signal_type(s.signal_type).validate(s.value), s.quality)
            for s in media.signals
        ]
    else:
        signals = _signals_from_json(json_body(request))
    lookups = find(signals)
    user = user_of(request)
    hits = [h for lookup in lookups for h in lookup.hits]
    openable = openable_items(user, (h.entry.item_id for h in hits))
    openable |= openable_cases(user, (h.entry for h in hits))
    body: dict[str, Any] = {"results": [_lookup_json(lookup, openable) for lookup in lookups]}
    if media is not None:
        body["media"] = {
            "kind": media.kind,
            "mime": media.mime,
            "size": media.size,
            "width": media.width,
            "height": media.height,
            "duration": media.duration,
            "frame_count": media.frame_count,
        }
    return body


@router.post(
    "/items/{item_id}/media",
    auth=TokenAuth(),
    response={201: dict[str, Any]},
    openapi_extra=body_doc(
        None, {"keep_thumbnail": {"type": "boolean"}, "keep_file": {"type": "boolean"}}
    ),
)
def upload_item_media(request: HttpRequest, item_id: UUID) -> Status[dict[str, Any]]:
    """Hash an item's image or video (multipart ``file``; optional ``keep_thumbnail`` and
    ``keep_file``: keep a thumbnail / the file itself as encrypted evidence where allowed)."""
    user = user_of(request)
    require_role(user, *HASHERS)
    item = _item_or_404(user, item_id)
    fields, upload = form(request)
    result = hash_item_media(
        item,
        upload,
        actor=user,
        source=ItemSignal.Source.API,
        keep_thumbnail=flag(fields.get("keep_thumbnail", ""), "keep_thumbnail"),
        keep_file=flag(fields.get("keep_file", ""), "keep_file"),
    )
    rows = [
        {"signal_type": s.signal_type, "value": s.value, "quality": s.quality}
        for s in result.signals
    ]
    kept = result.kept.media_file
    return Status(
        201,
        {
            "signals": rows,
            "matching": "queued",
            "hashing": "queued" if result.deferred else "done",
            "kept_file": str(kept.pk) if kept else None,
            "not_kept_because": result.kept.refusal or None,
        },
    )


@router.get("/items/{item_id}/matches", auth=TokenAuth())
def item_match_list(request: HttpRequest, item_id: UUID) -> list[dict[str, Any]]:
    user = user_of(request)
    require_role(user, *BANK_READERS)
    require_role(user, *CASEWORK_ROLES)
    item = _item_or_404(user, item_id)
    matches = list(item_matches(user, item))
    openable = openable_items(user, (m.entry.item_id for m in matches))
    openable |= openable_cases(user, (m.entry for m in matches))
    return [_match_json(m, openable) for m in matches]
