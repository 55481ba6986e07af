"""The statistics API: ``GET /api/v1/stats/...`` (docs/api.md)."""

from ninja import Router

router = Router(tags=["stats"])
