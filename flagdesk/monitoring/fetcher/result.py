"""What one fetch of a reported URL found: the contract between the safe fetcher and its users
(re-checks, evidence capture, ``flagdesk check-url``).

``outcome`` is the api.md vocabulary: ``refused`` (no connection was made: a scheme, an address
or a port the rules forbid), ``online`` (a 2xx answer), ``gone`` (404, 410 or 451),
``unreachable`` (the host does not resolve, refuses or does not answer the connection) and
``error`` (a connection was made but the exchange failed: TLS, a limit, a protocol error, a
5xx or another 4xx). ``reason`` is a stable snake_case code for machines (and the tests);
``message`` says the same in the user's language.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

Outcome = Literal["refused", "online", "gone", "unreachable", "error"]
OUTCOMES: tuple[Outcome, ...] = ("refused", "online", "gone", "unreachable", "error")

# HTTP answers that say the content is not there (451: withheld for legal reasons, the answer
# of a platform that geo-blocked or restricted it after a notice).
GONE_STATUSES = frozenset({404, 410, 451})


@dataclass(frozen=True)
class Hop:
    """One request of a redirect chain: the URL asked, the address connected to, the answer."""

    url: str
    address: str = ""
    http_status: int | None = None
    location: str = ""


@dataclass(frozen=True)
class Fetched:
    url: str
    outcome: Outcome
    reason: str
    message: str = ""
    http_status: int | None = None
    http_reason: str = ""
    final_url: str = ""
    address: str = ""  # the IP address the last hop connected to
    headers: tuple[tuple[str, str], ...] = ()  # the last answer's headers, as received
    body: bytes = b""  # decoded (gzip/deflate undone), at most the configured size
    content_sha256: str = ""  # of ``body``; "" when no body was read
    truncated: bool = False
    hops: tuple[Hop, ...] = ()
    started_at: dt.datetime | None = None
    elapsed_seconds: float = 0.0
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def content_type(self) -> str:
        for name, value in self.headers:
            if name.lower() == "content-type":
                return value.split(";", 1)[0].strip().lower()
        return ""

    def as_line(self) -> dict[str, object]:
        """The JSON object ``flagdesk check-url`` prints (api.md)."""
        return {
            "url": self.url,
            "outcome": self.outcome,
            "reason": self.reason,
            "http_status": self.http_status,
            "final_url": self.final_url,
        }
