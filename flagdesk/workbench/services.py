"""Bulk actions of the workbench: each runs the existing service once per item (S4).

"Assess together" is all or nothing: the same qualification for several addresses of the
same content, each item getting its own assessment through ``submit_assessment`` (four eyes
stay per item); one refusal undoes the others and every item's reason is reported at once.
Notices for a set go through the notices' queueing service (one per platform, its
pre-flight); items that are not approved are left out with the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from flagdesk.accounts.models import User
from flagdesk.cases.models import Assessment, Item
from flagdesk.cases.services import assign_item, claim_item, release_item, submit_assessment
from flagdesk.core.errors import FlagdeskError, ValidationFailed
from flagdesk.notices.models import Notice
from flagdesk.notices.services import queue_notices

MAX_BULK = 100


@dataclass
class ItemRefusal:
    item: Item
    message: str


class BulkRefused(ValidationFailed):
    """Nothing was written; ``refusals`` says why, item by item."""

    def __init__(self, message: Any, *, refusals: list[ItemRefusal]) -> None:
        super().__init__(
            message,
            fields={"items": [f"{r.item.case.reference}: {r.message}" for r in refusals]},
        )
        self.refusals = refusals


def _check_size(items: Sequence[Item]) -> None:
    if not items:
        raise ValidationFailed(
            _("Tick at least one item first."), fields={"items": [_("Required.")]}
        )
    if len(items) > MAX_BULK:
        raise ValidationFailed(
            _("At most %(limit)d items at once.") % {"limit": MAX_BULK},
            fields={"items": [_("Too many.")]},
        )


@transaction.atomic
def assess_together(
    items: Sequence[Item], *, actor: User, **qualification: Any
) -> list[Assessment]:
    """One assessment per item, all with the same qualification; all or nothing.

    Raises ``BulkRefused`` with each item's reason when any is refused (nothing stays).
    """
    _check_size(items)
    done: list[Assessment] = []
    refusals: list[ItemRefusal] = []
    for item in items:
        try:
            with transaction.atomic():
                done.append(submit_assessment(item, actor=actor, **qualification))
        except FlagdeskError as e:
            detail = "; ".join(str(m) for msgs in e.fields.values() for m in _as_list(msgs))
            refusals.append(ItemRefusal(item, f"{e.message} {detail}".strip()))
    if refusals:
        raise BulkRefused(
            _("Nothing was saved: %(count)d of the items cannot take this assessment.")
            % {"count": len(refusals)},
            refusals=refusals,
        )
    return done


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@dataclass
class NoticeOutcome:
    notices: list[Notice] = field(default_factory=list)
    left_out: list[ItemRefusal] = field(default_factory=list)


def notify_selected(items: Sequence[Item], *, actor: User) -> NoticeOutcome:
    """Queue notices for the approved items of a selection, one per platform.

    Items not approved are left out, each with its status; the approved ones go through
    ``queue_notices`` and its pre-flight, which refuses them all at once if anything blocks
    (``PreflightFailed``). Raises ``ValidationFailed`` when none is approved.
    """
    _check_size(items)
    outcome = NoticeOutcome()
    approved = []
    for item in items:
        if item.status == Item.Status.APPROVED:
            approved.append(item)
        else:
            outcome.left_out.append(
                ItemRefusal(
                    item,
                    _("not approved as illegal (status: %(status)s)")
                    % {"status": Item.Status(item.status).label},
                )
            )
    if not approved:
        raise BulkRefused(
            _("None of the ticked items is approved, so no notice was sent."),
            refusals=outcome.left_out,
        )
    outcome.notices = queue_notices(approved, actor=actor)
    return outcome


@dataclass
class AssignmentOutcome:
    changed: list[Item] = field(default_factory=list)
    refused: list[ItemRefusal] = field(default_factory=list)


def assign_selected(
    items: Sequence[Item], *, actor: User, how: str, to: User | None = None
) -> AssignmentOutcome:
    """Claim, release or assign each item; one refused (a colleague was faster) does not
    stop the others, and is reported."""
    _check_size(items)
    outcome = AssignmentOutcome()
    for item in items:
        try:
            if how == "claim":
                event = claim_item(item, actor=actor)
            elif how == "release":
                event = release_item(item, actor=actor)
            else:
                assert to is not None  # noqa: S101 - the form requires a colleague
                event = assign_item(item, actor=actor, to=to)
        except FlagdeskError as e:
            outcome.refused.append(ItemRefusal(item, str(e.message)))
        else:
            if event is not None:
                outcome.changed.append(item)
    return outcome
