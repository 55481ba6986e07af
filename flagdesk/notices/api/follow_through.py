"""Follow-through endpoints of the staff API, as plain functions of the request.

``GET /api/v1/notices?overdue=true`` -> ``overdue_json``; ``GET /api/v1/platforms/quality``
(``?since=YYYY-MM-DD&until=YYYY-MM-DD``) -> ``quality_json``. They return lists of dicts the
router serialises (datetimes and UUIDs as the API writes them elsewhere) and raise the API's
errors: ``PermissionDenied`` (403) for a role that may not read them, ``ValidationFailed``
(422) for a bad period. The figures come from ``flagdesk.notices.sla``.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from flagdesk.accounts.models import User
from flagdesk.accounts.permissions import require_role
from flagdesk.accounts.policy import CASEWORK_ROLES
from flagdesk.core.errors import PermissionDenied

from .. import sla


def _require(request: HttpRequest, *roles: str) -> None:
    """The role check; a request without a staff user (no token) is refused like a role."""
    user = getattr(request, "user", None)
    if not isinstance(user, User):
        raise PermissionDenied(_("Your role does not allow this action."))
    require_role(user, *roles)


def _hours(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _share(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def overdue_json(request: HttpRequest) -> list[dict[str, Any]]:
    """Overdue notices, oldest first (``sla.overdue_notices``)."""
    _require(request, *CASEWORK_ROLES)
    return [
        {
            "id": row.notice.id,
            "reference": row.notice.reference,
            "platform": row.notice.platform.name,
            "status": row.notice.status,
            "sent_at": row.notice.sent_at,
            "due_at": row.due_at,
            "overdue_hours": _hours(row.overdue_hours),
            "undecided_items": row.undecided_items,
        }
        for row in sla.overdue_notices()
    ]


def _timing(t: sla.Timing) -> dict[str, Any]:
    return {"count": t.count, "median": _hours(t.median), "p90": _hours(t.p90)}


def quality_json(request: HttpRequest) -> list[dict[str, Any]]:
    """One entry per platform that received a notice in the period (``sla.quality_by_platform``).

    Shares are fractions (0.25 = 25 %), ``null`` when there is nothing to divide by; hours
    run from sending to the confirmation of receipt or to each item's latest decision.
    """
    _require(request, *sla.QUALITY_ROLES)
    since, until = sla.parse_period(
        request.GET.get("since", "")[:20], request.GET.get("until", "")[:20]
    )
    return [
        {
            "platform": q.platform.name,
            "platform_id": q.platform.id,
            "notices_sent": q.sent,
            "acknowledged": q.acknowledged,
            "decided": q.decided,
            "ignored": q.ignored,
            "items_decided": q.items_decided,
            "items_refused": q.items_refused,
            "acknowledged_share": _share(q.acknowledged_share),
            "decided_share": _share(q.decided_share),
            "refused_share": _share(q.refused_share),
            "ignored_share": _share(q.ignored_share),
            "hours_to_acknowledgement": _timing(q.to_acknowledgement),
            "hours_to_decision": _timing(q.to_decision),
            "refusals": q.refusal_count,
            "refusal_reasons": [
                {
                    "notice": r.notice_id,
                    "reference": r.reference,
                    "received_at": r.received_at,
                    "decisions": list(r.decisions),
                    "statement": r.statement,
                    "truncated": r.truncated,
                }
                for r in q.refusal_reasons
            ],
            "warning": q.warning,
            "warning_reasons": q.warning_reasons,
        }
        for q in sla.quality_by_platform(since, until)
    ]
