"""Matching's panel on the item page (``flagdesk.core.panels``): the item's hashes, its
matches with the audited unblur, media upload and adding to a bank. The session holds the
unblur grants, so the panel reads the request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from flagdesk.accounts.models import User
from flagdesk.cases.models import Case, Item
from flagdesk.cases.services.assessment import ASSESSOR_ROLES
from flagdesk.cases.services.merge import MERGE_ROLES
from flagdesk.cases.views import ASSESSABLE
from flagdesk.core.panels import Panel

from . import queries
from .forms import AddToBankForm, MediaUploadForm
from .models import Match
from .services.prefill import prefill_source
from .services.roles import BANK_READERS, BANK_WRITERS, HASHERS, UNBLURRERS
from .views.thumbnails import is_unblurred

# The panel's fields get their own ids, apart from the item page's forms.
AUTO_ID = "matching-%s"


@dataclass(frozen=True)
class MatchRow:
    match: Match
    has_picture: bool
    is_unblurred: bool
    can_unblur: bool
    can_assess: bool
    # The known item's case, when this item may join it in one click (another case the user
    # may open, not merged away, and the user may move items between cases).
    move_to: Case | None = None


def _move_target(user: User, item: Item, match: Match, movable: set[Any] | None) -> Case | None:
    """The case this item may join in one click (``movable``: the known items the user may
    move items towards; None when the user may not move items at all): the known item's,
    or, for a reporter's picture known by its case only (``BankEntry.case``), that case."""
    if movable is None:
        return None
    known = match.entry.item
    if known is not None:
        target = known.case if known.pk in movable else None
    else:
        target = queries.known_case(user, match.entry)
    if target is None or target.pk == item.case_id or target.merged_into_id is not None:
        return None
    return target


def _match_rows(user: User, item: Item, session: Any) -> list[MatchRow]:
    rows = []
    can_unblur = user.has_any_role(*UNBLURRERS)
    can_assess = user.has_any_role(*ASSESSOR_ROLES) and item.status in ASSESSABLE
    matches = list(queries.item_matches(user, item))
    movable = (
        queries.openable_items(user, (m.entry.item_id for m in matches))
        if user.has_any_role(*MERGE_ROLES)
        else None
    )
    for match in matches:
        has_picture = bool(match.signal.thumbnail or match.entry.thumbnail)
        rows.append(
            MatchRow(
                match=match,
                has_picture=has_picture,
                is_unblurred=has_picture and can_unblur and is_unblurred(session, str(match.id)),
                can_unblur=has_picture and can_unblur,
                can_assess=can_assess and prefill_source(match) is not None,
                move_to=_move_target(user, item, match, movable),
            )
        )
    return rows


def item_panel(request: HttpRequest, item: Item) -> Panel:
    """The item page's matching section: hashes, matches, media upload, add to a bank."""
    user = request.user
    signals = list(queries.item_signals(item))
    can_hash = user.has_any_role(*HASHERS)
    can_add = bool(signals) and user.has_any_role(*BANK_WRITERS)
    context = {
        "item": item,
        "signals": signals,
        "can_read_matches": user.has_any_role(*BANK_READERS),
        "matches": (rows := _match_rows(user, item, request.session)),
        "openable": queries.openable_items(user, (r.match.entry.item_id for r in rows)),
        "openable_cases": queries.openable_cases(user, (r.match.entry for r in rows)),
        "match_count": queries.item_match_count(item),
        "kept_files": list(item.media_files.all()) if user.has_any_role(*UNBLURRERS) else [],
        "upload_form": MediaUploadForm(item=item, auto_id=AUTO_ID) if can_hash else None,
        "bank_form": (
            AddToBankForm(banks=list(queries.visible_banks(user)), auto_id=AUTO_ID)
            if can_add
            else None
        ),
    }
    return Panel("matching/item_panel.html", context, slot="after_actions")


def case_panel(request: HttpRequest, case: Case, items: list[Item]) -> Panel | None:
    """The case page's matches: every match of the case's items with known hashes, each with
    its picture blurred and greyscale (unblurring is done on the item page, audited), and
    the known item it matched. Nothing for roles that do not read the banks."""
    user = request.user
    if not user.has_any_role(*BANK_READERS) or not items:
        return None
    matches = list(queries.case_matches(user, items))
    context = {
        "matches": matches,
        "openable": queries.openable_items(user, (m.entry.item_id for m in matches)),
        "openable_cases": queries.openable_cases(user, (m.entry for m in matches)),
    }
    return Panel("matching/case_panel.html", context, slot="after_items")
