"""GET/POST /api/v1/platforms: the platform registry (docs/api.md)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Field, Router

from flagdesk.accounts.auth import TokenAuth
from flagdesk.accounts.models import CASEWORK_ROLES, Role
from flagdesk.accounts.permissions import require_role
from flagdesk.core.schemas import Schema

from .models import Platform
from .queries import platforms
from .services import add_platform

router = Router(tags=["platforms"])


class NoticeChannelIn(Schema):
    type: Literal["email"]
    address: str = Field(max_length=254)


class PlatformIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    domains: list[Annotated[str, Field(max_length=253)]] = Field(max_length=100)
    vlop: bool = False
    notice_channel: NoticeChannelIn
    languages: list[Annotated[str, Field(max_length=20)]] = Field(
        default_factory=lambda: ["en"], max_length=30
    )


def platform_json(p: Platform) -> dict[str, Any]:
    return {
        "id": str(p.id),
        "name": p.name,
        "slug": p.slug,
        "domains": [d.domain for d in p.domains.all()],
        "vlop": p.is_vlop,
        "notice_channel": {"type": p.channel_kind, "address": p.notice_address},
        "languages": list(p.languages),
        "created_at": p.created_at.isoformat(),
    }


@router.get("/platforms", auth=TokenAuth())
def list_platforms(request: HttpRequest) -> list[dict[str, Any]]:
    require_role(request.user, *CASEWORK_ROLES, Role.ADMIN)
    return [platform_json(p) for p in platforms()]


@router.post("/platforms", auth=TokenAuth(), response={201: dict[str, Any]})
def create_platform(request: HttpRequest, payload: PlatformIn) -> tuple[int, dict[str, Any]]:
    platform = add_platform(
        actor=request.user,
        name=payload.name,
        domains=payload.domains,
        notice_address=payload.notice_channel.address,
        languages=payload.languages,
        is_vlop=payload.vlop,
        channel_kind=payload.notice_channel.type,
    )
    return 201, platform_json(platforms().get(pk=platform.pk))
