"""Monitoring API (docs/api.md, "Monitoring and evidence"): re-checks and captures per item.

A check or a capture is queued, not run in the request: fetching a hostile server may take the
whole fetch deadline, and the worker's politeness limits apply to every fetch. So POST answers
202 with what was queued, and GET lists what happened.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import FileResponse, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router

from flagdesk.accounts.auth import TokenAuth
from flagdesk.accounts.permissions import require_role
from flagdesk.accounts.policy import Action, roles_for
from flagdesk.cases.models import Item
from flagdesk.core.errors import NotFound
from flagdesk.core.schemas import Schema

from . import queries
from .downloads import bundle_for
from .models import Capture, Check, Watch
from .services.captures import queue_capture
from .services.watches import request_check

router = Router(tags=["monitoring"])


def _item(request: HttpRequest, item_id: UUID, action: Action) -> Item:
    require_role(request.user, *roles_for(action))
    item = queries.visible_item(request.user, item_id)  # type: ignore[arg-type]
    if item is None:
        raise NotFound(_("No item with this id."))
    return item


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def check_json(check: Check) -> dict[str, Any]:
    return {
        "id": str(check.id),
        "at": _iso(check.at),
        "trigger": check.trigger,
        "outcome": check.outcome,
        "reason": check.reason,
        "http_status": check.http_status,
        "final_url": check.final_url,
        "content_sha256": check.content_sha256,
        "looks_gone": check.looks_gone,
        "gone_signal": check.gone_signal,
    }


def watch_json(watch: Watch | None) -> dict[str, Any] | None:
    if watch is None:
        return None
    return {
        "next_check_at": _iso(watch.next_check_at),
        "started_at": _iso(watch.started_at),
        "last_checked_at": _iso(watch.last_checked_at),
        "last_outcome": watch.last_outcome or None,
        "looks_gone_since": _iso(watch.looks_gone_since),
        "ended_at": _iso(watch.ended_at),
        "end_reason": watch.end_reason or None,
    }


def capture_json(capture: Capture) -> dict[str, Any]:
    return {
        "id": str(capture.id),
        "status": capture.status,
        "trigger": capture.trigger,
        "requested_at": _iso(capture.requested_at),
        "captured_at": _iso(capture.captured_at),
        "media_allowed": capture.media_allowed,
        "url": capture.url,
        "final_url": capture.final_url,
        "http_status": capture.http_status,
        "failure": capture.failure,
        "manifest_sha256": capture.manifest_sha256,
        "timestamp_token": capture.timestamp_token is not None,
        "timestamped_at": _iso(capture.timestamped_at),
        "files": [
            {"name": f.name, "kind": f.kind, "size": f.size, "sha256": f.sha256}
            for f in capture.files.all()
        ],
    }


@router.get("/items/{item_id}/checks", auth=TokenAuth())
def list_checks(request: HttpRequest, item_id: UUID) -> dict[str, Any]:
    item = _item(request, item_id, Action.RECHECK)
    return {
        "watch": watch_json(queries.watch_of(item)),
        "checks": [check_json(c) for c in queries.checks_of(item)],
    }


@router.post("/items/{item_id}/checks", auth=TokenAuth(), response={202: dict[str, Any]})
def queue_check(request: HttpRequest, item_id: UUID) -> tuple[int, dict[str, Any]]:
    item = _item(request, item_id, Action.RECHECK)
    watch = request_check(item, actor=request.user)  # type: ignore[arg-type]
    return 202, {"queued": True, "watch": watch_json(watch)}


@router.get("/items/{item_id}/evidence", auth=TokenAuth())
def list_captures(request: HttpRequest, item_id: UUID) -> list[dict[str, Any]]:
    item = _item(request, item_id, Action.RECHECK)
    return [capture_json(c) for c in queries.captures_of(item)]


@router.post("/items/{item_id}/evidence", auth=TokenAuth(), response={202: dict[str, Any]})
def queue_evidence(request: HttpRequest, item_id: UUID) -> tuple[int, dict[str, Any]]:
    item = _item(request, item_id, Action.EVIDENCE_CAPTURE)
    capture = queue_capture(item, actor=request.user)  # type: ignore[arg-type]
    return 202, capture_json(capture)


class BundleQuery(Schema):
    item: UUID | None = None
    reason: str = Field("", max_length=500)


@router.get("/cases/{case_id}/bundle", auth=TokenAuth())
def case_bundle(request: HttpRequest, case_id: UUID, query: Query[BundleQuery]) -> FileResponse:
    """The court bundle (ZIP); ``?item=`` for one item of the case, ``?reason=`` why (kept
    in the audit entry, checked like any stated reason when given). Audited."""
    require_role(request.user, *roles_for(Action.EVIDENCE_BUNDLE))
    return bundle_for(
        request.user,  # type: ignore[arg-type]
        case_id,
        str(query.item) if query.item else "",
        reason=query.reason or None,
    )
