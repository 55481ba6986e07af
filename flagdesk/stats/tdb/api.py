"""``GET /api/v1/stats/tdb/comparison`` (docs/api.md): the monthly comparison as JSON."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router

from flagdesk.accounts.auth import TokenAuth
from flagdesk.accounts.permissions import require_role
from flagdesk.accounts.policy import Action, roles_for
from flagdesk.core.errors import ValidationFailed
from flagdesk.core.schemas import Schema
from flagdesk.platforms.models import Platform

from . import queries
from .forms import parse_month

router = Router(tags=["stats"])


class ComparisonFilter(Schema):
    platform: str = Field("", max_length=100)
    since: str = Field("", alias="from", max_length=10)
    until: str = Field("", alias="to", max_length=10)


def _month(value: str, name: str) -> Any:
    if not value:
        return None
    try:
        return parse_month(value)
    except ValueError:
        raise ValidationFailed(
            _("%(name)s is not a month.") % {"name": name},
            fields={name: [_("A month like 2026-11.")]},
        ) from None


@router.get("/stats/tdb/comparison", auth=TokenAuth())
def tdb_comparison(request: HttpRequest, filters: Query[ComparisonFilter]) -> dict[str, Any]:
    """Per platform and month: the database's statements against our trusted-flagger
    notices, plus the linked statements that differ from what the platform told us."""
    require_role(request.user, *roles_for(Action.STATS_READ))
    platform = None
    if filters.platform:
        platform = Platform.objects.filter(slug=filters.platform[:100]).first()
        if platform is None:
            raise ValidationFailed(
                _("No platform has the slug %(slug)s.") % {"slug": filters.platform[:100]},
                fields={"platform": [_("Unknown platform.")]},
            )
    since = _month(filters.since, "from")
    until = _month(filters.until, "to")
    if until is not None:  # the whole month
        until = (until.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    if since and until and since > until:
        raise ValidationFailed(
            _("The last month comes after the first."), fields={"to": [_("Before from.")]}
        )
    scope = {"platform": platform, "since": since, "until": until}
    return {
        "months": [m.as_dict() for m in queries.comparison(request.user, **scope)],
        "differences": [
            _difference_json(s) for s in queries.differences(request.user, **scope)[:1000]
        ],
    }


def _difference_json(s: Any) -> dict[str, Any]:
    v = vars(s)
    return {
        "statement": str(s.uuid),
        "platform": s.platform.slug,
        "notice": s.notice.reference if s.notice else None,
        "application_date": s.application_date.isoformat(),
        "differs": [
            name for name in ("category", "action", "source", "automated") if v[f"{name}_differs"]
        ],
        "tdb": {
            "category": s.category,
            "action": s.action,
            "source_type": s.source_type,
            "automated": v["their_automated"],
        },
        "ours": {
            "category": v["our_category"] or None,
            "action": v["our_action"],
            "automated": v["our_automated"],
        },
    }
