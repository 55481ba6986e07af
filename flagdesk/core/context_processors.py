from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def flagdesk(request: HttpRequest) -> dict[str, Any]:
    return {"ORG_NAME": settings.ORG_NAME, "LANGUAGES": settings.LANGUAGES}
