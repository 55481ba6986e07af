"""Writes on cases and items: opening items, their platform, assessing and reviewing them."""

from .assessment import FourEyesError, review_assessment, submit_assessment
from .assignment import AlreadyClaimed, assign_item, claim_item, release_item
from .identifiers import set_item_identifiers
from .items import ItemSpec, open_items, open_items_in_bulk
from .platform import adopt_open_items, set_item_platform
from .reveal import RevealedReporter, reveal_reporter

__all__ = [
    "AlreadyClaimed",
    "FourEyesError",
    "ItemSpec",
    "RevealedReporter",
    "adopt_open_items",
    "assign_item",
    "claim_item",
    "open_items",
    "open_items_in_bulk",
    "release_item",
    "reveal_reporter",
    "review_assessment",
    "set_item_identifiers",
    "set_item_platform",
    "submit_assessment",
]
