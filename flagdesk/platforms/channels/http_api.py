"""Sending a notice to a platform's own HTTP API: one JSON POST per notice.

Standard library only (``http.client``): no redirects are ever followed, no proxy from the
environment is used, and what is read from the platform is bounded in size and time. The body
is built only from what was frozen when the notice was queued, and every attempt carries the
same ``Idempotency-Key``, so a retry after a lost answer reaches the platform as a repeat of
the same notice, not as a second one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import http.client
import json
import re
import socket
import ssl
import time
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from typing import Any, ClassVar
from urllib.parse import SplitResult, quote, urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from flagdesk.core.errors import PermanentError, TransientError

from .base import (
    ChannelConfigError,
    Delivery,
    NoticeChannel,
    Outgoing,
    has_line_break,
    resolve_secret,
)

AUTH_SCHEMES = ("", "bearer", "hmac")
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
DEFAULT_TIMEOUT_SECONDS = 20
MIN_TIMEOUT_SECONDS, MAX_TIMEOUT_SECONDS = 1, 120
MAX_RESPONSE_BYTES = 1024 * 1024
READ_CHUNK_BYTES = 64 * 1024
MAX_RETRY_AFTER_SECONDS = 6 * 3600
MAX_EXCERPT_CHARS = 300
MAX_PLATFORM_REFERENCE_CHARS = 200
MAX_STATUS_LINE_CHARS = 120
# Statuses that say "later" rather than "never"; every 5xx is added in _outcome().
RETRYABLE_STATUSES = frozenset({408, 425, 429})
# A header value is visible ASCII, spaces and tabs: anything else would either be refused by
# http.client half-way through a request or, for CR/LF, add headers of its own.
_HEADER_VALUE = re.compile(r"[\x20-\x7e\t]*")
_DELAY_SECONDS = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class Answer:
    """What the platform said: status, its reason phrase and at most 1 MiB of the body."""

    status: int
    reason: str
    headers: http.client.HTTPMessage
    body: bytes
    is_body_complete: bool


def plain_text(raw: str | bytes, limit: int) -> str:
    """``raw`` as one line of at most ``limit`` characters: control and format characters
    (line breaks, escapes, bidi overrides) become spaces, so what a platform wrote can be
    shown in a message or stored as evidence without steering the display."""
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    cleaned = "".join(
        " " if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c for c in text
    )
    return " ".join(cleaned.split())[:limit]


def parse_retry_after(value: str | None, *, now: dt.datetime) -> float | None:
    """``Retry-After`` in seconds: delay-seconds or an HTTP-date, capped at six hours so a
    platform cannot park a notice indefinitely; ``None`` when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if _DELAY_SECONDS.fullmatch(value):
        # Twelve digits are already far past the cap; longer ones are not worth converting.
        return float(min(int(value[:12]), MAX_RETRY_AFTER_SECONDS))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # "-0000" in an HTTP-date still means UTC
        when = when.replace(tzinfo=dt.UTC)
    delay = (when - now).total_seconds()
    return float(min(max(delay, 0.0), MAX_RETRY_AFTER_SECONDS))


def platform_reference(body: bytes) -> str:
    """The platform's own reference for the notice: ``reference`` or else ``id`` of a JSON
    object body; "" for anything else, since an accepted notice stays accepted either way."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return ""
    if not isinstance(data, dict):
        return ""
    for name in ("reference", "id"):
        value = data.get(name)
        # Many platforms number their tickets; bool is an int too, and no reference.
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if isinstance(value, str) and (cleaned := plain_text(value, MAX_PLATFORM_REFERENCE_CHARS)):
            return cleaned
    return ""


def request_target(parts: SplitResult) -> str:
    """Path and query as sent on the request line; http.client only takes ASCII there, so a
    pasted address with accents is percent-encoded instead of failing on every attempt."""
    target = parts.path or "/"
    if parts.query:
        target = f"{target}?{parts.query}"
    return "".join(c if c.isascii() else quote(c, safe="") for c in target)


def encode_body(notice: Outgoing) -> bytes:
    document = {
        "notice_reference": notice.reference,
        "subject": notice.subject,
        "language": notice.language,
        "text": notice.body,
        "notice": dict(notice.payload),
    }
    try:
        return json.dumps(document, sort_keys=True, ensure_ascii=False).encode("utf-8")
    except (TypeError, ValueError) as e:
        raise PermanentError(
            _("Notice %(reference)s could not be encoded as JSON; it was not sent.")
            % {"reference": notice.reference}
        ) from e


def check_header(name: str, value: str) -> None:
    """Refuse a value that cannot be one header line; the message never repeats the value,
    which may be a credential."""
    if has_line_break(value):
        raise PermanentError(
            _("The %(header)s of this notice contains a line break; it was not sent.")
            % {"header": name}
        )
    if not _HEADER_VALUE.fullmatch(value):
        raise PermanentError(
            _(
                "The %(header)s of this notice contains characters an HTTP header cannot carry; "
                "it was not sent."
            )
            % {"header": name}
        )


class ApiChannel(NoticeChannel):
    kind: ClassVar[str] = "api"

    def check_config(self) -> None:
        problems: dict[str, str] = {}
        if endpoint_problem := self._endpoint_problem(self.config.endpoint):
            problems["endpoint"] = endpoint_problem
        auth = self.config.auth
        if auth not in AUTH_SCHEMES:
            problems["auth"] = _("Choose no authentication, “bearer” or “hmac”.")
        elif auth:
            if secret_problem := self._secret_problem():
                problems["secret_ref"] = secret_problem
        try:
            self._timeout_seconds()
        except ChannelConfigError as e:
            problems.update({k: str(v) for k, v in e.fields.items()})
        if problems:
            message = " ".join(dict.fromkeys(problems.values()))
            raise ChannelConfigError(message, fields=problems)

    def recipient(self) -> str:
        return self.config.endpoint.strip()

    def send(self, notice: Outgoing) -> Delivery:
        try:
            self.check_config()
        except ChannelConfigError as e:
            # The channel changed (or a secret vanished) after the notice was queued: retrying
            # the same configuration cannot help, a coordinator has to fix it.
            raise PermanentError(
                _("The platform's API channel is not usable: %(problem)s") % {"problem": e.message}
            ) from e
        endpoint = self.recipient()
        frozen = notice.recipient.strip()
        if frozen and frozen != endpoint:
            # The credential belongs to the configured endpoint; sending it to an address the
            # coordinator has since replaced could hand it to whoever holds that address now.
            raise PermanentError(
                _(
                    "The platform's API endpoint changed after notice %(reference)s was queued; "
                    "queue the notice again."
                )
                % {"reference": notice.reference}
            )
        if not notice.idempotency_key:
            raise PermanentError(
                _("Notice %(reference)s has no idempotency key; it was not sent.")
                % {"reference": notice.reference}
            )
        sent_at = timezone.now()
        body = encode_body(notice)
        headers = self._headers(notice, body, timestamp=int(sent_at.timestamp()))
        answer = self._post(urlsplit(endpoint), body, headers)
        return self._outcome(answer, notice, sent_at)

    def _endpoint_problem(self, raw: str) -> str:
        endpoint = raw.strip()
        if not endpoint:
            return _("Enter the address the platform's API takes notices at.")
        if has_line_break(raw) or any(c.isspace() for c in endpoint):
            return _("The address cannot contain spaces or line breaks.")
        parts = urlsplit(endpoint)
        if parts.username is not None or parts.password is not None or "@" in parts.netloc:
            # Checked first, and the address never echoed: the credential is what is wrong.
            return _("The address cannot contain a user name or password; use a secret.")
        try:
            parts.port  # noqa: B018 - raises ValueError for a port that is not a number
            host = parts.hostname or ""
            host.encode("idna")
        except (ValueError, UnicodeError):
            return _("“%(endpoint)s” is not a valid address.") % {"endpoint": endpoint[:200]}
        if not host or parts.scheme not in ("https", "http"):
            return _("The address must be an absolute https:// address.")
        if parts.scheme == "http":
            is_allowed = getattr(settings, "CHANNELS_ALLOW_LOOPBACK_HTTP", False)
            if host not in LOOPBACK_HOSTS or not is_allowed:
                return _(
                    "The address must start with https://; notices are never sent unencrypted."
                )
        return ""

    def _secret_problem(self) -> str:
        if not self.config.secret_ref:
            return _("Name the secret (env:VARIABLE or file:/absolute/path) the API needs.")
        try:
            secret = resolve_secret(self.config.secret_ref)
        except ChannelConfigError as e:
            return str(e.message)  # names the reference, never the value
        if self.config.auth == "bearer" and not _HEADER_VALUE.fullmatch(secret):
            return _("The secret contains characters an HTTP header cannot carry.")
        return ""

    def _timeout_seconds(self) -> float:
        options = self.config.options
        if not isinstance(options, Mapping):
            problem = _("The options must be a set of names and values.")
            raise ChannelConfigError(problem, fields={"options": problem})
        value: Any = options.get("timeout_seconds", DEFAULT_TIMEOUT_SECONDS)
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not MIN_TIMEOUT_SECONDS <= value <= MAX_TIMEOUT_SECONDS
        ):
            problem = _("timeout_seconds must be a number from %(min)d to %(max)d.") % {
                "min": MIN_TIMEOUT_SECONDS,
                "max": MAX_TIMEOUT_SECONDS,
            }
            raise ChannelConfigError(problem, fields={"options": problem})
        return float(value)

    def _headers(self, notice: Outgoing, body: bytes, *, timestamp: int) -> dict[str, str]:
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Accept": "application/json",
            "User-Agent": "flagdesk",
            # Platforms deduplicate on this key, so every attempt must carry the one frozen at
            # queue time; a new key would reach the platform as a second notice.
            "Idempotency-Key": notice.idempotency_key,
            "X-Flagdesk-Notice": notice.reference,
        }
        if self.config.auth == "bearer":
            headers["Authorization"] = f"Bearer {resolve_secret(self.config.secret_ref)}"
        elif self.config.auth == "hmac":
            secret = resolve_secret(self.config.secret_ref).encode("utf-8")
            # The timestamp is signed with the body, so a captured request cannot be replayed
            # later with a fresh timestamp.
            signed = f"{timestamp}.".encode("ascii") + body
            digest = hmac.new(secret, signed, hashlib.sha256).hexdigest()
            headers["X-Flagdesk-Timestamp"] = str(timestamp)
            headers["X-Flagdesk-Signature"] = f"sha256={digest}"
        for name, value in headers.items():
            check_header(name, value)
        return headers

    def _post(self, parts: SplitResult, body: bytes, headers: dict[str, str]) -> Answer:
        timeout = self._timeout_seconds()
        host = parts.hostname or ""
        connection: http.client.HTTPConnection
        if parts.scheme == "https":
            connection = http.client.HTTPSConnection(
                host, parts.port or 443, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            connection = http.client.HTTPConnection(host, parts.port or 80, timeout=timeout)
        # The socket timeout bounds each wait; the deadline bounds the whole answer, so a
        # platform trickling its body byte by byte cannot hold a worker indefinitely.
        deadline = time.monotonic() + timeout
        try:
            connection.request("POST", request_target(parts), body=body, headers=headers)
            sock = connection.sock
            response = connection.getresponse()
        except TimeoutError as e:
            raise self._timed_out(timeout) from e
        except http.client.RemoteDisconnected as e:
            raise TransientError(
                _(
                    "The platform's API closed the connection without answering; "
                    "the notice will be retried."
                )
            ) from e
        except http.client.HTTPException as e:
            raise TransientError(
                _(
                    "The platform's API did not answer in HTTP (%(error)s); "
                    "the notice will be retried."
                )
                % {"error": type(e).__name__}
            ) from e
        except OSError as e:
            # Connection refused or reset, DNS failures, TLS handshake and certificate errors.
            raise TransientError(
                _(
                    "The platform's API could not be reached (%(error)s); "
                    "the notice will be retried."
                )
                % {"error": type(e).__name__}
            ) from e
        try:
            body_read, is_complete = self._read_body(response, sock, deadline)
        finally:
            connection.close()
            response.close()
        return Answer(
            status=response.status,
            reason=response.reason or "",
            headers=response.headers,
            body=body_read,
            is_body_complete=is_complete,
        )

    @staticmethod
    def _read_body(
        response: http.client.HTTPResponse, sock: socket.socket | None, deadline: float
    ) -> tuple[bytes, bool]:
        """At most 1 MiB of the body, and whether that is all of it. A failure while reading
        is not an error of its own: the status line already said what happened."""
        chunks: list[bytes] = []
        size = 0
        try:
            while size < MAX_RESPONSE_BYTES:
                if response.isclosed():  # the whole body is in, and the socket is gone
                    return b"".join(chunks), True
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return b"".join(chunks), False
                if sock is not None:
                    sock.settimeout(remaining)
                chunk = response.read(min(READ_CHUNK_BYTES, MAX_RESPONSE_BYTES - size))
                if not chunk:
                    return b"".join(chunks), True
                chunks.append(chunk)
                size += len(chunk)
        except (http.client.HTTPException, OSError):
            return b"".join(chunks), False
        return b"".join(chunks), response.isclosed()

    def _outcome(self, answer: Answer, notice: Outgoing, sent_at: dt.datetime) -> Delivery:
        status = answer.status
        if 200 <= status < 300:
            reference = platform_reference(answer.body) if answer.is_body_complete else ""
            detail = self._status_line(answer)
            if answer.body and not reference:
                detail = _("%(status)s; the answer carried no readable reference.") % {
                    "status": detail
                }
            return Delivery(
                reference=notice.idempotency_key,
                sent_at=sent_at,
                platform_reference=reference,
                detail=detail,
            )
        if 300 <= status < 400:
            location = plain_text(answer.headers.get("Location") or "", 200)
            if location:
                message = _(
                    "The platform's API endpoint has moved (HTTP %(status)d to %(location)s); "
                    "update the channel's address."
                ) % {"status": status, "location": location}
            else:
                message = _(
                    "The platform's API endpoint has moved (HTTP %(status)d); "
                    "update the channel's address."
                ) % {"status": status}
            raise PermanentError(message)
        if status in RETRYABLE_STATUSES or 500 <= status < 600:
            raise TransientError(
                _("The platform's API answered HTTP %(status)d; the notice will be retried.")
                % {"status": status},
                retry_after=parse_retry_after(
                    answer.headers.get("Retry-After"), now=dt.datetime.now(dt.UTC)
                ),
            )
        if 400 <= status < 500:
            excerpt = plain_text(answer.body, MAX_EXCERPT_CHARS)
            if excerpt:
                message = _(
                    "The platform's API refused notice %(reference)s with HTTP %(status)d: "
                    "%(excerpt)s"
                ) % {"reference": notice.reference, "status": status, "excerpt": excerpt}
            else:
                message = _(
                    "The platform's API refused notice %(reference)s with HTTP %(status)d."
                ) % {"reference": notice.reference, "status": status}
            raise PermanentError(message)
        # 1xx other than 100 Continue, or a number HTTP does not define: not a usable answer.
        raise TransientError(
            _(
                "The platform's API answered with an unknown status %(status)d; "
                "the notice will be retried."
            )
            % {"status": status}
        )

    @staticmethod
    def _status_line(answer: Answer) -> str:
        reason = plain_text(answer.reason, MAX_STATUS_LINE_CHARS)
        if not reason:
            try:
                reason = HTTPStatus(answer.status).phrase
            except ValueError:
                reason = ""
        return f"{answer.status} {reason}".strip()[:MAX_STATUS_LINE_CHARS]

    @staticmethod
    def _timed_out(timeout: float) -> TransientError:
        return TransientError(
            _(
                "The platform's API did not answer within %(seconds)d seconds; "
                "the notice will be retried."
            )
            % {"seconds": timeout}
        )
