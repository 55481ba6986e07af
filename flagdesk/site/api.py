"""Routers that join apps. ``platforms_router``: the registry's API, whose writes adopt the
waiting items (cases) of the hosts a platform now owns.

Schemas, JSON shape and the list endpoint are the platforms app's (``flagdesk.platforms.api``);
a write's response adds ``adopted_items``, the number of open items now on the platform.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router

from flagdesk.accounts.auth import TokenAuth
from flagdesk.accounts.permissions import require_role
from flagdesk.core.errors import NotFound
from flagdesk.platforms.api import (
    DomainsIn,
    PlatformIn,
    list_platforms,
    platform_json,
    update_platform,
)
from flagdesk.platforms.queries import platforms
from flagdesk.platforms.services import REGISTRY_EDITORS

from . import platforms as registry
from .platforms import RegistryChange

platforms_router = Router(tags=["platforms"])
platforms_router.get("/platforms", auth=TokenAuth())(list_platforms)
platforms_router.patch("/platforms/{platform_id}", auth=TokenAuth())(update_platform)


def _change_json(change: RegistryChange) -> dict[str, Any]:
    return {
        **platform_json(platforms().get(pk=change.platform.pk)),
        "adopted_items": change.adopted_items,
    }


@platforms_router.post("/platforms", auth=TokenAuth(), response={201: dict[str, Any]})
def create_platform(request: HttpRequest, payload: PlatformIn) -> tuple[int, dict[str, Any]]:
    change = registry.register_platform(
        actor=request.user,
        name=payload.name,
        domains=payload.domains,
        notice_address=payload.notice_channel.address,
        languages=payload.languages,
        is_vlop=payload.vlop,
        channel_kind=payload.notice_channel.type,
        accepts_hash_matching=payload.accepts_hash_matching,
    )
    return 201, _change_json(change)


@platforms_router.post(
    "/platforms/{platform_id}/domains", auth=TokenAuth(), response={201: dict[str, Any]}
)
def add_platform_domains(
    request: HttpRequest, platform_id: UUID, payload: DomainsIn
) -> tuple[int, dict[str, Any]]:
    # The role first: a caller who may not write the registry learns nothing about ids.
    require_role(request.user, *REGISTRY_EDITORS)
    platform = platforms().filter(id=platform_id).first()
    if platform is None:
        raise NotFound(_("No platform with this id."))
    change = registry.add_platform_domains(platform, actor=request.user, domains=payload.domains)
    return 201, _change_json(change)
