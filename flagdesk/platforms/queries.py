"""Reads of the platform registry."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Platform


def platforms() -> QuerySet[Platform]:
    return Platform.objects.prefetch_related("domains", "channels").order_by("name")


def active_platforms() -> QuerySet[Platform]:
    """Platforms an item can be assigned to: a deactivated one receives no more notices."""
    return Platform.objects.filter(is_active=True).order_by("name")
