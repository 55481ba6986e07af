"""Notice endpoints of the staff API (docs/api.md): queue, read, record responses."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router

from flagdesk.accounts.auth import TokenAuth
from flagdesk.accounts.models import CASEWORK_ROLES
from flagdesk.accounts.permissions import require_role
from flagdesk.cases.queries import visible_items
from flagdesk.core.errors import NotFound
from flagdesk.core.schemas import Schema

from . import queries, services
from .models import Notice, NoticeResponse
from .services.queueing import MAX_ITEMS

router = Router(tags=["notices"])


class QueueIn(Schema):
    item_ids: list[UUID] = Field(..., min_length=1, max_length=MAX_ITEMS)
    anonymous: bool = False


class NoticeItemOut(Schema):
    id: UUID
    url: str
    status: str


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
    items: list[NoticeItemOut]
    body: str
    payload: dict[str, Any]


class ResponseIn(Schema):
    kind: str = Field(..., max_length=40)
    decision: str = Field("", max_length=40)
    received_at: dt.datetime | None = None
    platform_reference: str = Field("", max_length=200)
    statement: str = Field("", max_length=50_000)


class ResponseOut(Schema):
    id: UUID
    notice: UUID
    notice_status: str
    kind: str
    decision: str
    received_at: dt.datetime
    platform_reference: str
    statement: str


def _items(notice: Notice) -> list[dict[str, Any]]:
    return [{"id": i.id, "url": i.url, "status": i.status} for i in notice.items.all()]


def _notice(request: HttpRequest, notice_id: UUID) -> Notice:
    notice = queries.notice_detail(request.user).filter(id=notice_id).first()  # type: ignore[arg-type]
    if notice is None:
        raise NotFound(_("No notice with this id."))
    return notice


@router.post("/notices", auth=TokenAuth(), response={201: list[QueuedOut]})
def queue_notices(request: HttpRequest, payload: QueueIn) -> tuple[int, list[dict[str, Any]]]:
    require_role(request.user, *services.QUEUE_ROLES)  # type: ignore[arg-type]
    ids = list(dict.fromkeys(payload.item_ids))
    items = list(visible_items(request.user).filter(id__in=ids))  # type: ignore[arg-type]
    if missing := sorted(str(i) for i in set(ids) - {item.id for item in items}):
        raise NotFound(
            _("No item with id %(ids)s.") % {"ids": ", ".join(missing)},
            fields={"item_ids": missing},
        )
    notices = services.queue_notices(items, actor=request.user, anonymous=payload.anonymous)  # type: ignore[arg-type]
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
        "items": _items(n),
        "body": n.body,
        "payload": n.payload,
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
        kind=payload.kind,
        decision=payload.decision,
        received_at=payload.received_at or timezone.now(),
        platform_reference=payload.platform_reference,
        statement=payload.statement,
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
    }
