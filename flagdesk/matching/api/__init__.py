"""API for hashes: look-ups, an item's media and matches, banks and their exchange with partners.

Bodies of ``POST /match`` and ``POST /banks/{slug}/entries`` are read by hand (``_request``),
not by a Schema: they take a file or JSON, partners' scripts send anything, and every malformed
request must get a 4xx ``{"error": {...}}`` with a translated message. Role checks live in the
services; the bank scope (staff readers: all, a partner: its own and shared ones) in ``banks``.
"""

from __future__ import annotations

from ninja import Router

from . import banks, lookups

router = Router(tags=["matching"])
router.add_router("", lookups.router)
router.add_router("", banks.router)

__all__ = ["router"]
