"""Staff item API (docs/api.md): items, their platform, assessments and four-eyes reviews.

Role checks live in the services; reads first require a casework role, since an empty
``visible_items`` would otherwise answer a user without one with a misleading empty list.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from uuid import UUID

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router

from flagdesk.accounts.auth import TokenAuth
from flagdesk.accounts.models import User
from flagdesk.accounts.permissions import require_role
from flagdesk.accounts.policy import CASEWORK_ROLES
from flagdesk.core.errors import NotFound, ValidationFailed
from flagdesk.core.schemas import Schema
from flagdesk.platforms.models import Platform
from flagdesk.platforms.queries import platforms

from . import queries, services
from .models import Assessment, Item
from .services.identifiers import FIELDS

router = Router(tags=["items"])

MAX_LIMIT = 500
# Deeper pages cost the database a scan of every row skipped; filter by status or platform.
MAX_OFFSET = 1_000_000


class ItemFilters(Schema):
    status: str = Field("", max_length=40)
    platform: str = Field("", max_length=100)
    limit: int = Field(100, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class AssessmentIn(Schema):
    verdict: str = Field(max_length=40)
    phenomenon: str = Field("", max_length=40)
    tdb_category: str = Field("", max_length=80)
    keywords: list[Annotated[str, Field(max_length=100)]] = Field(
        default_factory=list, max_length=100
    )
    legal_bases: list[Annotated[str, Field(max_length=100)]] = Field(
        default_factory=list, max_length=50
    )
    reasons: str = Field("", max_length=20_000)
    content_type: str = Field("", max_length=40)
    content_types: list[Annotated[str, Field(max_length=40)]] = Field(
        default_factory=list, max_length=8
    )
    minor_depicted: bool = False
    facts_on: dt.date | None = None


class AssignIn(Schema):
    user: str = Field(max_length=150)  # a colleague's username


class ReviewIn(Schema):
    approve: bool
    comment: str = Field("", max_length=5000)


class IdentifiersIn(Schema):
    """Art. 16(2)(b) identifiers; a key sent empty or null removes it, one not sent stays."""

    post_id: str | None = Field(None, max_length=500)
    account: str | None = Field(None, max_length=200)
    posted_at: str | None = Field(None, max_length=40)
    captured_at: str | None = Field(None, max_length=40)
    puid: str | None = Field(None, max_length=500)


class ItemPatch(Schema):
    """What a PATCH may change; only the fields sent change, each through its own service."""

    platform: str | None = Field(None, max_length=100)  # a platform's slug
    identifiers: IdentifiersIn | None = None


def item_json(item: Item) -> dict[str, Any]:
    return {
        "id": str(item.id),
        "url": item.url,
        "platform": item.platform.slug if item.platform else None,
        "status": item.status,
        "phenomenon": item.phenomenon or None,
        "case": item.case.reference,
        "created_at": item.created_at.isoformat(),
        "priority_at": item.priority_at.isoformat() if item.priority_at else None,
        "assignee": item.assignee.get_username() if item.assignee_id else None,
    }


def identifiers_json(item: Item) -> dict[str, str | None]:
    """Every identifier key, null when unknown, so clients see what can be given."""
    known = item.identifiers or {}
    return {name: known.get(name) for name in FIELDS}


def decision_json(decision: Any) -> dict[str, Any] | None:
    """The platform's decision on an item, a notices ``ItemDecision`` (``None`` until one).

    Read through the reverse relation ``item.decisions``, never imported: notices comes after
    cases (S1), as for ``item.notices`` below. One shape for the item and the notice JSON.
    """
    if decision is None:
        return None
    return {
        "id": str(decision.id),
        "decision": decision.decision,
        "ground": decision.ground or None,
        "territorial_scope": list(decision.territorial_scope),
        "automated": decision.is_automated,
        "redress": decision.redress,
        "statement_id": decision.statement_id or None,
        "decided_at": decision.decided_at.isoformat(),
        "corrects": str(decision.corrects_id) if decision.corrects_id else None,
    }


def assessment_json(a: Assessment) -> dict[str, Any]:
    review = getattr(a, "review", None)
    return {
        "id": str(a.id),
        "verdict": a.verdict,
        "phenomenon": a.phenomenon or None,
        "tdb_category": a.tdb_category or None,
        "keywords": list(a.keywords),
        "legal_bases": list(a.legal_bases),
        "reasons": a.reasons,
        "content_type": a.content_type or None,
        "content_types": list(a.content_types),
        "minor_depicted": a.minor_depicted,
        "facts_on": a.facts_on.isoformat() if a.facts_on else None,
        "author": a.author.username,
        "created_at": a.created_at.isoformat(),
        "review": {
            "approved": review.is_approved,
            "reviewer": review.reviewer.username,
            "comment": review.comment,
            "created_at": review.created_at.isoformat(),
        }
        if review
        else None,
    }


def _platform(slug: str | None) -> Platform:
    if not slug:
        raise ValidationFailed(
            _("Give the platform's slug (see GET /api/v1/platforms)."),
            fields={"platform": [_("Required.")]},
        )
    platform = platforms().filter(slug=slug).first()
    if platform is None:
        raise ValidationFailed(
            _("No platform has the slug %(slug)s.") % {"slug": slug},
            fields={"platform": [_("Unknown platform.")]},
        )
    return platform


def _item_or_404(request: HttpRequest, item_id: UUID) -> Item:
    require_role(request.user, *CASEWORK_ROLES)
    item = queries.item_detail(request.user).prefetch_related("notices").filter(id=item_id).first()
    if item is None:
        raise NotFound(_("No item with this id."))
    return item


@router.get("/items", auth=TokenAuth())
def list_items(request: HttpRequest, filters: Query[ItemFilters]) -> list[dict[str, Any]]:
    require_role(request.user, *CASEWORK_ROLES)
    items = queries.item_queue(request.user, status=filters.status, platform=filters.platform)
    page = items.select_related("assignee")[filters.offset : filters.offset + filters.limit]
    return [item_json(item) for item in page]


@router.get("/items/{item_id}", auth=TokenAuth())
def get_item(request: HttpRequest, item_id: UUID) -> dict[str, Any]:
    item = _item_or_404(request, item_id)
    return {
        **item_json(item),
        "identifiers": identifiers_json(item),
        "assessments": [assessment_json(a) for a in item.assessments.all()],
        "notices": [
            {"id": str(n.id), "reference": n.reference, "status": n.status}
            for n in item.notices.all()
        ],
        # The newest recorded decision: a correction always comes after what it corrects.
        "decision": decision_json(item.decisions.order_by("created_at").last()),
        "events": [
            {
                "kind": e.kind,
                "before": e.before or None,
                "after": e.after or None,
                "created_at": e.created_at.isoformat(),
                "note": e.note,
            }
            for e in item.events.all()
        ],
    }


@router.patch("/items/{item_id}", auth=TokenAuth())
def update_item(request: HttpRequest, item_id: UUID, payload: ItemPatch) -> dict[str, Any]:
    """Change the fields sent, all or none (one transaction); answers with the item."""
    item = _item_or_404(request, item_id)
    changes = payload.dict(exclude_unset=True)
    if not changes:
        raise ValidationFailed(
            _("Send at least one field to change: %(fields)s.")
            % {"fields": ", ".join(ItemPatch.model_fields)},
            fields={"body": [_("Nothing to change.")]},
        )
    with transaction.atomic():
        if "platform" in changes:
            services.set_item_platform(
                item, actor=request.user, platform=_platform(changes["platform"])
            )
        if "identifiers" in changes:
            services.set_item_identifiers(
                item, actor=request.user, changes=changes["identifiers"] or {}
            )
    return get_item(request, item_id)


@router.post("/items/{item_id}/assessments", auth=TokenAuth(), response={201: dict[str, Any]})
def create_assessment(
    request: HttpRequest, item_id: UUID, payload: AssessmentIn
) -> tuple[int, dict[str, Any]]:
    item = _item_or_404(request, item_id)
    assessment = services.submit_assessment(item, actor=request.user, **payload.dict())
    return 201, {"id": str(assessment.id)}


@router.post(
    "/assessments/{assessment_id}/review", auth=TokenAuth(), response={201: dict[str, Any]}
)
def review(
    request: HttpRequest, assessment_id: UUID, payload: ReviewIn
) -> tuple[int, dict[str, Any]]:
    require_role(request.user, *CASEWORK_ROLES)
    # Visible rather than reviewable: the author must get four_eyes, not not_found.
    assessment = queries.visible_assessments(request.user).filter(id=assessment_id).first()
    if assessment is None:
        raise NotFound(_("No assessment with this id."))
    result = services.review_assessment(
        assessment, actor=request.user, approve=payload.approve, comment=payload.comment
    )
    assessment.item.refresh_from_db(fields=["status"])
    return 201, {
        "id": str(result.id),
        "approved": result.is_approved,
        "item_status": assessment.item.status,
    }


def _assignment_json(item_id: UUID, request: HttpRequest) -> dict[str, Any]:
    item = _item_or_404(request, item_id)
    return {
        "id": str(item.id),
        "assignee": item.assignee.get_username() if item.assignee_id else None,
        "assigned_at": item.assigned_at.isoformat() if item.assigned_at else None,
    }


@router.post("/items/{item_id}/claim", auth=TokenAuth())
def claim(request: HttpRequest, item_id: UUID) -> dict[str, Any]:
    """Take the item to work on it; 409 ``already_claimed`` names who has it."""
    services.claim_item(_item_or_404(request, item_id), actor=request.user)
    return _assignment_json(item_id, request)


@router.post("/items/{item_id}/release", auth=TokenAuth())
def release(request: HttpRequest, item_id: UUID) -> dict[str, Any]:
    services.release_item(_item_or_404(request, item_id), actor=request.user)
    return _assignment_json(item_id, request)


@router.post("/items/{item_id}/assign", auth=TokenAuth())
def assign(request: HttpRequest, item_id: UUID, payload: AssignIn) -> dict[str, Any]:
    """Give the item to a colleague doing casework who may see it."""
    require_role(request.user, *services.assignment.ASSIGN_ROLES)
    item = _item_or_404(request, item_id)
    to = User.objects.filter(username=payload.user).first()
    if to is None:
        raise ValidationFailed(
            _("No colleague with this username."), fields={"user": [_("Unknown username.")]}
        )
    services.assign_item(item, actor=request.user, to=to)
    return _assignment_json(item_id, request)
