"""The legal hold: while proceedings run, nothing of a case is erased or expired.

Setting or lifting it is a coordinator's decision with a reason, written to the audit trail
and, without the reason (it may name people), to the case timeline. Neither starts the
retention clock again (``retention.UPKEEP_KINDS``): once a hold is lifted, what was due while
it lasted goes at the next retention run.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from flagdesk.accounts.models import User
from flagdesk.accounts.permissions import require_role
from flagdesk.accounts.policy import Action, roles_for
from flagdesk.audit.reasons import stated_reason
from flagdesk.audit.services import record

from ..models import Case, CaseEvent

LEGAL_HOLD_ROLES = roles_for(Action.LEGAL_HOLD)


@transaction.atomic
def set_legal_hold(case: Case, *, actor: User, is_held: bool, reason: str) -> Case:
    """Put ``case`` under legal hold or lift it. A reason is required either way; it is kept
    on the case while the hold lasts and in the ``case.legal_hold`` audit entry."""
    require_role(actor, *LEGAL_HOLD_ROLES)
    reason = stated_reason(
        reason, missing=_("Say why (for example the proceedings and their reference).")
    )
    Case.objects.filter(pk=case.pk).update(
        legal_hold=is_held, legal_hold_reason=reason if is_held else ""
    )
    CaseEvent.objects.create(
        case=case,
        kind=CaseEvent.Kind.LEGAL_HOLD,
        actor=actor,
        after="held" if is_held else "lifted",
        note=_("Legal hold set.") if is_held else _("Legal hold lifted."),
    )
    record(
        "case.legal_hold",
        actor=actor,
        target=f"case:{case.pk}",
        reason=reason,
        data={"held": is_held},
    )
    case.refresh_from_db()
    return case
