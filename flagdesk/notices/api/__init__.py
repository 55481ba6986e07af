"""Notice endpoints of the staff API (docs/api.md): one router, its routes by concern."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["notices"])

# Registered in path order: fixed paths before the ones that take an id.
from . import follow_ups, inbound, notices  # noqa: E402, F401 - the modules add their routes

__all__ = ["router"]
