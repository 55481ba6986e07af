"""The notice state machine: the only code that changes ``Notice.status`` (S6).

``ALLOWED`` mirrors docs/api.md ("Notice statuses"). The conditional UPDATE makes the slower
of two writers (two workers settling the same send, a person and the inbound API recording
the same decision) fail with ``StaleNotice`` instead of overwriting what the other wrote.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from flagdesk.core.errors import Conflict

from .models import Notice

S = Notice.Status

ALLOWED: dict[str, frozenset[str]] = {
    # A draft is a follow-up waiting for approval; the complaint file for the Digital Services
    # Coordinator is "sent" when a coordinator records that it was lodged (no outbox).
    S.DRAFT: frozenset({S.QUEUED, S.SENT, S.CANCELLED}),
    S.QUEUED: frozenset({S.SENT, S.FAILED, S.CANCELLED}),
    # A failed notice can be queued again by a person, and a send that a dead worker finished
    # after the row was given up still counts: the platform has it.
    S.FAILED: frozenset({S.QUEUED, S.SENT, S.CANCELLED}),
    S.SENT: frozenset({S.ACKNOWLEDGED, S.DECIDED}),
    S.ACKNOWLEDGED: frozenset({S.DECIDED}),
    S.DECIDED: frozenset(),
    S.CANCELLED: frozenset(),
}
# When each status was reached, for the columns that record it.
STAMPS: dict[str, str] = {
    S.QUEUED: "queued_at",
    S.SENT: "sent_at",
    S.ACKNOWLEDGED: "acknowledged_at",
}


class IllegalNoticeTransition(Conflict):
    code = "illegal_transition"

    def __init__(self, before: str, after: str) -> None:
        super().__init__(
            _("A notice in status “%(before)s” cannot move to “%(after)s”.")
            % {"before": S(before).label, "after": S(after).label}
        )


class StaleNotice(Conflict):
    code = "stale_state"

    def __init__(self) -> None:
        super().__init__(
            _("Someone else changed this notice a moment ago. Reload the page and try again.")
        )


def move(notice: Notice, to: str, *, at: dt.datetime | None = None, **fields: Any) -> None:
    """Move ``notice`` to ``to``, stamping when (``at``) and writing ``fields`` with it.

    Callers hold the transaction and write the case events: what happened is theirs to say.
    """
    if to not in ALLOWED[notice.status]:
        raise IllegalNoticeTransition(notice.status, to)
    if at is not None and to in STAMPS:
        fields[STAMPS[to]] = at
    if not Notice.objects.filter(pk=notice.pk, status=notice.status).update(status=to, **fields):
        raise StaleNotice()
    notice.status = to
    for name, value in fields.items():
        setattr(notice, name, value)


def may_move(notice: Notice, to: str) -> bool:
    return to in ALLOWED[notice.status]
