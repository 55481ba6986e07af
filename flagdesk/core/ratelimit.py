"""Fixed-window rate limits for public endpoints, kept in the shared (database) cache.

The cache is the database, so every web process on every machine counts against the same
window. The client is the address ``clientaddr.client_address`` finds (behind a trusted reverse
proxy, the one it forwarded for); the key is a hash of it: no IP address is stored in clear.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.utils.translation import gettext as _

from . import env
from .clientaddr import client_address
from .errors import RateLimited


def parse_rate(rate: str) -> tuple[int, int]:
    """``"30/h"`` -> (30, 3600). ``"0"`` or ``"off"`` disables the limit."""
    try:
        return env.parse_rate(rate)
    except ValueError:
        raise ImproperlyConfigured(f"Bad rate {rate!r}; use e.g. 30/h or 5/m") from None


def client_key(request: HttpRequest) -> str:
    address = client_address(request)
    return hashlib.sha256(f"{settings.SECRET_KEY}:{address}".encode()).hexdigest()[:24]


def check_rate(request: HttpRequest, scope: str, rate: str | None = None) -> None:
    """Count one hit for this client in ``scope``; raise ``RateLimited`` past the limit."""
    limit, period = parse_rate(rate or settings.PUBLIC_RATE_LIMIT)
    if not limit:
        return
    window = int(time.time() // period)
    key = f"rl:{scope}:{client_key(request)}:{window}"
    if cache.add(key, 1, timeout=period + 5):
        return
    try:
        hits = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=period + 5)
        return
    if hits > limit:
        raise RateLimited(_("Too many requests from your connection. Please try again later."))
