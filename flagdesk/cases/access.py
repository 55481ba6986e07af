"""Need-to-know: which cases a staff member may see (issue 11, point 3; docs/security.md).

A role that reads cases (``Action.CASEWORK``) is the start, never the end:

- a case restricted to named staff (a case about a colleague or a public figure) is seen by
  them alone;
- a case involving a minor (a minor depicted, a child-protection phenomenon, or a victim
  under 18) is seen only by staff cleared for such cases (``User.minors_clearance``: the
  hotline's analysts), whatever their role.

Every read of items starts from ``visible_items`` (queries.py), which applies ``item_scope``;
other apps reach cases through it (notices, matching, intake), so there is one place to
read and to test. Someone outside a case's scope gets a 404, as if it did not exist.
"""

from __future__ import annotations

from functools import cache

from django.db.models import Q

from flagdesk.accounts.models import User
from flagdesk.core import taxonomy

from .models import Case, Item

# The victim age bands of intake's reports that are minors (intake comes after cases, S1, so
# its choices are named here by value; a test checks they exist there).
MINOR_AGE_BANDS = ("under-13", "13-17")


@cache
def minors_phenomena() -> frozenset[str]:
    return frozenset(code for code, p in taxonomy.phenomena().items() if p.is_minors_only)


def involves_minors() -> Q:
    """Q on items: the item's case involves a minor.

    Written as ``case_id IN (SELECT ...)`` subqueries that do not depend on the row, so the
    database computes each set of cases once per query (a hashed semi-join) instead of once
    per item (bench/trust.py measured the per-row form at 5-8 us per item on every count).
    """
    with_minor_depicted = Case.objects.filter(has_minor_depicted=True).values("pk")
    with_minor_items = Item.objects.filter(phenomenon__in=minors_phenomena()).values("case_id")
    with_minor_victims = Case.objects.filter(reports__victim_age_band__in=MINOR_AGE_BANDS).values(
        "pk"
    )
    # The flag too as a set, not a join: a count over 100,000 items (the workbench's
    # counters) then reads one index, with no look-up of each item's case.
    return (
        Q(case_id__in=with_minor_depicted)
        | Q(case_id__in=with_minor_items)
        | Q(case_id__in=with_minor_victims)
    )


def restricted_from(user: User) -> Q:
    """Q on items: the item's case is restricted to named staff, and ``user`` is not one."""
    named = Case.restricted_to.through.objects
    return Q(case_id__in=named.values("case_id")) & ~Q(
        case_id__in=named.filter(user_id=user.pk).values("case_id")
    )


def item_scope(user: User) -> Q:
    """The items ``user`` may see, whatever their role allows."""
    hidden = restricted_from(user)
    if not user.minors_clearance:
        hidden |= involves_minors()
    return ~hidden


def case_scope(user: User) -> Q:
    """Q on cases: the rules of ``item_scope`` applied to the case itself. A case reached
    through one of its items needs nothing more; this is for a case without items (a report
    of a picture's fingerprints alone), which has no item to go by. Its report's phenomenon
    and the victim's age band count as an item's phenomenon would."""
    named = Case.restricted_to.through.objects
    hidden = Q(pk__in=named.values("case_id")) & ~Q(
        pk__in=named.filter(user_id=user.pk).values("case_id")
    )
    if not user.minors_clearance:
        minors = minors_phenomena()
        young = Case.objects.filter(reports__victim_age_band__in=MINOR_AGE_BANDS)
        hidden |= (
            Q(has_minor_depicted=True)
            | Q(pk__in=Item.objects.filter(phenomenon__in=minors).values("case_id"))
            | Q(pk__in=young.values("pk"))
            | Q(pk__in=Case.objects.filter(reports__phenomenon__in=minors).values("pk"))
        )
    return ~hidden
