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

from flagdesk.accounts.permissions import require_role
from flagdesk.accounts.policy import Action, roles_for
from flagdesk.core.errors import NotFound, ValidationFailed
from flagdesk.core.schemas import Schema

from .models import Platform, PlatformChannel
from .queries import platforms
from .services import (
    REGISTRY_EDITORS,
    export_registry,
    new_inbound_secret,
    set_channels,
    set_hash_matching,
    update_facts,
)
from .services.registry import MAX_PATTERNS_TEXT


class NoticeChannelIn(Schema):
    type: Literal["email", "api", "webform"]
    address: str = Field(default="", max_length=254)


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
    """Any of the registry's facts; what is left out stays as it is."""

    accepts_hash_matching: bool | None = None
    category: str | None = Field(default=None, max_length=20)
    legal_entity: str | None = Field(default=None, max_length=200)
    member_state: str | None = Field(default=None, max_length=2)
    vlop: bool | None = None
    vlose: bool | None = None
    is_natural_person: bool | None = None
    tdb_name: str | None = Field(default=None, max_length=200)
    puid_pattern: str | None = Field(default=None, max_length=300)
    languages: list[Annotated[str, Field(max_length=5)]] | None = Field(default=None, max_length=4)
    sla_hours: dict[str, int] | None = None
    escalation_contacts: str | None = Field(default=None, max_length=2000)
    renotice_every_hours: int | None = None
    # Checked by the registry's service (``clean_facts``), as on the edit page.
    recheck_hours: dict[str, list[int]] | None = None
    unavailable_patterns: str | None = Field(default=None, max_length=MAX_PATTERNS_TEXT)


class ChannelIn(Schema):
    type: Literal["email", "api", "webform"]
    address: str = Field(default="", max_length=254)
    endpoint: str = Field(default="", max_length=500)
    auth: Literal["", "bearer", "hmac"] = ""
    secret_ref: str = Field(default="", max_length=200)
    language: str = Field(default="", max_length=5)
    options: dict[str, Any] = Field(default_factory=dict)


class ChannelsIn(Schema):
    channels: list[ChannelIn] = Field(max_length=5)


class RegistryIn(Schema):
    """The registry file (``flagdesk platforms export``); its entries are checked by the
    import service, which names every problem by platform."""

    version: int = 0
    platforms: list[dict[str, Any]] = Field(default_factory=list, max_length=2000)


class DomainsIn(Schema):
    domains: list[Annotated[str, Field(max_length=253)]] = Field(min_length=1, max_length=100)


def _channel_json(c: PlatformChannel) -> dict[str, Any]:
    return {
        "type": c.kind,
        "address": c.address,
        "endpoint": c.endpoint,
        "auth": c.auth,
        "secret_ref": c.secret_ref,
        "language": c.language,
        "options": c.options,
        "active": c.is_active,
        "verified_at": c.verified_at.isoformat() if c.verified_at else None,
    }


def _first_channel(p: Platform) -> dict[str, Any]:
    """v1's one channel: the preferred one, or ``manual`` while none is entered."""
    active = p.active_channels()
    if not active:
        return {"type": "manual", "address": ""}
    first = active[0]
    return {"type": first.kind, "address": first.address or first.endpoint}


def platform_json(p: Platform) -> dict[str, Any]:
    return {
        "id": str(p.id),
        "name": p.name,
        "slug": p.slug,
        "domains": sorted(d.domain for d in p.domains.all()),
        "vlop": p.is_vlop,
        "is_natural_person": p.is_natural_person,
        "vlose": p.is_vlose,
        "category": p.category,
        "legal_entity": p.legal_entity,
        "member_state": p.member_state,
        "tdb_name": p.tdb_name,
        "puid_pattern": p.puid_pattern,
        "notice_channel": _first_channel(p),
        "channels": [_channel_json(c) for c in p.channels.all()],
        "languages": list(p.languages),
        "accepts_hash_matching": p.accepts_hash_matching,
        "sla_hours": dict(p.sla_hours),
        "escalation_contacts": p.escalation_contacts,
        "renotice_every_hours": p.renotice_every_hours,
        "recheck_hours": dict(p.recheck_hours),
        "unavailable_patterns": p.unavailable_patterns,
        "has_inbound_secret": bool(p.inbound_secret),
        "active": p.is_active,
        "created_at": p.created_at.isoformat(),
    }


def list_platforms(request: HttpRequest) -> list[dict[str, Any]]:
    require_role(request.user, *roles_for(Action.REGISTRY_READ))
    return [platform_json(p) for p in platforms()]


def _editable(request: HttpRequest, platform_id: UUID) -> Platform:
    # The role first: a caller who may not write the registry learns nothing about ids.
    require_role(request.user, *REGISTRY_EDITORS)
    platform = platforms().filter(id=platform_id).first()
    if platform is None:
        raise NotFound(_("No platform with this id."))
    return platform


def update_platform(
    request: HttpRequest, platform_id: UUID, payload: PlatformPatch
) -> dict[str, Any]:
    """``PATCH /platforms/{id}``: the registry's facts about the platform."""
    platform = _editable(request, platform_id)
    given = payload.dict(exclude_unset=True)
    if not given:
        raise ValidationFailed(
            _("Give at least one field to change."), fields={"body": _("Nothing to change.")}
        )
    hashes = given.pop("accepts_hash_matching", None)
    facts = {{"vlop": "is_vlop", "vlose": "is_vlose"}.get(k, k): v for k, v in given.items()}
    if facts:
        update_facts(platform, actor=request.user, **facts)
    if hashes is not None:
        set_hash_matching(platform, actor=request.user, accepts=hashes)
    return platform_json(platforms().get(pk=platform.pk))


def replace_channels(
    request: HttpRequest, platform_id: UUID, payload: ChannelsIn
) -> dict[str, Any]:
    """``PUT /platforms/{id}/channels``: the channels in order of preference, each checked."""
    platform = _editable(request, platform_id)
    channels = [{"kind": c.type, **c.dict(exclude={"type"})} for c in payload.channels]
    set_channels(platform, actor=request.user, channels=channels)
    return platform_json(platforms().get(pk=platform.pk))


def make_inbound_secret(request: HttpRequest, platform_id: UUID) -> dict[str, str]:
    """``POST /platforms/{id}/inbound-secret``: a new HMAC key, shown only in this answer."""
    platform = _editable(request, platform_id)
    return {"secret": new_inbound_secret(platform, actor=request.user)}


def export_platforms(request: HttpRequest) -> dict[str, Any]:
    """``GET /platforms/export``: the registry in the import format."""
    require_role(request.user, *REGISTRY_EDITORS)
    return export_registry()
