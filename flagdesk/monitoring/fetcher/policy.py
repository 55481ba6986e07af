"""What the safe fetcher may contact: the URL rules and the address rule, decided before any
connection is made.

Hosts are read the way a browser's WHATWG URL parser reads them, because that is how a
reporter's URL was meant and how an attacker will spell an internal address: the host is
percent-decoded and mapped with UTS 46 (full-width digits and ideographic full stops become
ASCII), and a host whose last label is a number is an IPv4 address in any of the spellings
browsers accept (``2130706433``, ``0177.0.0.1``, ``0x7f.1``, ``127.1``). Whatever the
spelling, the fetcher connects to the address it judged, never to a second reading of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv6Address, ip_address
from urllib.parse import quote, unquote_to_bytes, urlsplit

import idna
from django.conf import settings

from flagdesk.core.ipscope import is_global_address

SCHEMES = {"http": 80, "https": 443}
MAX_URL_CHARS = 8192
_ASCII_LABEL = re.compile(r"[a-z0-9_-]{1,63}")
_HEX = frozenset("0123456789abcdefABCDEF")
_OCTAL = frozenset("01234567")
_DECIMAL = frozenset("0123456789")
_C0_AND_SPACE = "".join(chr(i) for i in range(0x21))


class Refused(Exception):
    """The URL is not fetched: ``reason`` is the stable code of the rule it breaks."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Target:
    """One URL as the fetcher will request it."""

    url: str
    scheme: str
    host: str  # ASCII: an IDNA domain name or the canonical text of an IP address
    port: int
    ip: IPv4Address | IPv6Address | None  # set when the URL names an address, not a name
    request_target: str  # path and query as sent on the request line

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if isinstance(self.ip, IPv6Address) else self.host
        return host if self.port == SCHEMES[self.scheme] else f"{host}:{self.port}"


def _ipv4_number(part: str) -> int | None:
    """WHATWG "IPv4 number parser": decimal, ``0``-prefixed octal or ``0x``-prefixed hex."""
    if not part:
        return None
    digits, radix = part, 10
    if part[:2] in ("0x", "0X"):
        digits, radix = part[2:], 16
    elif len(part) > 1 and part[0] == "0":
        digits, radix = part[1:], 8
    if not digits:
        return 0
    allowed = {16: _HEX, 8: _OCTAL, 10: _DECIMAL}[radix]
    # Checked by hand: int() would also take "+1", " 1" and "1_0".
    if not set(digits) <= allowed:
        return None
    return int(digits, radix)


def ends_in_a_number(host: str) -> bool:
    """WHATWG: a host whose last label is numeric must parse as IPv4 or is invalid."""
    parts = host.split(".")
    if parts[-1] == "":
        if len(parts) == 1:
            return False
        parts.pop()
    last = parts[-1]
    if last and set(last) <= _DECIMAL:
        return True
    return last[:2] in ("0x", "0X") and _ipv4_number(last) is not None


def parse_ipv4(host: str) -> IPv4Address | None:
    """WHATWG "IPv4 parser": every spelling a browser turns into an IPv4 address."""
    parts = host.split(".")
    if parts[-1] == "" and len(parts) > 1:
        parts.pop()
    if len(parts) > 4:
        return None
    numbers = [_ipv4_number(p) for p in parts]
    if any(n is None for n in numbers):
        return None
    values = [n for n in numbers if n is not None]
    if any(n > 255 for n in values[:-1]) or values[-1] >= 256 ** (5 - len(values)):
        return None
    address = values[-1]
    for i, n in enumerate(values[:-1]):
        address += n * 256 ** (3 - i)
    return IPv4Address(address)


def _domain(host: str) -> str:
    """The ASCII form of a domain name; labels in ASCII keep browsers' leniency (``_``)."""
    labels = host.split(".")
    ascii_labels: list[str] = []
    for label in labels:
        if label.isascii():
            if not _ASCII_LABEL.fullmatch(label):
                raise Refused("invalid_url")
            ascii_labels.append(label)
        else:
            try:
                ascii_labels.append(idna.alabel(label).decode("ascii"))
            except (idna.IDNAError, UnicodeError):
                raise Refused("invalid_url") from None
    name = ".".join(ascii_labels)
    if len(name) > 253:
        raise Refused("invalid_url")
    return name


def parse_host(raw: str) -> tuple[str, IPv4Address | IPv6Address | None]:
    """The host of a URL's authority as (ASCII host, address if it is one)."""
    if raw.startswith("["):
        if not raw.endswith("]") or "%" in raw:  # zone identifiers are not URLs
            raise Refused("invalid_url")
        try:
            ip6 = IPv6Address(raw[1:-1])
        except ValueError:
            raise Refused("invalid_url") from None
        return str(ip6), ip6
    try:
        decoded = unquote_to_bytes(raw).decode("utf-8")
        mapped = idna.uts46_remap(decoded, std3_rules=False, transitional=False)
    except (UnicodeError, idna.IDNAError):
        raise Refused("invalid_url") from None
    mapped = mapped.lower()
    if ends_in_a_number(mapped):
        if (ip4 := parse_ipv4(mapped)) is None:
            raise Refused("invalid_url")
        return str(ip4), ip4
    host = mapped[:-1] if mapped.endswith(".") else mapped
    if not host:
        raise Refused("invalid_url")
    return _domain(host), None


def _request_target(path: str, query: str) -> str:
    """Path and query for the request line: what HTTP cannot carry is percent-encoded."""
    target = (path or "/") + (f"?{query}" if query else "")
    return "".join(c if "!" <= c <= "~" else quote(c, safe="") for c in target)


def browser_slashes(url: str) -> str:
    """Browsers read ``\\`` as ``/`` before the query of an http(s) URL; so do we, so that
    ``http://a.test\\@10.0.0.1/`` means what it means in the reporter's browser."""
    cut = min((i for i in (url.find("?"), url.find("#")) if i >= 0), default=len(url))
    return url[:cut].replace("\\", "/") + url[cut:]


def parse_target(url: str) -> Target:
    """``url`` as a ``Target``, or ``Refused`` naming the rule it breaks."""
    # As WHATWG does: C0 controls and spaces around the URL go, tabs and newlines anywhere.
    cleaned = url.strip(_C0_AND_SPACE).replace("\t", "").replace("\n", "").replace("\r", "")
    if not cleaned or len(cleaned) > MAX_URL_CHARS:
        raise Refused("invalid_url")
    scheme = cleaned.split(":", 1)[0].lower() if ":" in cleaned else ""
    if scheme not in SCHEMES:
        raise Refused("scheme_not_allowed" if scheme.isalpha() else "invalid_url")
    cleaned = browser_slashes(cleaned)
    try:
        parts = urlsplit(cleaned)
    except ValueError:  # an unbalanced "[" in the authority
        raise Refused("invalid_url") from None
    if "@" in parts.netloc:
        raise Refused("credentials_in_url")
    if any(c < " " or c == "\x7f" for c in parts.netloc):
        raise Refused("invalid_url")
    host_part, _, port_part = parts.netloc.rpartition(":")
    if not host_part or (host_part.startswith("[") and not host_part.endswith("]")):
        host_part, port_part = parts.netloc, ""  # no port, or a colon inside [...]
    if port_part and not (port_part.isascii() and port_part.isdigit()):
        raise Refused("invalid_url")
    port = int(port_part) if port_part else SCHEMES[scheme]
    if port == 0:
        raise Refused("port_not_allowed")
    if port > 65535:
        raise Refused("invalid_url")
    host, ip = parse_host(host_part)
    return Target(
        url=cleaned,
        scheme=scheme,
        host=host,
        port=port,
        ip=ip,
        request_target=_request_target(parts.path, parts.query),
    )


def is_allowed_address(address: str) -> bool:
    """True for a public address; with ``MONITORING_ALLOW_LOOPBACK``, also for 127.0.0.0/8.

    IPv6 loopback (``::1``) and mapped forms (``::ffff:127.0.0.1``) stay refused even then:
    the test servers listen on 127.0.0.1 only, and the exception is kept as narrow as the
    setting's name promises.
    """
    if is_global_address(address):
        return True
    if not settings.MONITORING_ALLOW_LOOPBACK:
        return False
    try:
        ip = ip_address(address.strip())
    except ValueError:
        return False
    return isinstance(ip, IPv4Address) and ip.is_loopback


def checked_addresses(addresses: list[str]) -> list[str]:
    """The canonical, distinct addresses to connect to, in the resolver's order; ``Refused``
    if any of them is not allowed (one is enough: it is where a rebinding attack points)."""
    canonical: list[str] = []
    for address in addresses:
        if not is_allowed_address(address):
            raise Refused("address_not_public")
        text = str(ip_address(address.strip()))
        if text not in canonical:
            canonical.append(text)
    return canonical
