"""The safe fetcher: the one way flagdesk reads reported content (docs/monitoring.md).

``fetch(url)`` never raises for anything a URL, a DNS answer or a server can do: every
problem is a ``Fetched`` with ``outcome`` and ``reason``.
"""

from __future__ import annotations

from .result import GONE_STATUSES, OUTCOMES, Fetched, Hop, Outcome

__all__ = ["GONE_STATUSES", "OUTCOMES", "Fetched", "Hop", "Outcome", "fetch"]


def fetch(
    url: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    max_bytes: int | None = None,
) -> Fetched:
    from .client import fetch as _fetch

    return _fetch(url, method=method, headers=headers, max_bytes=max_bytes)
