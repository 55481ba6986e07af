"""What a partner sees of a referral: the JSON of ``GET /api/v1/referrals/{ref}`` and of
every callback, built from the items' statuses and nothing else (no staff, no notes).

The overall status is the reporter's (``intake.queries.public_status``): the least advanced
of the items' public statuses, in the order received, in_review, notified, escalated,
refused, restricted, removed, not_actionable, closed; so "removed" only once every item is,
and "not_actionable" only once none is still being worked on.
"""

from __future__ import annotations

from typing import Any

from flagdesk.cases.models import Item
from flagdesk.intake.queries import public_status

from .models import Referral

S = Item.Status
# The assessment's outcome as a partner may read it, once there is one.
DECISIONS: dict[str, str] = {
    S.APPROVED: "illegal",
    S.NOTIFIED: "illegal",
    S.REMOVED: "illegal",
    S.RESTRICTED: "illegal",
    S.REFUSED: "illegal",
    S.STILL_ONLINE: "illegal",
    S.ESCALATED: "illegal",
    S.NOT_ILLEGAL: "not_illegal",
    S.OUT_OF_SCOPE: "out_of_scope",
    S.DUPLICATE: "duplicate",
}
FINISHED = "closed"


def referral_state(referral: Referral) -> dict[str, Any]:
    """The status JSON without ``updated_at``: what a callback is owed on a change of."""
    report = referral.report
    public = public_status(report)
    items = list(report.items.order_by("created_at").values_list("url", "status"))
    out = []
    for (url, status), shown in zip(items, public.items, strict=True):
        entry: dict[str, Any] = {"url": url, "status": shown.status}
        if status in DECISIONS:
            entry["decision"] = DECISIONS[status]
        out.append(entry)
    return {
        "partner_reference": referral.partner_reference,
        "reference": report.reference,
        "status": public.status,
        "items": out,
    }


def referral_status(referral: Referral) -> dict[str, Any]:
    """The full answer: the state plus when it last changed."""
    public = public_status(referral.report)
    return {**referral_state(referral), "updated_at": public.updated_at.isoformat()}
