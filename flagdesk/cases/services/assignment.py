"""Who works on an item: claim it, release it, assign it to a colleague (docs/workbench.md).

Each change is a conditional UPDATE on the assignee the caller saw, so of two people claiming
the same item at once the slower one is told who was first instead of silently taking it
over; each writes one ``assigned`` event whose data names the accounts before and after
(staff usernames only, never anything about the people in the case).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from flagdesk.accounts.models import User
from flagdesk.accounts.permissions import require_role
from flagdesk.accounts.policy import Action, roles_for
from flagdesk.cases.access import item_scope
from flagdesk.cases.models import TERMINAL_STATUSES, CaseEvent, Item
from flagdesk.core.errors import Conflict, ValidationFailed

CLAIM_ROLES = roles_for(Action.CLAIM)
ASSIGN_ROLES = roles_for(Action.ASSIGN)


class AlreadyClaimed(Conflict):
    code = "already_claimed"


def _name(user: User | None) -> str:
    return user.get_username() if user is not None else ""


def _open(item: Item) -> Item:
    fresh = Item.objects.select_related("assignee").get(pk=item.pk)
    if fresh.status in TERMINAL_STATUSES:
        raise Conflict(
            _("This item is finished (status: %(status)s); nobody needs to work on it.")
            % {"status": Item.Status(fresh.status).label}
        )
    return fresh


def _move(item: Item, *, seen: User | None, to: User | None, actor: User, how: str) -> CaseEvent:
    """Set the assignee if it is still ``seen``; else tell who changed it first."""
    now = timezone.now()
    moved = Item.objects.filter(pk=item.pk, assignee=seen).update(
        assignee=to, assigned_at=now if to is not None else None
    )
    if not moved:
        current = Item.objects.select_related("assignee").get(pk=item.pk).assignee
        raise AlreadyClaimed(
            _("%(name)s took this item a moment ago; look again before changing it.")
            % {"name": _name(current)}
            if current is not None
            else _("This item was released a moment ago; look again before changing it.")
        )
    item.assignee, item.assigned_at = to, now if to is not None else None
    return CaseEvent.objects.create(
        case_id=item.case_id,
        item=item,
        kind=CaseEvent.Kind.ASSIGNED,
        actor=actor,
        data={"how": how, "before": _name(seen), "after": _name(to)},
    )


@transaction.atomic
def claim_item(item: Item, *, actor: User) -> CaseEvent | None:
    """Take an unassigned item to work on it; None when it is already the actor's.

    Raises ``AlreadyClaimed`` (409) naming the colleague who has it, ``Conflict`` for a
    finished item.
    """
    require_role(actor, *CLAIM_ROLES)
    fresh = _open(item)
    if fresh.assignee_id == actor.pk:
        return None
    if fresh.assignee is not None:
        raise AlreadyClaimed(
            _("%(name)s is already working on this item.") % {"name": _name(fresh.assignee)}
        )
    return _move(item, seen=None, to=actor, actor=actor, how="claim")


@transaction.atomic
def release_item(item: Item, *, actor: User) -> CaseEvent | None:
    """Give an item back to the queue: one's own, or anyone's for those who assign work.
    None when nobody has it."""
    require_role(actor, *CLAIM_ROLES)
    fresh = Item.objects.select_related("assignee").get(pk=item.pk)
    if fresh.assignee is None:
        return None
    if fresh.assignee_id != actor.pk:
        require_role(actor, *ASSIGN_ROLES)
    return _move(item, seen=fresh.assignee, to=None, actor=actor, how="release")


def may_take_work(user: User) -> bool:
    """Whether work can be assigned to ``user``: an active account with a casework role."""
    return user.is_active and user.has_any_role(*CLAIM_ROLES)


@transaction.atomic
def assign_item(item: Item, *, actor: User, to: User) -> CaseEvent | None:
    """Give an item to a colleague who does casework and may see it (need-to-know).

    None when it is already theirs. Raises ``ValidationFailed`` (422) for someone who cannot
    take it, ``Conflict`` for a finished item.
    """
    require_role(actor, *ASSIGN_ROLES)
    if not may_take_work(to):
        raise ValidationFailed(
            _("%(name)s does not do casework; choose a colleague who does.") % {"name": _name(to)},
            fields={"user": [_("Not a caseworker.")]},
        )
    if not Item.objects.filter(item_scope(to), pk=item.pk).exists():
        raise ValidationFailed(
            _("%(name)s may not see this case; choose a colleague who may.") % {"name": _name(to)},
            fields={"user": [_("Outside this person's access.")]},
        )
    fresh = _open(item)
    if fresh.assignee_id == to.pk:
        return None
    return _move(item, seen=fresh.assignee, to=to, actor=actor, how="assign")


def colleagues() -> Sequence[User]:
    """Who work can be assigned to, by username."""
    return list(User.objects.filter(is_active=True, role__in=CLAIM_ROLES).order_by("username"))
