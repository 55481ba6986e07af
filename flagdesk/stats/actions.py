"""The action a platform took on a notified item, as every figure counts it: one definition
for the dashboard, the annual report, open data and the Transparency Database comparison.

Art. 22(3)(c) DSA asks for the "action taken by the provider". A platform's answer is recorded
per item (``notices.ItemDecision``, the TDB's fields); a correction is a new row naming the one
it corrects, so the item's current answer is the one nobody corrected. The mapping to the
published actions (docs/statistics.md):

- ``removed``: removal of content, and nothing else; a restriction is never a removal;
- ``disabled``: access to the content disabled everywhere;
- ``restricted``: whatever limits the content without removing or disabling it everywhere:
  geo-blocking, demotion, age or interaction restriction, the account's suspension;
- ``refused``: the platform decided the content stays;
- ``no_action``: the platform answered that it takes no action;
- ``pending``: no answer yet on this item.
"""

from __future__ import annotations

from django.db.models import Case, CharField, Exists, OuterRef, Q, QuerySet, Subquery, Value, When

from flagdesk.notices.models import ItemDecision, NoticeResponse

D = NoticeResponse.Decision

ACTIONS = ("removed", "disabled", "restricted", "refused", "no_action", "pending")
DECISION_ACTION: dict[str, str] = {
    D.REMOVED: "removed",
    D.DISABLED: "disabled",
    D.RESTRICTED: "restricted",
    D.GEO_BLOCKED: "restricted",
    D.DEMOTED: "restricted",
    D.ACCOUNT_SUSPENDED: "restricted",
    D.REFUSED: "refused",
    D.NO_ACTION: "no_action",
}
# Actions by which the platform acted on the content (a "removal rate" counts only ``removed``).
ACTED = ("removed", "disabled", "restricted")


def current_decisions() -> QuerySet[ItemDecision]:
    """Item decisions nobody corrected: each notified item's current answer."""
    corrected = ItemDecision.objects.filter(corrects=OuterRef("pk"))
    return ItemDecision.objects.filter(~Exists(corrected))


def action_of(decision_field: str = "decision") -> Case:
    """A database expression turning a decision column into its published action; a row
    without a decision (``NULL``, from an outer join or a subquery) is ``pending``."""
    return Case(
        *[When(Q(**{decision_field: d}), then=Value(a)) for d, a in DECISION_ACTION.items()],
        default=Value("pending"),
        output_field=CharField(),
    )


def current_decision_of(notice_ref: str = "pk", item_ref: str = "item_id") -> Subquery:
    """The current decision (text) of one notice's item, for ``annotate`` on a queryset whose
    rows name a notice and an item (through ``OuterRef(notice_ref)``/``OuterRef(item_ref)``).

    Group by this raw decision and map it with ``DECISION_ACTION`` afterwards; never wrap it in
    ``action_of()``: PostgreSQL runs a subquery inside a CASE once per WHEN (bench/README.md)."""
    latest = (
        current_decisions()
        .filter(notice_id=OuterRef(notice_ref), item_id=OuterRef(item_ref))
        .order_by("-decided_at", "-created_at")
        .values("decision")[:1]
    )
    return Subquery(latest, output_field=CharField())
