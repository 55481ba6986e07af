"""Notice endpoints of the staff API (docs/api.md): queue, read, record responses."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from uuid import UUID

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field

from flagdesk.accounts.auth import TokenAuth
from flagdesk.accounts.permissions import require_role
from flagdesk.accounts.policy import CASEWORK_ROLES
from flagdesk.cases.api import decision_json
from flagdesk.cases.models import Item
from flagdesk.cases.queries import visible_items
from flagdesk.core.errors import NotFound
from flagdesk.core.schemas import Schema

from .. import queries, services
from ..models import ItemDecision, Notice, NoticeResponse
from ..services.queueing import MAX_ITEMS
from ..services.responses import MAX_REDRESS, MAX_STATEMENT_ID, ItemDecisionInput
from . import router
from .follow_through import overdue_json


class QueueIn(Schema):
    item_ids: list[UUID] = Field(..., min_length=1, max_length=MAX_ITEMS)
    anonymous: bool = False
    # Send although the reasons seem to be in another language than the notice's.
    confirm_language: bool = False


class ProblemOut(Schema):
    item_id: UUID | None
    field: str
    code: str
    message: str


class CheckLineOut(Schema):
    item_id: UUID | None
    code: str
    label: str
    passed: bool


class PreflightOut(Schema):
    ok: bool
    can_be_anonymous: bool
    problems: list[ProblemOut]
    checklist: list[CheckLineOut]


class NoticeItemOut(Schema):
    id: UUID
    url: str
    status: str


class DecidedItemOut(NoticeItemOut):
    # The item's current decision on this notice (cases.api.decision_json), null until one.
    decision: dict[str, Any] | None


class QueuedOut(Schema):
    id: UUID
    reference: str
    platform: str
    status: str
    trusted_flagger: bool
    items: list[NoticeItemOut]


class NoticeOut(Schema):
    id: UUID
    reference: str
    platform: str
    status: str
    channel: str
    trusted_flagger: bool
    anonymous: bool
    language: str
    subject: str
    message_id: str
    queued_at: dt.datetime | None
    sent_at: dt.datetime | None
    acknowledged_at: dt.datetime | None
    decided_at: dt.datetime | None
    attempts: int
    attempt_log: list[dict[str, Any]]
    kind: str
    previous: str | None
    platform_reference: str
    items: list[DecidedItemOut]
    body: str
    payload: dict[str, Any]
    # The designations a trusted-flagger notice relied on, frozen with it.
    designations: list[dict[str, Any]]


Scope = list[Annotated[str, Field(max_length=10)]]


class ItemDecisionIn(Schema):
    """One item's decision; the service names what is wrong as ``items.N.<field>``."""

    id: UUID
    decision: str = Field("", max_length=40)
    ground: str = Field("", max_length=40)
    territorial_scope: Scope = Field(default_factory=list, max_length=40)
    automated: bool | None = None
    redress: str = Field("", max_length=MAX_REDRESS)
    statement_id: str = Field("", max_length=MAX_STATEMENT_ID)


class ResponseIn(Schema):
    kind: str = Field(..., max_length=40)
    # For every item not listed in ``items`` (all of them without ``items``).
    decision: str = Field("", max_length=40)
    ground: str = Field("", max_length=40)
    territorial_scope: Scope = Field(default_factory=list, max_length=40)
    automated: bool | None = None
    redress: str = Field("", max_length=MAX_REDRESS)
    statement_id: str = Field("", max_length=MAX_STATEMENT_ID)
    items: list[ItemDecisionIn] | None = Field(None, max_length=MAX_ITEMS)
    received_at: dt.datetime | None = None
    platform_reference: str = Field("", max_length=200)
    statement: str = Field("", max_length=50_000)


class ItemDecisionOut(Schema):
    id: UUID  # the item
    decision_id: UUID
    decision: str
    ground: str | None
    territorial_scope: list[str]
    automated: bool | None
    redress: str
    statement_id: str | None
    decided_at: dt.datetime
    corrects: UUID | None  # the decision_id this one corrects


class ResponseOut(Schema):
    id: UUID
    notice: UUID
    notice_status: str
    kind: str
    decision: str
    received_at: dt.datetime
    platform_reference: str
    statement: str
    items: list[ItemDecisionOut]


def _items(notice: Notice) -> list[dict[str, Any]]:
    return [{"id": i.id, "url": i.url, "status": i.status} for i in notice.items.all()]


def _decided_items(notice: Notice) -> list[dict[str, Any]]:
    # Oldest first, so the last one kept per item is its current decision on this notice.
    current = {d.item_id: d for d in notice.item_decisions.order_by("created_at")}
    return [{**item, "decision": decision_json(current.get(item["id"]))} for item in _items(notice)]


def _item_decision_json(d: ItemDecision) -> dict[str, Any]:
    return {**(decision_json(d) or {}), "id": d.item_id, "decision_id": d.id}


def _notice(request: HttpRequest, notice_id: UUID) -> Notice:
    notice = queries.notice_detail(request.user).filter(id=notice_id).first()  # type: ignore[arg-type]
    if notice is None:
        raise NotFound(_("No notice with this id."))
    return notice


def _queue_items(request: HttpRequest, item_ids: list[UUID]) -> list[Item]:
    require_role(request.user, *services.QUEUE_ROLES)  # type: ignore[arg-type]
    ids = list(dict.fromkeys(item_ids))
    items = list(
        visible_items(request.user)  # type: ignore[arg-type]
        .select_related("platform", "case")
        .filter(id__in=ids)
        .order_by("created_at", "id")
    )
    if missing := sorted(str(i) for i in set(ids) - {item.id for item in items}):
        raise NotFound(
            _("No item with id %(ids)s.") % {"ids": ", ".join(missing)},
            fields={"item_ids": missing},
        )
    return items


@router.post("/notices/preflight", auth=TokenAuth(), response=PreflightOut)
def notice_preflight(request: HttpRequest, payload: QueueIn) -> dict[str, Any]:
    """What would stop these items from being notified, every problem at once; writes
    nothing. ``queue_notices`` refuses with the same problems in ``error.fields``."""
    items = _queue_items(request, payload.item_ids)
    checked = services.preflight(
        items,
        actor=request.user,  # type: ignore[arg-type]
        anonymous=payload.anonymous,
        confirm_language=payload.confirm_language,
    )
    return {
        "ok": checked.ok,
        "can_be_anonymous": checked.can_be_anonymous,
        "problems": [p.as_dict() for p in checked.problems],
        "checklist": [
            {"item_id": c.item_id, "code": c.code, "label": c.label, "passed": c.passed}
            for c in checked.checklist
        ],
    }


@router.post("/notices", auth=TokenAuth(), response={201: list[QueuedOut]})
def queue_notices(request: HttpRequest, payload: QueueIn) -> tuple[int, list[dict[str, Any]]]:
    items = _queue_items(request, payload.item_ids)
    notices = services.queue_notices(
        items,
        actor=request.user,  # type: ignore[arg-type]
        anonymous=payload.anonymous,
        confirm_language=payload.confirm_language,
    )
    return 201, [
        {
            "id": n.id,
            "reference": n.reference,
            "platform": n.platform.name,
            "status": n.status,
            "trusted_flagger": n.is_trusted_flagger,
            "items": _items(n),
        }
        for n in notices
    ]


@router.get("/notices", auth=TokenAuth())
def list_notices(request: HttpRequest, overdue: bool = False) -> list[dict[str, Any]]:
    """``?overdue=true``: notices past their platform's expected response time, oldest first;
    without it, the latest 200 notices the caller may see."""
    if overdue:
        return overdue_json(request)
    require_role(request.user, *CASEWORK_ROLES)  # type: ignore[arg-type]
    notices = queries.visible_notices(request.user).select_related("platform")[:200]  # type: ignore[arg-type]
    return [
        {
            "id": str(n.id),
            "reference": n.reference,
            "kind": n.kind,
            "platform": n.platform.name,
            "status": n.status,
            "queued_at": n.queued_at,
            "sent_at": n.sent_at,
        }
        for n in notices
    ]


@router.get("/notices/{notice_id}", auth=TokenAuth(), response=NoticeOut)
def notice_detail(request: HttpRequest, notice_id: UUID) -> dict[str, Any]:
    require_role(request.user, *CASEWORK_ROLES)  # type: ignore[arg-type]
    n = _notice(request, notice_id)
    return {
        "id": n.id,
        "reference": n.reference,
        "platform": n.platform.name,
        "status": n.status,
        "channel": n.channel_kind,
        "trusted_flagger": n.is_trusted_flagger,
        "anonymous": n.is_anonymous,
        "language": n.language,
        "subject": n.subject,
        "message_id": n.message_id,
        "queued_at": n.queued_at,
        "sent_at": n.sent_at,
        "acknowledged_at": n.acknowledged_at,
        "decided_at": n.decided_at,
        "attempts": n.outbox.attempts if hasattr(n, "outbox") else 0,
        "attempt_log": [
            {
                "at": a.started_at,
                "finished_at": a.finished_at,
                "channel": a.channel,
                "outcome": a.outcome or "interrupted",
                "error": a.error,
            }
            for a in n.attempt_log.all()
        ],
        "kind": n.kind,
        "previous": n.previous.reference if n.previous else None,
        "platform_reference": n.platform_reference,
        "items": _decided_items(n),
        "body": n.body,
        "payload": n.payload,
        "designations": n.designations,
    }


def response_fields(payload: ResponseIn) -> dict[str, Any]:
    """``record_response``'s arguments from a response body: staff's, or a platform's own
    through the signed inbound API (``inbound.InboundIn`` extends ``ResponseIn``)."""
    return {
        "kind": payload.kind,
        "decision": payload.decision,
        "ground": payload.ground,
        "territorial_scope": payload.territorial_scope,
        "is_automated": payload.automated,
        "redress": payload.redress,
        "statement_id": payload.statement_id,
        "items": [
            ItemDecisionInput(
                item_id=i.id,
                decision=i.decision,
                ground=i.ground,
                territorial_scope=tuple(i.territorial_scope),
                is_automated=i.automated,
                redress=i.redress,
                statement_id=i.statement_id,
            )
            for i in payload.items or ()
        ],
        "received_at": payload.received_at or timezone.now(),
        "platform_reference": payload.platform_reference,
        "statement": payload.statement,
    }


@router.post("/notices/{notice_id}/responses", auth=TokenAuth(), response={201: ResponseOut})
def record_response(
    request: HttpRequest, notice_id: UUID, payload: ResponseIn
) -> tuple[int, dict[str, Any]]:
    require_role(request.user, *services.RESPONSE_ROLES)  # type: ignore[arg-type]
    notice = _notice(request, notice_id)
    response: NoticeResponse = services.record_response(
        notice,
        actor=request.user,  # type: ignore[arg-type]
        **response_fields(payload),
    )
    return 201, {
        "id": response.id,
        "notice": notice.id,
        "notice_status": Notice.objects.values_list("status", flat=True).get(pk=notice.pk),
        "kind": response.kind,
        "decision": response.decision,
        "received_at": response.received_at,
        "platform_reference": response.platform_reference,
        "statement": response.statement,
        "items": [
            _item_decision_json(d) for d in response.item_decisions.order_by("item__created_at")
        ],
    }
