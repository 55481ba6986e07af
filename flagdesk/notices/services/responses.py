"""Recording a platform's art. 16(4) acknowledgement and 16(5) decision on a notice."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from flagdesk.accounts.models import Role, User
from flagdesk.accounts.permissions import require_role
from flagdesk.cases.models import CaseEvent, Item
from flagdesk.cases.transitions import transition
from flagdesk.core.errors import Conflict, ValidationFailed
from flagdesk.notices.models import Notice, NoticeResponse

RESPONSE_ROLES = (Role.INTAKE, Role.ANALYST, Role.REVIEWER, Role.COORDINATOR)
# How far in the future a received_at may be: clocks of the people typing it in drift.
CLOCK_SKEW = dt.timedelta(minutes=5)
MAX_REFERENCE = 200
MAX_STATEMENT = 50_000

D = NoticeResponse.Decision
ITEM_OUTCOME: dict[str, str] = {
    D.REMOVED: Item.Status.REMOVED,
    D.DISABLED: Item.Status.REMOVED,
    D.RESTRICTED: Item.Status.REMOVED,
    D.GEO_BLOCKED: Item.Status.REMOVED,
    D.REFUSED: Item.Status.REFUSED,
    D.NO_ACTION: Item.Status.REFUSED,
}
ANSWERABLE = (Notice.Status.SENT, Notice.Status.ACKNOWLEDGED, Notice.Status.DECIDED)


def _validate(
    *,
    kind: str,
    decision: str,
    received_at: dt.datetime,
    platform_reference: str,
    statement: str,
    now: dt.datetime,
) -> None:
    errors: dict[str, list[str]] = {}
    if kind not in NoticeResponse.Kind.values:
        errors["kind"] = [
            _("Choose “acknowledgement” (receipt, art. 16(4)) or “decision” (art. 16(5)).")
        ]
    elif kind == NoticeResponse.Kind.DECISION and not decision:
        errors["decision"] = [_("Say what the platform decided: a decision needs an outcome.")]
    elif kind == NoticeResponse.Kind.ACKNOWLEDGEMENT and decision:
        errors["decision"] = [
            _("An acknowledgement carries no decision; record the decision separately.")
        ]
    if decision and decision not in D.values:
        errors["decision"] = [
            _("Unknown decision %(value)s; choose one of: %(choices)s.")
            % {"value": decision[:40], "choices": ", ".join(D.values)}
        ]
    if received_at > now + CLOCK_SKEW:
        errors["received_at"] = [_("The response cannot have been received in the future.")]
    if len(platform_reference) > MAX_REFERENCE:
        errors["platform_reference"] = [
            _("At most %(limit)d characters.") % {"limit": MAX_REFERENCE}
        ]
    if len(statement) > MAX_STATEMENT:
        errors["statement"] = [_("At most %(limit)d characters.") % {"limit": MAX_STATEMENT}]
    if errors:
        raise ValidationFailed(_("The response is not valid."), fields=errors)


@transaction.atomic
def record_response(
    notice: Notice,
    *,
    actor: User,
    kind: str,
    decision: str = "",
    received_at: dt.datetime,
    platform_reference: str = "",
    statement: str = "",
    now: dt.datetime | None = None,
) -> NoticeResponse:
    """Record what the platform answered, as received (the statement is kept verbatim, g.15).

    An acknowledgement moves a sent notice to ``acknowledged``; a decision moves the notice to
    ``decided`` and each item to ``removed`` (removed, disabled, restricted, geo-blocked) or
    ``refused`` (refused, no action). Raises ``ValidationFailed`` for a bad kind or decision or
    a future ``received_at``, ``Conflict`` when the notice was never sent. Writes one
    ``response`` event per item.
    """
    require_role(actor, *RESPONSE_ROLES)
    now = now or timezone.now()
    if timezone.is_naive(received_at):
        received_at = timezone.make_aware(received_at)
    _validate(
        kind=kind,
        decision=decision,
        received_at=received_at,
        platform_reference=platform_reference,
        statement=statement,
        now=now,
    )
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    if notice.status not in ANSWERABLE:
        raise Conflict(
            _("This notice has not been sent (status: %(status)s), so there is nothing to answer.")
            % {"status": Notice.Status(notice.status).label}
        )
    response = NoticeResponse.objects.create(
        notice=notice,
        kind=kind,
        decision=decision,
        received_at=received_at,
        platform_reference=platform_reference.strip(),
        statement=statement,
        recorded_by=actor,
    )
    if kind == NoticeResponse.Kind.ACKNOWLEDGEMENT:
        if notice.status == Notice.Status.SENT:
            notice.status = Notice.Status.ACKNOWLEDGED
        notice.acknowledged_at = notice.acknowledged_at or received_at
    else:
        notice.status = Notice.Status.DECIDED
        notice.decided_at = received_at
    notice.save(update_fields=["status", "acknowledged_at", "decided_at"])
    items = list(Item.objects.select_for_update().filter(notices=notice).order_by("created_at"))
    for item in items:
        target = ITEM_OUTCOME.get(decision)
        if target and item.status != target:
            transition(item, target, actor=actor, data={"notice": str(notice.id)})
        CaseEvent.objects.create(
            case_id=item.case_id,
            item=item,
            kind=CaseEvent.Kind.RESPONSE,
            actor=actor,
            note=statement,
            data={
                "notice": str(notice.id),
                "response": str(response.id),
                "kind": kind,
                "decision": decision,
                "received_at": received_at.isoformat(),
                "platform_reference": response.platform_reference,
            },
        )
    return response
