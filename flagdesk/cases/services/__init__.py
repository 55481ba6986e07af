"""Writes on cases and items: opening items, assessing and reviewing them."""

from .assessment import FourEyesError, review_assessment, submit_assessment
from .items import open_items
from .reveal import RevealedReporter, reveal_reporter

__all__ = [
    "FourEyesError",
    "RevealedReporter",
    "open_items",
    "reveal_reporter",
    "review_assessment",
    "submit_assessment",
]
