"""The sentence a person reads for each ``reason`` code of a fetch (``Fetched.message``)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .limits import Limits
from .result import Outcome

# Reasons whose sentence needs no number; the others are built in ``describe``.
FIXED = {
    "invalid_url": gettext_lazy("This is not a valid web address; it was not contacted."),
    "scheme_not_allowed": gettext_lazy(
        "Only http:// and https:// addresses are checked; this one was not contacted."
    ),
    "credentials_in_url": gettext_lazy(
        "Addresses with a user name or password are never contacted."
    ),
    "port_not_allowed": gettext_lazy("The address names port 0, which no web server uses."),
    "address_not_public": gettext_lazy(
        "The host points to a private or local network address, so it was not contacted."
    ),
    "dns_failed": gettext_lazy("The host name does not resolve to any address."),
    "not_loopback_in_tests": gettext_lazy(
        "The test suite allows connections to this machine only; this address was not contacted."
    ),
    "connection_refused": gettext_lazy("The server refused the connection."),
    "connect_timeout": gettext_lazy("The server did not accept a connection in time."),
    "connect_failed": gettext_lazy("The server could not be reached."),
    "tls_invalid": gettext_lazy(
        "The server's certificate is not valid for this address (expired, self-signed, "
        "for another host or from an unknown authority)."
    ),
    "tls_error": gettext_lazy("No secure (TLS) connection could be set up with the server."),
    "protocol_error": gettext_lazy("The server did not answer in valid HTTP."),
    "incomplete_response": gettext_lazy(
        "The server closed the connection before its answer was complete."
    ),
    "bad_encoding": gettext_lazy("The server's compressed answer could not be decoded."),
    "redirect_without_location": gettext_lazy(
        "The server answered with a redirect but did not say where to."
    ),
}


def describe(reason: str, outcome: Outcome, status: int | None, limits: Limits) -> str:
    """A translated sentence for ``reason``; every code the fetcher returns has one."""
    if reason in FIXED:
        return str(FIXED[reason])
    if reason == "timeout":
        return _("The server did not answer completely within %(seconds)s seconds.") % {
            "seconds": f"{limits.timeout_seconds:g}"
        }
    if reason == "too_many_redirects":
        return ngettext(
            "The address redirects more than %(count)d time.",
            "The address redirects more than %(count)d times.",
            limits.max_redirects,
        ) % {"count": limits.max_redirects}
    if reason == "decompression_bomb":
        return _(
            "The compressed answer expands to more than %(limit)d bytes; reading was stopped."
        ) % {"limit": limits.max_decoded_bytes}
    if reason == "truncated":
        return _("The page is online; only its first %(limit)d bytes were read.") % {
            "limit": limits.max_bytes
        }
    if outcome == "online":
        return _("The page is online (HTTP %(status)d).") % {"status": status}
    if outcome == "gone":
        return _("The page is gone (HTTP %(status)d).") % {"status": status}
    if status is not None:
        return _("The server answered HTTP %(status)d.") % {"status": status}
    return _("The address could not be checked (%(reason)s).") % {"reason": reason}
