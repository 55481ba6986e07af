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
from flagdesk.notices.api.follow_through import quality_json
from flagdesk.platforms.api import (
    DomainsIn,
    PlatformIn,
    RegistryIn,
    export_platforms,
    list_platforms,
    make_inbound_secret,
    platform_json,
    replace_channels,
    update_platform,
)
from flagdesk.platforms.queries import platforms
from flagdesk.platforms.services import REGISTRY_EDITORS
from flagdesk.site import platforms as registry
from flagdesk.site.platforms import RegistryChange

platforms_router = Router(tags=["platforms"])


def import_platforms(request: HttpRequest, payload: RegistryIn) -> dict[str, Any]:
    """The registry in the export's format; all or nothing, every problem named."""
    done = registry.import_platforms(payload.dict(), actor=request.user)
    return {
        "created": done.result.created,
        "updated": done.result.updated,
        "adopted_items": done.adopted_items,
    }


# Fixed paths before "/platforms/{platform_id}", which would otherwise take them.
platforms_router.get("/platforms/export", auth=TokenAuth())(export_platforms)
platforms_router.post("/platforms/import", auth=TokenAuth())(import_platforms)
platforms_router.get("/platforms/quality", auth=TokenAuth())(quality_json)
platforms_router.get("/platforms", auth=TokenAuth())(list_platforms)
platforms_router.patch("/platforms/{platform_id}", auth=TokenAuth())(update_platform)
platforms_router.put("/platforms/{platform_id}/channels", auth=TokenAuth())(replace_channels)
platforms_router.post("/platforms/{platform_id}/inbound-secret", auth=TokenAuth())(
    make_inbound_secret
)


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
