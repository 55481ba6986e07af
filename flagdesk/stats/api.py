"""The statistics API: ``GET /api/v1/stats/...`` (docs/api.md)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router

from flagdesk.accounts.auth import TokenAuth
from flagdesk.accounts.permissions import require_role
from flagdesk.accounts.policy import Action, roles_for
from flagdesk.core.errors import ValidationFailed

from .figures.dashboard import cached_dashboard
from .figures.data import dashboard_data
from .forms import FIELDS, FilterForm
from .tdb.api import router as tdb_router

router = Router(tags=["stats"])
router.add_router("/stats/tdb", tdb_router)


@router.get("/stats/dashboard", auth=TokenAuth())
def dashboard_json(request: HttpRequest) -> dict[str, Any]:
    """Every figure of the statistics dashboard for ``?from=&to=&phenomenon=&platform=``
    (dates YYYY-MM-DD, both included; default: this calendar year to date)."""
    require_role(request.user, *roles_for(Action.STATS_READ))  # type: ignore[arg-type]
    form = FilterForm({name: request.GET.get(name, "")[:40] for name in FIELDS})
    if not form.is_valid():
        raise ValidationFailed(
            _("The filters are not valid."),
            fields={name: [str(e) for e in errors] for name, errors in form.errors.items()},
        )
    return dashboard_data(cached_dashboard(form.filters()))
