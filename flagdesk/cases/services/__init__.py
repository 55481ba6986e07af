"""Writes on cases and items: opening items, assessing and reviewing them."""

from .assessment import FourEyesError, review_assessment, submit_assessment
from .items import open_items

__all__ = ["FourEyesError", "open_items", "review_assessment", "submit_assessment"]
