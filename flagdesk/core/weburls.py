"""Reported URLs: validation against hostile input and normalisation for deduplication.

Two spellings of one address must become one item, so the normal form lower-cases scheme and
host, encodes the host with IDNA, drops default ports, fragments and tracking parameters. The
checks refuse what a notice can never point at and what the safe fetcher must never touch:
non-http schemes, credentials, IP literals and hosts that resolve only to private addresses.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

import idna
from django.utils.translation import gettext as _

from .errors import ValidationFailed

MAX_URL_LENGTH = 2048
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "igsh",
        "si",
        "yclid",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "ref_src",
        "ref_url",
        "twclid",
        "ttclid",
        "srsltid",
        "spm",
        "vero_id",
        "oly_anon_id",
        "oly_enc_id",
        "rb_clickid",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_")
DEFAULT_PORTS = {"http": 80, "https": 443}

Resolver = Callable[[str], list[str]]


class InvalidUrl(ValidationFailed):
    code = "invalid_url"


def system_resolver(host: str) -> list[str]:
    """Addresses a host resolves to; [] when it does not resolve (yet) or DNS is unreachable."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return []
    return sorted({str(info[4][0]) for info in infos})


def _is_tracking(key: str) -> bool:
    lowered = key.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def _encode_host(host: str, url: str) -> str:
    host = host.rstrip(".").lower()
    if not host:
        raise InvalidUrl(_("The address %(url)s has no host name.") % {"url": url})
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError:
        raise InvalidUrl(
            _("The host name in %(url)s is not a valid domain name.") % {"url": url}
        ) from None


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        # 0x7f.1, 2130706433 and other shorthand forms that browsers still accept
        return host.replace(".", "").isdigit() or host.startswith("0x")
    return True


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    return ip.is_global and not ip.is_multicast


def normalise_url(raw: str, *, resolver: Resolver | None = None) -> str:
    """Return the normal form of ``raw`` or raise ``InvalidUrl`` with a translated reason.

    ``resolver`` maps a host to its addresses; when given, a host whose every address is
    private, loopback or link-local is refused (a host that does not resolve is accepted:
    content may already be gone, and the re-check reports it).
    """
    url = raw.strip()
    if not url:
        raise InvalidUrl(_("Please enter an address."))
    if len(url) > MAX_URL_LENGTH:
        raise InvalidUrl(
            _("An address can be at most %(limit)d characters long; this one has %(count)d.")
            % {"limit": MAX_URL_LENGTH, "count": len(url)}
        )
    if any(ch in url for ch in "\x00\r\n\t") or " " in url:
        raise InvalidUrl(
            _("The address %(url)s contains spaces or control characters.") % {"url": url[:200]}
        )
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise InvalidUrl(_("%(url)s is not a valid web address.") % {"url": url[:200]}) from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise InvalidUrl(
            _("Only web addresses starting with http:// or https:// can be reported (got %(url)s).")
            % {"url": url[:200]}
        )
    if parts.username is not None or parts.password is not None:
        raise InvalidUrl(_("Addresses with a user name or password cannot be reported."))
    raw_host = unquote(parts.hostname or "")
    if raw_host and _is_ip_literal(raw_host):
        raise InvalidUrl(
            _("Please give the address with its domain name, not an IP address (%(host)s).")
            % {"host": raw_host}
        )
    host = _encode_host(raw_host, url[:200])
    if _is_ip_literal(host):
        raise InvalidUrl(
            _("Please give the address with its domain name, not an IP address (%(host)s).")
            % {"host": host}
        )
    if "." not in host:
        raise InvalidUrl(_("%(host)s is not a public domain name.") % {"host": host})
    if resolver is not None:
        addresses = resolver(host)
        if addresses and not any(_is_public(a) for a in addresses):
            raise InvalidUrl(
                _("%(host)s points to a private or local network address and cannot be reported.")
                % {"host": host}
            )
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)],
        doseq=True,
    )
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, query, ""))


def host_of(url: str) -> str:
    return urlsplit(url).hostname or ""


def configured_resolver() -> Resolver:
    """The resolver named by ``settings.URL_RESOLVER``; tests point it at a fixed table."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    resolver: Resolver = import_string(settings.URL_RESOLVER)
    return resolver


def url_key(normalised: str) -> str:
    """Fixed-length index key for a normalised URL (URLs are too long to index directly)."""
    import hashlib

    return hashlib.sha256(normalised.encode()).hexdigest()
