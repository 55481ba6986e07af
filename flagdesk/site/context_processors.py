"""What every staff page shows that comes from later apps: the coordinators' alerts."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from flagdesk.accounts.policy import Action, can
from flagdesk.notices.alerts import counts


def staff_alerts(request: HttpRequest) -> dict[str, Any]:
    """Failed and stuck notices, on every page of every coordinator (issue: "shown on every
    coordinator's page"); two counts, nothing for anyone else."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not can(user, Action.ALERTS):
        return {}
    found = counts()
    return {"staff_alerts": found} if found else {}
