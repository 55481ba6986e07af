"""The platform registry: creating platforms and resolving a host to its platform."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import tldextract
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from flagdesk.accounts.models import Role, User
from flagdesk.accounts.permissions import require_role
from flagdesk.core.errors import ValidationFailed

from .models import Platform, PlatformDomain


@cache
def _extractor() -> tldextract.TLDExtract:
    # The bundled Public Suffix List only: resolution must never touch the network.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def registered_domain(host: str) -> str:
    """``m.example.co.uk`` -> ``example.co.uk``; hosts without a public suffix stay as they are."""
    parts = _extractor()(host.lower().rstrip("."))
    if parts.domain and parts.suffix:
        return f"{parts.domain}.{parts.suffix}"
    return host.lower()


def platform_for_host(host: str) -> Platform | None:
    """The platform owning ``host``: the longest registered domain that ``host`` is or ends
    with, so ``m.example.org`` finds ``example.org`` and a host registered on its own
    (``sites.google.com``) wins over its parent. None sends the item to the unknown queue."""
    labels = host.lower().rstrip(".").split(".")
    candidates = [".".join(labels[i:]) for i in range(len(labels) - 1)]
    if not candidates:
        return None
    rows = PlatformDomain.objects.select_related("platform").filter(
        domain__in=candidates, platform__is_active=True
    )
    best = max(rows, key=lambda row: len(row.domain), default=None)
    return best.platform if best else None


def _clean_domains(domains: Sequence[str]) -> list[str]:
    cleaned = []
    for raw in domains:
        domain = raw.strip().lower().rstrip(".")
        if domain.startswith(("http://", "https://")) or "/" in domain or "." not in domain:
            raise ValidationFailed(
                _("%(domain)s is not a domain name (write example.org, without http://).")
                % {"domain": raw[:100]},
                fields={"domains": [_("Invalid domain.")]},
            )
        cleaned.append(domain)
    if not cleaned:
        raise ValidationFailed(_("Give at least one domain."), fields={"domains": [_("Required.")]})
    return cleaned


@transaction.atomic
def add_platform(
    *,
    actor: User,
    name: str,
    domains: Sequence[str],
    notice_address: str,
    languages: Sequence[str] = ("en",),
    is_vlop: bool = False,
    channel_kind: str = Platform.Channel.EMAIL,
) -> Platform:
    """Register a platform with its domains; a domain may belong to one platform only."""
    require_role(actor, Role.COORDINATOR, Role.ADMIN)
    if not name.strip():
        raise ValidationFailed(_("Give the platform's name."), fields={"name": [_("Required.")]})
    try:
        validate_email(notice_address.strip())
    except DjangoValidationError:
        # Notices to a malformed address would fail only later, in the worker.
        raise ValidationFailed(
            _("The notice address is not a valid email address."),
            fields={"notice_address": [_("Enter a valid email address.")]},
        ) from None
    cleaned = _clean_domains(domains)
    taken = list(PlatformDomain.objects.filter(domain__in=cleaned).values_list("domain", flat=True))
    if taken:
        raise ValidationFailed(
            _("These domains already belong to another platform: %(domains)s.")
            % {"domains": ", ".join(taken)},
            fields={"domains": [_("Already registered.")]},
        )
    if Platform.objects.filter(name__iexact=name.strip()).exists():
        raise ValidationFailed(
            _("A platform named %(name)s already exists.") % {"name": name},
            fields={"name": [_("Already taken.")]},
        )
    base = slugify(name)[:90] or "platform"
    slug, n = base, 1
    while Platform.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    platform = Platform.objects.create(
        name=name.strip(),
        slug=slug,
        is_vlop=is_vlop,
        channel_kind=channel_kind,
        notice_address=notice_address.strip(),
        languages=list(languages),
    )
    PlatformDomain.objects.bulk_create(PlatformDomain(platform=platform, domain=d) for d in cleaned)
    return platform
