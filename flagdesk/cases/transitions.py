"""The item state machine: the only code that changes ``Item.status`` (S6).

``ALLOWED`` mirrors the table in docs/api.md ("Item statuses"). Every move writes one
``CaseEvent``; the conditional UPDATE makes the slower of two simultaneous users fail with
``StaleState``.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from flagdesk.accounts.models import User
from flagdesk.core.errors import Conflict

from .models import CaseEvent, Item

S = Item.Status

ALLOWED: dict[str, frozenset[str]] = {
    S.NEW: frozenset({S.ASSESSING, S.DUPLICATE, S.OUT_OF_SCOPE}),
    S.ASSESSING: frozenset({S.AWAITING_REVIEW, S.DUPLICATE}),
    S.AWAITING_REVIEW: frozenset(
        {S.APPROVED, S.ASSESSING, S.NOT_ILLEGAL, S.OUT_OF_SCOPE, S.DUPLICATE}
    ),
    S.APPROVED: frozenset({S.NOTIFIED, S.ASSESSING}),
    S.NOTIFIED: frozenset({S.REMOVED, S.RESTRICTED, S.REFUSED, S.STILL_ONLINE, S.APPROVED}),
    # A platform's decision can be corrected or reversed (after an art. 20 complaint), so the
    # three decision outcomes reach one another; ``restricted`` is reachable wherever
    # ``removed`` is, since both are what a platform decided.
    S.REMOVED: frozenset({S.CLOSED, S.STILL_ONLINE, S.RESTRICTED, S.REFUSED}),
    S.RESTRICTED: frozenset({S.REMOVED, S.REFUSED, S.STILL_ONLINE, S.ESCALATED, S.CLOSED}),
    S.REFUSED: frozenset({S.ESCALATED, S.CLOSED, S.REMOVED, S.RESTRICTED}),
    S.STILL_ONLINE: frozenset({S.ESCALATED, S.NOTIFIED, S.REMOVED, S.RESTRICTED, S.CLOSED}),
    S.ESCALATED: frozenset({S.REMOVED, S.RESTRICTED, S.REFUSED, S.CLOSED}),
    S.CLOSED: frozenset(),
    S.NOT_ILLEGAL: frozenset({S.ASSESSING}),
    S.OUT_OF_SCOPE: frozenset({S.ASSESSING}),
    S.DUPLICATE: frozenset(),
}


class IllegalTransition(Conflict):
    code = "illegal_transition"

    def __init__(self, before: str, after: str) -> None:
        super().__init__(
            _("An item in status “%(before)s” cannot move to “%(after)s”.")
            % {"before": S(before).label, "after": S(after).label}
        )


class StaleState(Conflict):
    code = "stale_state"

    def __init__(self, item: Item) -> None:
        super().__init__(
            _("Someone else changed this item a moment ago. Reload the page and decide again.")
        )


def transition(
    item: Item,
    to: str,
    *,
    actor: User | None,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> CaseEvent:
    """Move ``item`` to ``to`` and write the event; callers hold the transaction."""
    if to not in ALLOWED[item.status]:
        raise IllegalTransition(item.status, to)
    if not Item.objects.filter(pk=item.pk, status=item.status).update(status=to):
        raise StaleState(item)
    event = CaseEvent.objects.create(
        case_id=item.case_id,
        item=item,
        kind=CaseEvent.Kind.STATUS,
        before=item.status,
        after=to,
        actor=actor,
        note=note,
        data=data or {},
    )
    item.status = to
    return event
