"""The limits of one fetch (settings ``MONITORING_*``), read once at its start so that a
setting changed by another thread cannot move them half-way through."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class Limits:
    timeout_seconds: float  # the whole fetch, redirects included
    connect_timeout_seconds: float  # each TCP connection attempt
    max_redirects: int
    max_bytes: int  # of the body as received
    max_decoded_bytes: int  # of the body once gzip/deflate is undone

    @classmethod
    def from_settings(cls, max_bytes: int | None = None) -> Limits:
        return cls(
            timeout_seconds=float(settings.MONITORING_FETCH_TIMEOUT_SECONDS),
            connect_timeout_seconds=float(settings.MONITORING_CONNECT_TIMEOUT_SECONDS),
            max_redirects=int(settings.MONITORING_MAX_REDIRECTS),
            max_bytes=int(settings.MONITORING_MAX_BYTES if max_bytes is None else max_bytes),
            max_decoded_bytes=int(settings.MONITORING_MAX_DECODED_BYTES),
        )
