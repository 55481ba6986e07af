"""Registering platforms and domains, then adopting the open items whose host they own.

The registry (platforms) cannot know about items (cases comes later, S1), so each step that
changes which hosts a platform owns is composed here, in one transaction: either the domain is
registered and every waiting item on it has its platform, or neither happened.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from flagdesk.accounts.models import User
from flagdesk.cases.services import adopt_open_items
from flagdesk.platforms.models import Platform, PlatformChannel
from flagdesk.platforms.services import ImportResult, add_domains, add_platform, import_registry


@dataclass(frozen=True)
class RegistryChange:
    platform: Platform
    domains: tuple[str, ...]  # as stored: lower case, IDNA
    adopted_items: int


@transaction.atomic
def register_platform(
    *,
    actor: User,
    name: str,
    domains: Sequence[str],
    notice_address: str,
    languages: Sequence[str] = ("en",),
    is_vlop: bool = False,
    channel_kind: str = PlatformChannel.Kind.EMAIL,
    accepts_hash_matching: bool = False,
) -> RegistryChange:
    """``add_platform``, then ``adopt_open_items``; errors are ``add_platform``'s."""
    platform = add_platform(
        actor=actor,
        name=name,
        domains=domains,
        notice_address=notice_address,
        languages=languages,
        is_vlop=is_vlop,
        channel_kind=channel_kind,
        accepts_hash_matching=accepts_hash_matching,
    )
    registered = tuple(platform.domains.order_by("domain").values_list("domain", flat=True))
    return RegistryChange(platform, registered, adopt_open_items(platform, actor=actor))


@transaction.atomic
def add_platform_domains(
    platform: Platform, *, actor: User, domains: Sequence[str]
) -> RegistryChange:
    """``add_domains``, then ``adopt_open_items``; errors are ``add_domains``'."""
    added = add_domains(platform, actor=actor, domains=domains)
    return RegistryChange(platform, tuple(added), adopt_open_items(platform, actor=actor))


@dataclass(frozen=True)
class RegistryImport:
    result: ImportResult
    adopted_items: int


@transaction.atomic
def import_platforms(data: Any, *, actor: User, keep_existing: bool = False) -> RegistryImport:
    """``import_registry``, then ``adopt_open_items`` for each platform that gained domains."""
    result = import_registry(data, actor=actor, keep_existing=keep_existing)
    adopted = sum(
        adopt_open_items(Platform.objects.get(slug=slug), actor=actor)
        for slug in result.new_domains
    )
    return RegistryImport(result, adopted)
