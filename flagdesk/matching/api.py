"""API for hashes: look-ups, banks, entries, exchange with partners."""

from ninja import Router

router = Router(tags=["matching"])
