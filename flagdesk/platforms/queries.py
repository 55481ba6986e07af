from __future__ import annotations

from django.db.models import QuerySet

from .models import Platform


def platforms() -> QuerySet[Platform]:
    return Platform.objects.prefetch_related("domains").order_by("name")
