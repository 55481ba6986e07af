from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from .queries import organisation_name


def organisation(request: HttpRequest) -> dict[str, Any]:
    """The organisation's name as edited by a coordinator; the env default until then."""
    return {"ORG_NAME": organisation_name(), "LANGUAGES": settings.LANGUAGES}
