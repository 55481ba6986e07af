"""The platform registry: registering platforms and their domains, resolving a host to its
platform."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from uuid import UUID

import idna
import tldextract
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.text import slugify
from django.utils.translation import gettext as _

from flagdesk.accounts.models import User
from flagdesk.accounts.permissions import require_role
from flagdesk.audit.services import record
from flagdesk.core.errors import ValidationFailed

from ..models import Platform, PlatformChannel, PlatformDomain
from .channels import add_channel
from .editors import REGISTRY_EDITORS


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


def _suffixes(host: str) -> list[str]:
    """``m.example.org`` -> ``["m.example.org", "example.org"]``: what a registered domain
    owning ``host`` can be. A single label is never a registered domain."""
    labels = host.lower().rstrip(".").split(".")
    return [".".join(labels[i:]) for i in range(len(labels) - 1)]


def _split(entry: str) -> tuple[str, str]:
    """``google.com/maps`` -> (``google.com``, ``/maps``); a plain domain has no path."""
    host, sep, path = entry.partition("/")
    return host, f"/{path}" if sep else ""


def _path_matches(prefix: str, path: str) -> bool:
    """``/maps`` covers ``/maps`` and ``/maps/place/x``, not ``/mapsearch``."""
    return path == prefix or path.startswith(prefix.rstrip("/") + "/")


def _best(entries: Mapping[str, UUID], host: str, path: str) -> tuple[str, UUID] | None:
    """The entry owning ``host`` and ``path``: the longest registered host first; under it,
    the longest path prefix that ``path`` starts with, else the host on its own."""
    for candidate in _suffixes(host):
        with_paths = [
            e
            for e in entries
            if e.startswith(candidate + "/") and _path_matches(_split(e)[1], path or "/")
        ]
        if with_paths:
            chosen = max(with_paths, key=len)
            return chosen, entries[chosen]
        if candidate in entries:
            return candidate, entries[candidate]
    return None


def _entries_for(host: str) -> dict[str, UUID]:
    """Active platforms' entries (domains and domain/path prefixes) that could own ``host``."""
    candidates = _suffixes(host)
    if not candidates:
        return {}
    query = Q(domain__in=candidates)
    for candidate in candidates:
        query |= Q(domain__startswith=candidate + "/")
    rows = PlatformDomain.objects.filter(query, platform__is_active=True)
    return dict(rows.values_list("domain", "platform_id"))


def platform_for_url(host: str, path: str = "/") -> Platform | None:
    """The platform owning ``host`` (and ``path``): the longest registered domain that
    ``host`` is or ends with, so ``m.example.org`` finds ``example.org`` and a host registered
    on its own (``sites.google.com``) wins over its parent; where a platform is registered for
    a path of a shared host (``google.com/maps``), the longest such prefix wins over the host.
    None sends the item to the unknown queue."""
    match = _best(_entries_for(host), host, path)
    return Platform.objects.get(pk=match[1]) if match else None


def platform_for_host(host: str) -> Platform | None:
    """``platform_for_url`` for a host without a path."""
    return platform_for_url(host, "/")


@dataclass(frozen=True)
class DomainTable:
    """Every active platform's domains, read in one query, for resolving many URLs at once
    by the same rule as ``platform_for_url``."""

    owners: Mapping[str, UUID]  # domain or domain/path -> platform id

    def longest_match(self, host: str, path: str = "/") -> tuple[str, UUID] | None:
        """(registered entry, platform id) owning ``host`` and ``path``, or None."""
        return _best(self.owners, host, path)


def domain_table() -> DomainTable:
    rows = PlatformDomain.objects.filter(platform__is_active=True).values_list(
        "domain", "platform_id"
    )
    return DomainTable(owners=dict(rows))


def _clean_path(raw: str, invalid: ValidationFailed) -> str:
    """A path prefix as stored: ``/maps`` (no trailing slash, no query, no fragment)."""
    path = "/" + raw.strip().strip("/")
    if path == "/" or len(path) > 200 or any(c in path for c in "?#\\ \t\r\n%"):
        raise invalid
    return path


def _clean_domain(raw: str) -> str:
    """The form a domain is stored and matched in: lower case, IDNA (as intake stores hosts),
    with an optional path prefix for a platform that shares its host (``google.com/maps``)."""
    host_part, sep, path_part = raw.strip().partition("/")
    domain = host_part.lower().rstrip(".")
    invalid = ValidationFailed(
        _(
            "%(domain)s is not a domain name (write example.org, without http://; "
            "example.org/path for a part of a shared site)."
        )
        % {"domain": raw[:100]},
        fields={"domains": [_("Invalid domain.")]},
    )
    if raw.strip().lower().startswith(("http://", "https://")) or "." not in domain:
        raise invalid
    path = _clean_path(path_part, invalid) if sep else ""
    try:
        domain = idna.encode(domain, uts46=True).decode("ascii")
    except idna.IDNAError:
        raise invalid from None
    parts = _extractor()(domain)
    if parts.suffix and not parts.domain:
        # "co.uk" would make one platform the owner of every site under it.
        raise ValidationFailed(
            _("%(domain)s is a public suffix shared by many sites; give the platform's own domain.")
            % {"domain": domain},
            fields={"domains": [_("Invalid domain.")]},
        )
    return domain + path


def _clean_domains(domains: Sequence[str]) -> list[str]:
    """Cleaned, without repeats, and none already registered (a domain has one owner)."""
    cleaned = list(dict.fromkeys(_clean_domain(raw) for raw in domains))
    if not cleaned:
        raise ValidationFailed(_("Give at least one domain."), fields={"domains": [_("Required.")]})
    taken = list(
        PlatformDomain.objects.filter(domain__in=cleaned)
        .select_related("platform")
        .order_by("domain")
    )
    if taken:
        raise ValidationFailed(
            _("These domains are already registered: %(domains)s.")
            % {"domains": ", ".join(f"{d.domain} ({d.platform.name})" for d in taken)},
            fields={"domains": [_("Already registered.")]},
        )
    return cleaned


def _store_domains(platform: Platform, domains: Sequence[str]) -> None:
    try:
        with transaction.atomic():
            PlatformDomain.objects.bulk_create(
                PlatformDomain(platform=platform, domain=d) for d in domains
            )
    except IntegrityError:
        # Another coordinator registered one of them a moment after _clean_domains looked.
        raise ValidationFailed(
            _("One of these domains was registered a moment ago; reload and try again."),
            fields={"domains": [_("Already registered.")]},
        ) from None


@transaction.atomic
def add_platform(
    *,
    actor: User,
    name: str,
    domains: Sequence[str],
    notice_address: str = "",
    languages: Sequence[str] = ("en",),
    is_vlop: bool = False,
    channel_kind: str = PlatformChannel.Kind.EMAIL,
    accepts_hash_matching: bool = False,
) -> Platform:
    """Register a platform with its domains; a domain may belong to one platform only.

    With ``notice_address`` (or ``channel_kind="webform"``) its first channel is made too;
    without, notices to it go by hand until a coordinator adds a verified channel.

    Only the registry is written: items waiting for this platform are adopted by the caller
    that composes both steps (``flagdesk.site.platforms.register_platform``).
    """
    require_role(actor, *REGISTRY_EDITORS)
    if not name.strip():
        raise ValidationFailed(_("Give the platform's name."), fields={"name": [_("Required.")]})
    if notice_address.strip():
        try:
            validate_email(notice_address.strip())
        except DjangoValidationError:
            # Notices to a malformed address would fail only later, in the worker.
            raise ValidationFailed(
                _("The notice address is not a valid email address."),
                fields={"notice_address": [_("Enter a valid email address.")]},
            ) from None
    cleaned = _clean_domains(domains)
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
        languages=list(languages),
        accepts_hash_matching=accepts_hash_matching,
    )
    _store_domains(platform, cleaned)
    if notice_address.strip() or channel_kind != PlatformChannel.Kind.EMAIL:
        add_channel(platform, actor=actor, kind=channel_kind, address=notice_address.strip())
    return platform


@transaction.atomic
def set_hash_matching(platform: Platform, *, actor: User, accepts: bool) -> Platform:
    """Record whether the platform matches content by hash (coordinator, admin): from the
    next notice on, notices to it carry each item's known hashes (art. 16(2)(b) DSA), never
    the media. Notices already queued keep what they froze. Audited."""
    require_role(actor, *REGISTRY_EDITORS)
    Platform.objects.filter(pk=platform.pk).update(accepts_hash_matching=accepts)
    platform.accepts_hash_matching = accepts
    record(
        "platform.hash_matching",
        actor=actor,
        target=f"platform:{platform.pk}",
        data={"accepts_hash_matching": accepts},
    )
    return platform


@transaction.atomic
def add_domains(platform: Platform, *, actor: User, domains: Sequence[str]) -> list[str]:
    """Add domains to a registered platform, validated as at registration; returns them as
    stored. Raises ``ValidationFailed`` when one is malformed or already registered."""
    require_role(actor, *REGISTRY_EDITORS)
    cleaned = _clean_domains(domains)
    _store_domains(platform, cleaned)
    return cleaned
