"""Reported URLs: validation against hostile input and normalisation for deduplication.

Two spellings of one address must become one item, so the normal form lower-cases scheme and
host, encodes the host with IDNA, drops default ports, fragments and tracking parameters. The
checks refuse what a notice can never point at and what the safe fetcher must never touch:
non-http schemes, credentials, IP literals, port 0, invisible format characters that make an
address read differently from where it leads, and hosts with any address that is not on the
public internet (``ipscope.is_global_address``).

The hosts of one report are resolved together (``hostlookup.resolve_hosts``) within one
deadline. A host that does not resolve, or whose look-up has not answered in time, is accepted:
the content may already be gone, a victim's report must not be refused because a DNS server is
slow, and an attacker gains nothing that a name which does not resolve would not give him. The
safe fetcher checks the address again on every connection, since DNS answers change anyway.
"""

from __future__ import annotations

import ipaddress
import socket
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

import idna
from django.utils.translation import gettext as _

from .errors import ValidationFailed
from .hostlookup import Resolver, resolve_hosts
from .ipscope import is_global_address

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


@lru_cache(maxsize=4096)
def _idna_ascii(host: str) -> str | None:
    """``host`` in IDNA, None if it is no valid domain name. Cached: a spreadsheet import
    checks thousands of URLs on a few hosts, and IDNA's checks dominate the cost."""
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError:
        return None


def _encode_host(host: str, url: str) -> str:
    host = host.rstrip(".").lower()
    if not host:
        raise InvalidUrl(_("The address %(url)s has no host name.") % {"url": url})
    encoded = _idna_ascii(host)
    if encoded is None:
        raise InvalidUrl(_("The host name in %(url)s is not a valid domain name.") % {"url": url})
    return encoded


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        # 0x7f.1, 2130706433 and other shorthand forms that browsers still accept
        return host.replace(".", "").isdigit() or host.startswith("0x")
    return True


def _invisible_character(text: str) -> str | None:
    """The first format character (Unicode category Cf) in ``text``: bidi controls such as
    U+202E, zero-width spaces and joiners, the BOM... None when there is none."""
    return next((ch for ch in text if unicodedata.category(ch) == "Cf"), None)


def _refuse_invisible(ch: str) -> InvalidUrl:
    return InvalidUrl(
        _(
            "The address contains an invisible formatting character (%(char)s) that can make "
            "it look like a different address. Please copy the address again without it."
        )
        % {"char": f"U+{ord(ch):04X}"}
    )


def _is_space_or_control(ch: str) -> bool:
    return unicodedata.category(ch) in ("Cc", "Zs", "Zl", "Zp")


@lru_cache(maxsize=4096)
def _unicode_host(host: str) -> str:
    try:
        return str(idna.decode(host))
    except (idna.IDNAError, UnicodeError):
        return host  # _encode_host accepted it; it then shows as its ASCII form


def _normal_form(raw: str) -> str:
    """Everything ``normalise_url`` checks without asking DNS."""
    url = raw.strip()
    if not url:
        raise InvalidUrl(_("Please enter an address."))
    if len(url) > MAX_URL_LENGTH:
        raise InvalidUrl(
            _("An address can be at most %(limit)d characters long; this one has %(count)d.")
            % {"limit": MAX_URL_LENGTH, "count": len(url)}
        )
    # Percent-decoded too: %E2%80%AE in a path shows as U+202E wherever the URL is displayed.
    if (ch := _invisible_character(url) or _invisible_character(unquote(url))) is not None:
        raise _refuse_invisible(ch)
    if any(_is_space_or_control(ch) for ch in url):
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
    if port == 0:
        raise InvalidUrl(_("%(url)s names port 0, which no web server uses.") % {"url": url[:200]})
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
    if (ch := _invisible_character(_unicode_host(host))) is not None:
        raise _refuse_invisible(ch)  # an xn-- label that displays with a joiner in it
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)],
        doseq=True,
    )
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, query, ""))


def check_addresses(host: str, addresses: Sequence[str] | None) -> None:
    """Refuse ``host`` if any address it resolves to is not on the public internet.

    One is enough: a client connecting to the host may pick it, and a name answering both
    127.0.0.1 and a public address is how a fetcher is turned inwards. None (look-up
    undecided) and [] (does not resolve) are accepted, for the reasons in the module docstring.
    """
    if addresses and not all(is_global_address(a) for a in addresses):
        raise InvalidUrl(
            _("%(host)s points to a private or local network address and cannot be reported.")
            % {"host": host}
        )


def normalise_urls(
    raws: Sequence[str], *, resolver: Resolver | None = None
) -> list[str | InvalidUrl]:
    """Each of ``raws`` in normal form, or the ``InvalidUrl`` saying why it is refused.

    With a ``resolver``, the distinct hosts of all of them are looked up together, within
    ``settings.URL_LOOKUP_TIMEOUT_SECONDS`` in all, and checked by ``check_addresses``.
    """
    results: list[str | InvalidUrl] = []
    for raw in raws:
        try:
            results.append(_normal_form(raw))
        except InvalidUrl as e:
            results.append(e)
    if resolver is None:
        return results
    found = resolve_hosts([host_of(r) for r in results if isinstance(r, str)], resolver)
    checked: list[str | InvalidUrl] = []
    for result in results:
        if isinstance(result, str):
            try:
                check_addresses(host_of(result), found[host_of(result)])
            except InvalidUrl as e:
                result = e
        checked.append(result)
    return checked


def normalise_url(raw: str, *, resolver: Resolver | None = None) -> str:
    """Return the normal form of ``raw`` or raise ``InvalidUrl`` with a translated reason.

    With a ``resolver`` (host -> addresses), the host is refused if any of its addresses is
    not public (``check_addresses``).
    """
    [result] = normalise_urls([raw], resolver=resolver)
    if isinstance(result, InvalidUrl):
        raise result
    return result


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
