"""Restricting a case to named staff (need-to-know, docs/security.md): a case about a
colleague or a public figure is then seen by them alone.

A reviewer or coordinator who may open the case names the staff; they are always among them
(nobody locks themselves out of a case by mistake), and everyone named must be able to work
on cases (and, for a case involving a minor, be cleared for it). An empty list opens the case
to every caseworker again. Each change is in the audit trail with its reason and on the
case's timeline without it.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from flagdesk.accounts.models import User
from flagdesk.accounts.permissions import require_role
from flagdesk.accounts.policy import CASEWORK_ROLES, Action, roles_for
from flagdesk.audit.reasons import access_reason
from flagdesk.audit.services import record
from flagdesk.core.errors import NotFound, ValidationFailed

from ..access import involves_minors
from ..models import Case, CaseEvent, Item
from ..queries import visible_items

RESTRICT_ROLES = roles_for(Action.CASE_RESTRICT)


def eligible_staff(case: Case) -> list[User]:
    """Who may be named: active caseworkers, cleared ones only for a case involving a minor."""
    staff = User.objects.filter(is_active=True, role__in=CASEWORK_ROLES).order_by("username")
    minors = Item.objects.filter(case=case).filter(involves_minors()).exists() or (
        case.has_minor_depicted
    )
    return list(staff.filter(minors_clearance=True) if minors else staff)


@transaction.atomic
def restrict_case(case: Case, *, actor: User, staff: Iterable[User], reason: str) -> list[User]:
    """Set who may open ``case`` (empty: every caseworker); returns the named staff."""
    require_role(actor, *RESTRICT_ROLES)
    if not visible_items(actor).filter(case=case).exists():
        raise NotFound(_("No such case."))
    reason = access_reason(reason)
    allowed = {u.pk for u in eligible_staff(case)}
    named = {u.pk: u for u in staff}
    refused = [u.username for pk, u in named.items() if pk not in allowed]
    if refused:
        raise ValidationFailed(
            _("These people cannot work on this case: %(names)s.") % {"names": ", ".join(refused)},
            fields={"staff": [_("Not allowed.")]},
        )
    if named:
        named[actor.pk] = actor
    before = sorted(case.restricted_to.values_list("pk", flat=True))
    case.restricted_to.set(named.values())
    after = sorted(named)
    if before != after:
        CaseEvent.objects.create(
            case=case,
            kind=CaseEvent.Kind.ACCESS,
            actor=actor,
            after="restricted" if after else "open",
            note=_("Restricted to %(count)d named staff.") % {"count": len(after)}
            if after
            else _("Open to every caseworker again."),
        )
        record(
            "case.restricted" if after else "case.opened",
            actor=actor,
            target=f"case:{case.pk}",
            reason=reason,
            data={"before": before, "after": after},
        )
    return sorted(named.values(), key=lambda u: u.username)
