from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from .models import Organisation


def organisation(request: HttpRequest) -> dict[str, Any]:
    """The organisation's name as edited by a coordinator; the env default until then."""
    name = Organisation.objects.order_by("pk").values_list("name", flat=True).first()
    return {"ORG_NAME": name or settings.ORG_NAME, "LANGUAGES": settings.LANGUAGES}
