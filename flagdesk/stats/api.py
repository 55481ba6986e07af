"""The statistics API: ``GET /api/v1/stats/...`` (docs/api.md)."""

from ninja import Router

from .tdb.api import router as tdb_router

router = Router(tags=["stats"])
router.add_router("/stats/tdb", tdb_router)
