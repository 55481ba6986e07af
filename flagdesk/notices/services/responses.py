"""Recording a platform's art. 16(4) acknowledgement and 16(5) decisions on a notice.

A decision is recorded per item (``ItemDecision``) with the Transparency Database's fields
(legal.md "Decisions"); a later decision on an item that already has one is a correction,
kept next to the decision it corrects (S7).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from flagdesk.accounts.models import User
from flagdesk.accounts.permissions import require_role
from flagdesk.accounts.policy import Action, roles_for
from flagdesk.cases.models import CaseEvent, Item
from flagdesk.cases.transitions import transition
from flagdesk.core import taxonomy
from flagdesk.core.errors import Conflict, ValidationFailed
from flagdesk.notices.models import InboundMail, ItemDecision, Notice, NoticeResponse
from flagdesk.notices.transitions import may_move, move

RESPONSE_ROLES = roles_for(Action.NOTICE_ANSWER)
# How far in the future a received_at may be: clocks of the people typing it in drift.
CLOCK_SKEW = dt.timedelta(minutes=5)
MAX_REFERENCE = 200
MAX_STATEMENT = 50_000
MAX_REDRESS = 5_000
MAX_STATEMENT_ID = 500  # the TDB's puid limit

D = NoticeResponse.Decision
# What a decision does to the item. Only a removal is a removal: anything short of it (access
# disabled, geo-blocked, demoted, age-restricted, the account suspended while the content may
# stay or come back) is ``restricted``, so no page, status or statistic counts it as removed.
ITEM_OUTCOME: dict[str, str] = {
    D.REMOVED: Item.Status.REMOVED,
    D.DISABLED: Item.Status.RESTRICTED,
    D.RESTRICTED: Item.Status.RESTRICTED,
    D.GEO_BLOCKED: Item.Status.RESTRICTED,
    D.DEMOTED: Item.Status.RESTRICTED,
    D.ACCOUNT_SUSPENDED: Item.Status.RESTRICTED,
    D.REFUSED: Item.Status.REFUSED,
    D.NO_ACTION: Item.Status.REFUSED,
}
ANSWERABLE = (Notice.Status.SENT, Notice.Status.ACKNOWLEDGED, Notice.Status.DECIDED)
# Shorthands a platform uses for "everywhere we operate" in the Union or the EEA.
SCOPE_GROUPS = ("EU", "EEA")


@dataclass(frozen=True)
class ItemDecisionInput:
    """The platform's decision on one item of the notice (``items[]`` of the API)."""

    item_id: UUID
    decision: str
    ground: str = ""  # ItemDecision.Ground: "illegal" or "terms"; "" = not stated
    territorial_scope: tuple[str, ...] = ()  # EU/EEA codes, "EU" or "EEA"; () = not stated
    is_automated: bool | None = None  # art. 16(6); None = the platform did not say
    redress: str = ""  # art. 16(5), verbatim
    statement_id: str = ""  # the platform's statement-of-reasons id (TDB puid)


def normalise_scope(codes: Iterable[str]) -> tuple[tuple[str, ...], list[str]]:
    """(codes as stored, codes not known): upper case, groups expanded, duplicates dropped."""
    scopes = taxonomy.raw()["territorial_scope"]
    allowed = set(scopes["allowed"])
    result: list[str] = []
    unknown: list[str] = []
    for raw in codes:
        code = str(raw).strip().upper()
        if not code:
            continue
        expanded = scopes[code] if code in SCOPE_GROUPS else [code]
        for one in expanded:
            if one not in allowed:
                unknown.append(one[:10])
            elif one not in result:
                result.append(one)
    return tuple(result), unknown


def _detail_errors(prefix: str, d: ItemDecisionInput) -> dict[str, list[str]]:
    """Errors of the TDB fields of one decision, keyed ``<prefix>field``."""
    errors: dict[str, list[str]] = {}
    if d.ground and d.ground not in ItemDecision.Ground.values:
        errors[f"{prefix}ground"] = [
            _("Unknown ground %(value)s; choose one of: %(choices)s.")
            % {"value": d.ground[:40], "choices": ", ".join(ItemDecision.Ground.values)}
        ]
    if unknown := normalise_scope(d.territorial_scope)[1]:
        errors[f"{prefix}territorial_scope"] = [
            _(
                "Unknown country codes: %(codes)s. Use the two-letter codes of EU and EEA "
                "countries (Greece is GR), or EU or EEA."
            )
            % {"codes": ", ".join(unknown[:10])}
        ]
    if len(d.redress) > MAX_REDRESS:
        errors[f"{prefix}redress"] = [_("At most %(limit)d characters.") % {"limit": MAX_REDRESS}]
    if len(d.statement_id) > MAX_STATEMENT_ID:
        errors[f"{prefix}statement_id"] = [
            _("At most %(limit)d characters.") % {"limit": MAX_STATEMENT_ID}
        ]
    return errors


def _decision_error(value: str) -> str:
    return _("Unknown decision %(value)s; choose one of: %(choices)s.") % {
        "value": value[:40],
        "choices": ", ".join(D.values),
    }


def _validate(
    *,
    kind: str,
    overall: ItemDecisionInput,
    items: Sequence[ItemDecisionInput],
    notice_item_ids: set[UUID],
    received_at: dt.datetime,
    platform_reference: str,
    statement: str,
    now: dt.datetime,
) -> None:
    errors: dict[str, list[str]] = {}
    decision = overall.decision
    if kind not in NoticeResponse.Kind.values:
        errors["kind"] = [
            _("Choose “acknowledgement” (receipt, art. 16(4)) or “decision” (art. 16(5)).")
        ]
    elif kind == NoticeResponse.Kind.DECISION and not decision and not items:
        errors["decision"] = [_("Say what the platform decided: a decision needs an outcome.")]
    elif kind == NoticeResponse.Kind.ACKNOWLEDGEMENT:
        no_decision = _("An acknowledgement carries no decision; record the decision separately.")
        given = {
            "decision": decision,
            "items": items,
            "ground": overall.ground,
            "territorial_scope": overall.territorial_scope,
            "automated": overall.is_automated is not None,
            "redress": overall.redress,
            "statement_id": overall.statement_id,
        }
        errors.update({name: [no_decision] for name, value in given.items() if value})
    if decision and decision not in D.values:
        errors["decision"] = [_decision_error(decision)]
    errors.update(_detail_errors("", overall))
    seen: set[UUID] = set()
    for n, d in enumerate(items):
        prefix = f"items.{n}."
        if d.item_id not in notice_item_ids:
            errors[f"{prefix}id"] = [_("This item is not part of the notice.")]
        elif d.item_id in seen:
            errors[f"{prefix}id"] = [_("This item is listed twice; give one decision per item.")]
        seen.add(d.item_id)
        if not d.decision:
            errors[f"{prefix}decision"] = [_("Say what the platform decided on this item.")]
        elif d.decision not in D.values:
            errors[f"{prefix}decision"] = [_decision_error(d.decision)]
        errors.update(_detail_errors(prefix, d))
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


def _plan(
    items: Sequence[Item], overall: ItemDecisionInput, listed: Sequence[ItemDecisionInput]
) -> dict[UUID, ItemDecisionInput]:
    """Item id -> its decision in this response: its own entry, else the overall decision."""
    own = {d.item_id: d for d in listed}
    plan: dict[UUID, ItemDecisionInput] = {}
    for item in items:
        if item.id in own:
            plan[item.id] = own[item.id]
        elif overall.decision:
            plan[item.id] = ItemDecisionInput(
                item.id,
                overall.decision,
                overall.ground,
                overall.territorial_scope,
                overall.is_automated,
                overall.redress,
                overall.statement_id,
            )
    return plan


def _apply_decision(
    item: Item,
    d: ItemDecisionInput,
    *,
    response: NoticeResponse,
    previous: ItemDecision | None,
    actor: User | None,
) -> ItemDecision:
    decision = ItemDecision.objects.create(
        response=response,
        notice=response.notice,
        item=item,
        decision=d.decision,
        ground=d.ground,
        territorial_scope=list(normalise_scope(d.territorial_scope)[0]),
        is_automated=d.is_automated,
        redress=d.redress,
        statement_id=d.statement_id.strip(),
        decided_at=response.received_at,
        corrects=previous,
        recorded_by=actor,
    )
    data: dict[str, Any] = {"notice": str(response.notice_id), "item_decision": str(decision.id)}
    target = ITEM_OUTCOME[d.decision]
    if item.status != target:
        transition(item, target, actor=actor, data=data)
    CaseEvent.objects.create(
        case_id=item.case_id,
        item=item,
        kind=CaseEvent.Kind.DECISION,
        actor=actor,
        data={
            **data,
            "response": str(response.id),
            "decision": decision.decision,
            "ground": decision.ground,
            "territorial_scope": decision.territorial_scope,
            "automated": decision.is_automated,
            "statement_id": decision.statement_id,
            "corrects": str(previous.id) if previous else None,
            "previous_decision": previous.decision if previous else None,
        },
    )
    return decision


@transaction.atomic
def record_response(
    notice: Notice,
    *,
    actor: User | None,
    kind: str,
    decision: str = "",
    received_at: dt.datetime,
    source: str = NoticeResponse.Source.STAFF,
    mail: InboundMail | None = None,
    platform_reference: str = "",
    statement: str = "",
    items: Sequence[ItemDecisionInput] | None = None,
    ground: str = "",
    territorial_scope: Sequence[str] = (),
    is_automated: bool | None = None,
    redress: str = "",
    statement_id: str = "",
    now: dt.datetime | None = None,
) -> NoticeResponse:
    """Record what the platform answered, as received (the statement is kept verbatim, g.15).

    An acknowledgement (no decision, no ``items``, no decision fields) moves a ``sent`` notice
    to ``acknowledged``. A decision gives each item in ``items`` its own decision, and every
    other item of the notice the top-level ``decision`` with the top-level ``ground``,
    ``territorial_scope``, ``is_automated``, ``redress`` and ``statement_id`` (without
    ``decision``, only the listed items are decided). Each decided item gets one
    ``ItemDecision`` and moves through ``transitions``: ``removed`` → ``removed``; ``disabled``,
    ``restricted``, ``geo_blocked``, ``demoted``, ``account_suspended`` → ``restricted``;
    ``refused``, ``no_action`` → ``refused``. An item that already has a decision (on this or
    an earlier notice) gets a new one whose ``corrects`` names the previous one (a correction,
    or a reversal after a complaint); nothing is edited. The notice becomes ``decided`` (and
    ``decided_at`` the time received) once every one of its items has a decision on it;
    before that, a partial decision leaves its status as it was.

    Raises ``ValidationFailed`` naming the fields (``items.N.id`` for an item not in the
    notice or listed twice, ``items.N.decision``, ``items.N.territorial_scope``...),
    ``Conflict`` when the notice was never sent, ``IllegalTransition`` when an item cannot
    move to the decision's status (nothing is recorded then). Writes a ``response`` event on
    every item of the notice, and per decided item a ``status`` event (when it moves) and a
    ``decision`` event (data: notice, item_decision id, decision, ground, territorial_scope,
    automated, statement_id, and when a correction ``corrects`` and ``previous_decision``).
    """
    if actor is not None:
        require_role(actor, *RESPONSE_ROLES)
    elif source == NoticeResponse.Source.STAFF:
        # Only the platform's own channels (its reply mail, its signed API) record alone.
        raise ValueError("a response entered by staff names who entered it")
    now = now or timezone.now()
    if timezone.is_naive(received_at):
        received_at = timezone.make_aware(received_at)
    listed = list(items or ())
    overall = ItemDecisionInput(
        UUID(int=0),
        decision,
        ground,
        tuple(territorial_scope),
        is_automated,
        redress,
        statement_id,
    )
    _validate(
        kind=kind,
        overall=overall,
        items=listed,
        notice_item_ids=set(notice.items.values_list("id", flat=True)),
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
    notice_items = list(
        Item.objects.select_for_update().filter(notices=notice).order_by("created_at")
    )
    plan = _plan(notice_items, overall, listed) if kind == NoticeResponse.Kind.DECISION else {}
    outcomes = {d.decision for d in plan.values()}
    response = NoticeResponse.objects.create(
        notice=notice,
        kind=kind,
        # The response's own decision: the one given for all, or the one every item got.
        decision=decision or (outcomes.pop() if len(outcomes) == 1 else ""),
        received_at=received_at,
        platform_reference=platform_reference.strip(),
        statement=statement,
        recorded_by=actor,
        source=source,
        mail=mail,
    )
    previous: dict[UUID, ItemDecision] = {
        d.item_id: d for d in ItemDecision.objects.filter(item_id__in=plan).order_by("created_at")
    }
    for item in notice_items:
        planned = plan.get(item.id)
        if planned:
            _apply_decision(
                item, planned, response=response, previous=previous.get(item.id), actor=actor
            )
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
                "decision": planned.decision if planned else "",
                "received_at": received_at.isoformat(),
                "platform_reference": response.platform_reference,
            },
        )
    _update_notice(notice, kind=kind, received_at=received_at, items=notice_items)
    return response


def _update_notice(
    notice: Notice, *, kind: str, received_at: dt.datetime, items: Sequence[Item]
) -> None:
    """Move the notice on (``transitions``): acknowledged at its first acknowledgement,
    decided once every item has a decision. A later correction only moves ``decided_at``."""
    if kind == NoticeResponse.Kind.ACKNOWLEDGEMENT:
        if may_move(notice, Notice.Status.ACKNOWLEDGED):
            move(notice, Notice.Status.ACKNOWLEDGED, at=received_at)
        elif notice.acknowledged_at is None:  # decided before it was acknowledged
            Notice.objects.filter(pk=notice.pk).update(acknowledged_at=received_at)
            notice.acknowledged_at = received_at
        return
    decided = set(notice.item_decisions.values_list("item_id", flat=True))
    if not decided >= {item.id for item in items}:
        return
    if may_move(notice, Notice.Status.DECIDED):
        move(notice, Notice.Status.DECIDED, decided_at=received_at)
    else:
        Notice.objects.filter(pk=notice.pk).update(decided_at=received_at)
        notice.decided_at = received_at
