"""Web addresses as a person reads them: the host in Unicode (bücher.example), not IDNA.

Items store, deduplicate and notify the IDNA form (``xn--bcher-kva.example``) that
``weburls.normalise_url`` produces; this is only for display to reporters, who typed the
Unicode form and would not recognise the other. Decoding is strict IDNA 2008: a label that
does not decode cleanly (invalid Punycode, symbols, direction or format controls) leaves the
address as stored. Mixed-script and look-alike hosts decode like any other; flagging them is
not done here.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import idna

IDNA_PREFIX = "xn--"


def readable_url(url: str) -> str:
    """``url`` with its host decoded from IDNA when that is safe, else ``url`` unchanged."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        return url
    if not host or IDNA_PREFIX not in host or "@" in parts.netloc:
        return url
    try:
        unicode_host = idna.decode(host)
    except (idna.IDNAError, UnicodeError):
        return url
    netloc = unicode_host if port is None else f"{unicode_host}:{port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
