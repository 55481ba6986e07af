"""``fetch(url)``: one reported URL read safely, redirects included (docs/monitoring.md).

Each hop is judged before anything is sent: the URL by ``policy.parse_target``, the host's
addresses (looked up once per hop, within the deadline) by ``policy.checked_addresses``; then
``exchange`` connects to one of those very addresses. Redirects are followed here, never by a
library, so that every hop passes the same checks. One deadline covers the whole fetch: DNS
and each connection attempt wait at most the time left, and the watchdog ends any exchange
still running at the deadline, so no server can hold a worker thread longer than
``MONITORING_FETCH_TIMEOUT_SECONDS``.

Nothing here is shared between calls except the watchdog, the TLS contexts and the DNS pool,
all thread-safe: the worker fetches from several threads at once.
"""

from __future__ import annotations

import hashlib
import http.client
import time
from urllib.parse import urljoin

from django.conf import settings
from django.utils import timezone

from flagdesk.core.hostlookup import resolve_hosts
from flagdesk.core.weburls import configured_resolver

from . import exchange, watchdog
from .decode import Decoder
from .limits import Limits
from .messages import describe
from .policy import Refused, Target, browser_slashes, checked_addresses, parse_target
from .result import GONE_STATUSES, Fetched, Hop, Outcome

METHODS = frozenset({"GET", "HEAD"})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Headers a caller may not set: credentials and cookies are never sent, and the rest belong
# to the fetcher's own framing of the request.
FORBIDDEN_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "cookie2",
        "host",
        "connection",
        "keep-alive",
        "proxy-connection",
        "content-length",
        "transfer-encoding",
        "te",
        "upgrade",
        "expect",
    }
)
ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/*;q=0.8,*/*;q=0.5"
MAX_REASON_PHRASE_CHARS = 200


def _caller_headers(headers: dict[str, str] | None) -> dict[str, str]:
    extra: dict[str, str] = {}
    for name, value in (headers or {}).items():
        if name.strip().lower() in FORBIDDEN_HEADERS:
            raise ValueError(f"the fetcher never sends a {name} header")
        if any(c in "\r\n\0" for c in name + value):
            raise ValueError(f"the {name} header cannot carry line breaks")
        extra[name.strip()] = value
    return extra


def fetch(
    url: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    max_bytes: int | None = None,
) -> Fetched:
    """Fetch ``url`` within the configured limits. Never raises for anything the URL, DNS or
    a server can do (the answer says what happened); ``ValueError`` for a method other than
    GET/HEAD or a header the fetcher refuses to send (a programming error)."""
    method = method.upper()
    if method not in METHODS:
        raise ValueError(f"the fetcher only sends GET and HEAD, not {method}")
    run = _Fetch(url, method, _caller_headers(headers), Limits.from_settings(max_bytes))
    watchdog.arm(run.guard)
    try:
        return run.run()
    finally:
        run.guard.done()


class _Fetch:
    def __init__(self, url: str, method: str, extra: dict[str, str], limits: Limits) -> None:
        self.url, self.method, self.extra, self.limits = url, method, extra, limits
        self.started_at = timezone.now()
        self.start = time.monotonic()
        self.guard = watchdog.Guard(self.start + limits.timeout_seconds)
        self.hops: list[Hop] = []

    def run(self) -> Fetched:
        current, method = self.url, self.method
        while True:
            try:
                target = parse_target(current)
            except Refused as e:
                self.hops.append(Hop(url=current))
                return self._end("refused", e.reason)
            try:
                addresses = self._addresses(target)
            except Refused as e:
                self.hops.append(Hop(url=target.url))
                return self._end("refused", e.reason)
            except exchange.Failure as e:
                self.hops.append(Hop(url=target.url))
                return self._end(e.outcome, e.reason)
            answer = self._hop(target, addresses, method)
            if isinstance(answer, Fetched):
                return answer
            current = answer
            if self.hops[-1].http_status == 303 and method != "HEAD":
                method = "GET"

    def _addresses(self, target: Target) -> list[str]:
        """The addresses to connect to, judged all at once; one look-up per hop at most."""
        if target.ip is not None:
            return checked_addresses([str(target.ip)])
        found = resolve_hosts(
            [target.host], configured_resolver(), timeout_seconds=max(self.guard.remaining(), 0)
        )[target.host]
        if not found:  # does not resolve, the resolver failed, or no answer in time
            raise exchange.Failure("unreachable", "dns_failed")
        return checked_addresses(found)

    def _hop(self, target: Target, addresses: list[str], method: str) -> Fetched | str:
        """One request: the final ``Fetched``, or the URL a redirect leads to."""
        try:
            sock, address = exchange.connect(
                target,
                addresses,
                timeout=self.limits.connect_timeout_seconds,
                guard=self.guard,
            )
        except exchange.Failure as e:
            self.hops.append(Hop(url=target.url))
            return self._end(e.outcome, e.reason)
        self.guard.watch(sock)
        response: http.client.HTTPResponse | None = None
        try:
            if target.scheme == "https":
                sock = exchange.secure(sock, target, self.guard)
            response = exchange.send(sock, target, method, self._headers(target), self.guard)
            return self._answer(target, address, response)
        except exchange.Failure as e:
            self.hops.append(Hop(url=target.url, address=address))
            return self._end(e.outcome, e.reason, address=address)
        finally:
            self.guard.watch(None)
            if response is not None:
                response.close()
            sock.close()

    def _headers(self, target: Target) -> list[tuple[str, str]]:
        sent = {
            "Host": target.host_header,
            "User-Agent": str(settings.MONITORING_USER_AGENT),
            "Accept": ACCEPT,
            "Accept-Encoding": "gzip, deflate",
            "Accept-Language": "en",
            "Connection": "close",
        }
        for name, value in self.extra.items():
            sent = {k: v for k, v in sent.items() if k.lower() != name.lower()}
            sent[name] = value
        return list(sent.items())

    def _answer(
        self, target: Target, address: str, response: http.client.HTTPResponse
    ) -> Fetched | str:
        status = response.status
        locations = response.headers.get_all("Location") or []
        location = ""
        if status in REDIRECT_STATUSES and locations:
            if len(set(locations)) > 1:  # as browsers do: which one would be a guess
                raise exchange.Failure("error", "protocol_error")
            # http.client decodes header bytes as Latin-1; browsers read Location as UTF-8.
            raw = browser_slashes(locations[0].strip().encode("latin-1").decode("utf-8", "replace"))
            try:
                location = urljoin(target.url, raw)
            except ValueError:  # an authority urllib cannot split: parse_target refuses it
                location = raw
        self.hops.append(
            Hop(url=target.url, address=address, http_status=status, location=location)
        )
        fields = {
            "address": address,
            "http_status": status,
            "http_reason": " ".join((response.reason or "").split())[:MAX_REASON_PHRASE_CHARS],
            "headers": tuple(response.getheaders()),
        }
        if location:
            if len(self.hops) > self.limits.max_redirects:
                return self._end("error", "too_many_redirects", **fields)
            return location
        if status in REDIRECT_STATUSES:
            return self._end("error", "redirect_without_location", **fields)
        return self._body(response, status, fields)

    def _body(
        self, response: http.client.HTTPResponse, status: int, fields: dict[str, object]
    ) -> Fetched:
        encoding = response.getheader("Content-Encoding") or ""
        decoder = Decoder(encoding, self.limits.max_decoded_bytes)
        if self.method == "HEAD":
            body = exchange.Body(data=b"", is_truncated=False, problem="")
        else:
            body = exchange.read_body(
                response, decoder, max_bytes=self.limits.max_bytes, guard=self.guard
            )
        extra: dict[str, str] = {}
        if encoding and not decoder.is_decoding and encoding.strip().lower() != "identity":
            extra["content_encoding"] = encoding[:100]  # kept as received, not decoded
        outcome: Outcome = "online" if 200 <= status < 300 else "error"
        reason = f"http_{status}"
        if status in GONE_STATUSES:
            outcome = "gone"
        if body.problem and outcome == "online":
            outcome, reason = "error", body.problem
        elif body.problem:
            extra["body_problem"] = body.problem  # the status already says what happened
        elif body.is_truncated and outcome == "online":
            reason = "truncated"
        return self._end(
            outcome,
            reason,
            body=body.data,
            content_sha256=hashlib.sha256(body.data).hexdigest() if self.method != "HEAD" else "",
            truncated=body.is_truncated,
            extra=extra,
            **fields,
        )

    def _end(self, outcome: Outcome, reason: str, **fields: object) -> Fetched:
        status = fields.get("http_status")
        return Fetched(
            url=self.url,
            outcome=outcome,
            reason=reason,
            message=describe(
                reason, outcome, status if isinstance(status, int) else None, self.limits
            ),
            final_url=self.hops[-1].url if self.hops else self.url,
            hops=tuple(self.hops),
            started_at=self.started_at,
            elapsed_seconds=round(time.monotonic() - self.start, 3),
            **fields,  # type: ignore[arg-type]
        )
