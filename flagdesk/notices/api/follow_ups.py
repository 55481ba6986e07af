"""Follow-through endpoints: follow-ups (reminder, re-notice, complaints), their approval,
notices submitted by hand on a platform's form, and the DSC file (docs/api.md "Notices")."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field

from flagdesk.accounts.auth import TokenAuth
from flagdesk.accounts.permissions import require_role
from flagdesk.accounts.policy import CASEWORK_ROLES
from flagdesk.core.errors import NotFound
from flagdesk.core.schemas import Schema

from .. import queries
from ..documents import dsc_file_pdf
from ..models import Notice
from ..services import confirm_submitted
from ..services.follow_ups import MAX_REASON_CHARS, approve, follow_up, record_lodged
from . import router


class FollowUpIn(Schema):
    kind: str = Field(..., max_length=20)
    reason: str = Field("", max_length=MAX_REASON_CHARS)


class FollowUpOut(Schema):
    id: UUID
    reference: str
    kind: str
    previous: str | None
    status: str
    approved: bool


class SubmittedIn(Schema):
    platform_reference: str = Field(..., max_length=200)
    submitted_at: dt.datetime | None = None


class LodgedIn(Schema):
    dsc_reference: str = Field(..., max_length=200)
    lodged_at: dt.datetime | None = None


def _visible(request: HttpRequest, notice_id: UUID) -> Notice:
    require_role(request.user, *CASEWORK_ROLES)  # type: ignore[arg-type]
    notice = queries.notice_detail(request.user).filter(id=notice_id).first()  # type: ignore[arg-type]
    if notice is None:
        raise NotFound(_("No notice with this id."))
    return notice


def follow_up_json(n: Notice) -> dict[str, Any]:
    return {
        "id": n.id,
        "reference": n.reference,
        "kind": n.kind,
        "previous": n.previous.reference if n.previous else None,
        "status": n.status,
        "approved": n.approved_at is not None,
    }


@router.post("/notices/{notice_id}/follow-ups", auth=TokenAuth(), response={201: FollowUpOut})
def create_follow_up(
    request: HttpRequest, notice_id: UUID, payload: FollowUpIn
) -> tuple[int, dict[str, Any]]:
    notice = _visible(request, notice_id)
    new = follow_up(notice, kind=payload.kind, reason=payload.reason, actor=request.user)  # type: ignore[arg-type]
    return 201, follow_up_json(new)


@router.get("/notices/{notice_id}/follow-ups/{follow_up_id}", auth=TokenAuth())
def get_follow_up(request: HttpRequest, notice_id: UUID, follow_up_id: UUID) -> Any:
    """A follow-up; the DSC file as a PDF (``application/pdf``), the others as JSON."""
    _visible(request, notice_id)
    new = _visible(request, follow_up_id)
    if new.previous_id != notice_id:
        raise NotFound(_("No such follow-up of this notice."))
    if new.kind != Notice.Kind.DSC_COMPLAINT:
        return {**follow_up_json(new), "subject": new.subject, "body": new.body}
    response = HttpResponse(dsc_file_pdf(new), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{new.reference}.pdf"'
    return response


@router.post("/notices/{notice_id}/approve", auth=TokenAuth(), response=FollowUpOut)
def approve_follow_up(request: HttpRequest, notice_id: UUID) -> dict[str, Any]:
    """A reviewer approves a re-notice, complaint or DSC file another person wrote."""
    new = approve(_visible(request, notice_id), actor=request.user)  # type: ignore[arg-type]
    return follow_up_json(new)


@router.post("/notices/{notice_id}/submitted", auth=TokenAuth(), response=FollowUpOut)
def submitted_by_hand(
    request: HttpRequest, notice_id: UUID, payload: SubmittedIn
) -> dict[str, Any]:
    """The analyst submitted the notice on the platform's web form: settle it as sent."""
    notice = confirm_submitted(
        _visible(request, notice_id),
        actor=request.user,  # type: ignore[arg-type]
        platform_reference=payload.platform_reference,
        submitted_at=payload.submitted_at,
    )
    return follow_up_json(notice)


@router.post("/notices/{notice_id}/lodged", auth=TokenAuth(), response=FollowUpOut)
def dsc_lodged(request: HttpRequest, notice_id: UUID, payload: LodgedIn) -> dict[str, Any]:
    """A coordinator records that the approved DSC file was lodged, with the DSC's reference."""
    new = record_lodged(
        _visible(request, notice_id),
        actor=request.user,  # type: ignore[arg-type]
        dsc_reference=payload.dsc_reference,
        lodged_at=payload.lodged_at,
    )
    return follow_up_json(new)
