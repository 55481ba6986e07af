"""Talking to a partner's flagdesk: JSON over HTTP(S), within the safe fetcher's rules.

Every address a partner gives us (their base URL, a referral's ``callback_url``) is judged
by the fetcher's policy (``monitoring.fetcher.policy``) before anything is sent: the URL's
form, then every address its host resolves to, and we connect to exactly the address judged,
so a partner cannot point us at our own network. Plain http is taken only for loopback
addresses when ``MONITORING_ALLOW_LOOPBACK`` allows them (tests, two instances on one
machine). Redirects are never followed. Failures become ``TransientError`` (try again later:
connection problems, timeouts, 5xx, 408/429) or ``PermanentError`` (refused addresses, other
4xx), as a notice channel's do.
"""

from __future__ import annotations

import http.client
import json
import time
from dataclasses import dataclass
from ipaddress import ip_address
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from flagdesk.core.errors import PermanentError, TransientError
from flagdesk.core.hostlookup import resolve_hosts
from flagdesk.core.weburls import configured_resolver
from flagdesk.monitoring.fetcher import exchange, watchdog
from flagdesk.monitoring.fetcher.policy import Refused, Target, checked_addresses, parse_target

TIMEOUT_SECONDS = 20.0
MAX_ANSWER_BYTES = 256 * 1024
RETRYABLE = frozenset({408, 425, 429})


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None


def _is_loopback_ip(target: Target) -> bool:
    return target.ip is not None and ip_address(target.ip).is_loopback


def checked_target(url: str) -> Target:
    """``url`` as the fetcher would request it, or ``Refused`` with the rule's code: the
    fetcher's URL rules, https unless loopback is allowed, and an allowed address."""
    target = parse_target(url)
    if target.scheme != "https" and not (
        settings.MONITORING_ALLOW_LOOPBACK and _is_loopback_ip(target)
    ):
        raise Refused("https_required")
    return target


def _addresses(target: Target, timeout: float) -> list[str]:
    if target.ip is not None:
        return checked_addresses([str(target.ip)])
    found = resolve_hosts([target.host], configured_resolver(), timeout_seconds=timeout)
    addresses = found.get(target.host)
    if not addresses:
        raise Refused("dns_failed")
    return checked_addresses(addresses)


@dataclass(frozen=True)
class UrlCheck:
    problem: str  # translated reason why we would not send; "" when we would
    resolves: bool  # False: the host name has no address now (taken when allowed)


def url_check(url: str, *, unresolved_ok: bool = False) -> UrlCheck:
    """Judge ``url`` as a send to it would. With ``unresolved_ok`` a host name that does not
    resolve now is no problem (``resolves`` says so): every send resolves and checks it
    again, so a partner can be registered while offline or before their DNS is live."""
    try:
        target = checked_target(url)
        _addresses(target, TIMEOUT_SECONDS)
    except Refused as e:
        if e.reason == "https_required":
            return UrlCheck(_("The address must start with https://."), False)
        if e.reason == "address_not_public":
            return UrlCheck(_("This address leads to a private or local network."), False)
        if e.reason == "dns_failed":
            problem = "" if unresolved_ok else _("This host name does not resolve.")
            return UrlCheck(problem, False)
        return UrlCheck(_("This is not a web address we can send to."), False)
    return UrlCheck("", True)


def url_problem(url: str, *, unresolved_ok: bool = False) -> str:
    """A translated reason why we would not send to ``url``; "" when we would."""
    return url_check(url, unresolved_ok=unresolved_ok).problem


# Why a send failed, stored as a code (``last_error``) and put in words when shown, so each
# reader sees it in their own language: "dns_failed", "refused:<rule>",
# "unreachable:<reason>", "http:<status>[:<error code>]".
def problem_label(code: str) -> str:
    """``code`` (a stored ``last_error``) in the reader's language; older free text as is."""
    kind, _sep, rest = code.partition(":")
    if code == "dns_failed":
        return _("The partner's host name does not resolve.")
    if kind == "refused" and rest:
        return _("The partner's address is refused (%(rule)s).") % {"rule": rest}
    if kind == "unreachable" and rest:
        return _("The partner could not be reached (%(reason)s).") % {"reason": rest}
    if kind == "http" and rest:
        status, _sep, error = rest.partition(":")
        if error:
            return _("The partner answered %(status)s (%(code)s).") % {
                "status": status,
                "code": error,
            }
        return _("The partner answered %(status)s.") % {"status": status}
    return code


def problem_of(error: TransientError | PermanentError) -> str:
    """What to store as ``last_error``: the code of our own errors, other messages as is."""
    return getattr(error, "problem", None) or str(error.message)


class Unreachable(TransientError):
    """Try again later; ``problem`` is the code stored on the row."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem_label(problem))
        self.problem = problem


class Refusal(PermanentError):
    """Never sent; ``problem`` is the code stored on the row."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem_label(problem))
        self.problem = problem


def send(
    method: str, url: str, *, body: bytes | None = None, headers: dict[str, str] | None = None
) -> Answer:
    """One request to ``url``; the answer whatever its status, or ``TransientError`` /
    ``PermanentError`` when there is none."""
    try:
        target = checked_target(url)
    except Refused as e:
        raise Refusal(f"refused:{e.reason}") from None
    guard = watchdog.Guard(time.monotonic() + TIMEOUT_SECONDS)
    watchdog.arm(guard)
    try:
        return _exchange(target, method, body, headers or {}, guard)
    finally:
        guard.done()


def _exchange(
    target: Target, method: str, body: bytes | None, extra: dict[str, str], guard: watchdog.Guard
) -> Answer:
    try:
        addresses = _addresses(target, max(guard.remaining(), 0.1))
    except Refused as e:
        if e.reason == "dns_failed":
            raise Unreachable("dns_failed") from None
        raise Refusal(f"refused:{e.reason}") from None
    try:
        sock, _address = exchange.connect(target, addresses, timeout=TIMEOUT_SECONDS, guard=guard)
    except exchange.Failure as e:
        if e.outcome == "refused":
            raise Refusal(f"refused:{e.reason}") from None
        raise Unreachable(f"unreachable:{e.reason}") from None
    guard.watch(sock)
    try:
        if target.scheme == "https":
            sock = exchange.secure(sock, target, guard)
        connection = http.client.HTTPConnection(target.host, target.port)
        connection.sock = sock  # connected to the checked address; no second look-up
        sock.settimeout(max(guard.remaining(), 0.001))
        connection.putrequest(method, target.request_target, skip_host=True)
        connection.putheader("Host", target.host_header)
        connection.putheader("User-Agent", "flagdesk")
        connection.putheader("Accept", "application/json")
        connection.putheader("Connection", "close")
        for name, value in extra.items():
            connection.putheader(name, value)
        if body is not None:
            connection.putheader("Content-Type", "application/json")
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(message_body=body)
        response = connection.getresponse()
        data = response.read(MAX_ANSWER_BYTES)
        response.close()
    except exchange.Failure as e:
        raise Unreachable(f"unreachable:{e.reason}") from None
    except exchange.PEER_ERRORS as e:
        reason = "timeout" if guard.fired else type(e).__name__
        raise Unreachable(f"unreachable:{reason}") from None
    finally:
        guard.watch(None)
        sock.close()
    if response.status >= 500 or response.status in RETRYABLE:
        raise Unreachable(f"http:{response.status}")
    return Answer(status=response.status, body=data)
