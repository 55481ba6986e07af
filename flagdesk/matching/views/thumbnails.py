"""Serving thumbnails, and the short session grant that an audited "Unblur" click opens.

The clear picture is served only while the grant lasts: a deliberate POST wrote the audit entry
and put the match in the session for five minutes, so reloading the page shows it without a new
entry per image request, and a link shared or opened later shows the blurred picture again.
"""

from __future__ import annotations

import time

from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpResponse

UNBLUR_SECONDS = 5 * 60
SESSION_KEY = "matching_unblurred"


def jpeg_response(jpeg: bytes) -> HttpResponse:
    """A picture nobody should find again in a cache, nor have a browser reinterpret."""
    response = HttpResponse(jpeg, content_type="image/jpeg")
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    return response


def _live_grants(session: SessionBase, now: float) -> dict[str, float]:
    grants = session.get(SESSION_KEY) or {}
    return {key: until for key, until in grants.items() if until > now}


def grant_unblur(session: SessionBase, match_id: str, *, now: float | None = None) -> None:
    now = time.time() if now is None else now
    grants = _live_grants(session, now)  # expired ones are dropped on every write
    grants[match_id] = now + UNBLUR_SECONDS
    session[SESSION_KEY] = grants


def is_unblurred(session: SessionBase, match_id: str, *, now: float | None = None) -> bool:
    now = time.time() if now is None else now
    return match_id in _live_grants(session, now)
