"""The registry's API offer (docs/api.md): schemas, JSON shape, ``GET /api/v1/platforms``.

``flagdesk.site.api`` mounts ``list_platforms`` on the platforms router next to the writes
(``POST /platforms``, ``POST /platforms/{id}/domains``), which also adopt waiting items and so
join cases (S1b). django-ninja serves one path from one router, so GET and POST of
``/platforms`` must share it.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field

from flagdesk.accounts.models import CASEWORK_ROLES, Role
from flagdesk.accounts.permissions import require_role
from flagdesk.core.errors import NotFound
from flagdesk.core.schemas import Schema

from .models import Platform
from .queries import platforms
from .services import REGISTRY_EDITORS, set_hash_matching


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
    accepts_hash_matching: bool = False


class PlatformPatch(Schema):
    accepts_hash_matching: bool


class DomainsIn(Schema):
    domains: list[Annotated[str, Field(max_length=253)]] = Field(min_length=1, max_length=100)


def platform_json(p: Platform) -> dict[str, Any]:
    return {
        "id": str(p.id),
        "name": p.name,
        "slug": p.slug,
        "domains": sorted(d.domain for d in p.domains.all()),
        "vlop": p.is_vlop,
        "notice_channel": {"type": p.channel_kind, "address": p.notice_address},
        "languages": list(p.languages),
        "accepts_hash_matching": p.accepts_hash_matching,
        "created_at": p.created_at.isoformat(),
    }


def list_platforms(request: HttpRequest) -> list[dict[str, Any]]:
    require_role(request.user, *CASEWORK_ROLES, Role.ADMIN)
    return [platform_json(p) for p in platforms()]


def update_platform(
    request: HttpRequest, platform_id: UUID, payload: PlatformPatch
) -> dict[str, Any]:
    """``PATCH /platforms/{id}``: today whether the platform accepts hash matching."""
    require_role(request.user, *REGISTRY_EDITORS)
    platform = platforms().filter(id=platform_id).first()
    if platform is None:
        raise NotFound(_("No platform with this id."))
    set_hash_matching(platform, actor=request.user, accepts=payload.accepts_hash_matching)
    return platform_json(platforms().get(pk=platform.pk))
