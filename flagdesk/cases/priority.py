"""The workbench's order: when each item is due (docs/workbench.md, "How the order is made").

An item is due a number of hours after it was first reported: the *target* of its
phenomenon (child sexual abuse material and grooming in 4 hours, sextortion in 8, intimate
images in 12...). When a minor is involved (a minor depicted, a child-protection phenomenon,
a victim under 18), the target is at most ``MINORS_TARGET_HOURS``. Each further report of
the URL and each hash match (the same content seen again: virality) brings the due time
forward by a tenth of the target, up to half of it. Items are listed by due time, earliest
first; with equal inputs, the older report comes first.

The result is stored on the item (``Item.priority_at``, with ``involves_minor`` and
``virality``) so an index orders 100,000 open items; the services that change an input call
``recompute_priority`` by name (S8): opening or joining an item, a report linked to it, an
assessment (phenomenon, minor depicted), a hash match. ``flagdesk recompute_priorities``
fills every row again after the targets change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .access import MINOR_AGE_BANDS, minors_phenomena
from .models import Case, Item

# Hours from the first report to the due time, by phenomenon (taxonomy.json codes): the
# gravest harm first. ``FLAGDESK_PRIORITY_TARGET_HOURS`` (``code=hours,...``) overrides any.
DEFAULT_TARGET_HOURS: dict[str, float] = {
    "csam": 4,
    "csam_ai_generated": 4,
    "sexting_minor": 4,
    "grooming": 4,
    "sextortion": 8,
    "ncii": 12,
    "sexual_deepfake": 12,
    "doxing": 24,
    "cyberstalking": 24,
    "incitement_violence_gender": 24,
    "cyber_harassment": 48,
    "cyberflashing": 48,
    "gender_hate_speech": 72,
    "other": 72,
}
# Not qualified yet (no phenomenon given): looked at within a day, to find out.
UNKNOWN_TARGET_HOURS = 24.0
MINORS_TARGET_HOURS = 4.0
# Each further report or match brings the due time forward by this share of the target...
VIRALITY_STEP = 0.1
# ...up to this share.
VIRALITY_MAX = 0.5


@cache
def _overrides(raw: tuple[str, ...]) -> dict[str, float]:
    hours: dict[str, float] = {}
    for pair in raw:
        code, _sep, value = pair.partition("=")
        try:
            hours[code.strip()] = float(value)
        except ValueError:
            continue
    return hours


def target_hours(phenomenon: str) -> float:
    """The phenomenon's target, configured or default."""
    configured = _overrides(tuple(getattr(settings, "PRIORITY_TARGET_HOURS", ()) or ()))
    if phenomenon in configured:
        return configured[phenomenon]
    return DEFAULT_TARGET_HOURS.get(phenomenon, UNKNOWN_TARGET_HOURS)


@dataclass(frozen=True)
class Priority:
    due_at: dt.datetime
    hours: float  # from the first report to the due time
    target: float  # the phenomenon's target, before minors and virality
    involves_minor: bool
    virality: int


def compute(
    *, reported_at: dt.datetime, phenomenon: str, involves_minor: bool, virality: int
) -> Priority:
    """The due time from its inputs; pure, so the order can be tested and explained."""
    target = target_hours(phenomenon)
    hours = min(target, MINORS_TARGET_HOURS) if involves_minor else target
    hours -= hours * min(VIRALITY_STEP * max(virality, 0), VIRALITY_MAX)
    return Priority(
        due_at=reported_at + dt.timedelta(hours=hours),
        hours=hours,
        target=target,
        involves_minor=involves_minor,
        virality=max(virality, 0),
    )


def _with_inputs(items: QuerySet[Item]) -> QuerySet[Item]:
    """Items annotated with what their priority depends on, in one query."""
    minor_victim = Case.objects.filter(
        pk=OuterRef("case_id"), reports__victim_age_band__in=MINOR_AGE_BANDS
    )
    return items.annotate(
        n_reports=Count("reports", distinct=True),
        n_matches=Count("matches", distinct=True),
        minor_victim=Exists(minor_victim),
    ).select_related("case")


def recompute_priority(items: Iterable[Item | Any]) -> int:
    """Compute and store the priority of ``items`` (items or ids) from their current inputs.

    Called by each service that changes an input, inside its transaction; returns how many
    items changed. Only the three priority columns are written (``update``), so a caller's
    unsaved changes to other fields are never overwritten.
    """
    given = list(items)
    ids = [getattr(i, "pk", i) for i in given]
    loaded = {i.pk: i for i in given if isinstance(i, Item)}
    changed = 0
    for start in range(0, len(ids), 1000):
        # Annotated rows (minor_victim, n_reports, n_matches): read as Any, not as Item.
        rows: Any = _with_inputs(Item.objects.filter(pk__in=ids[start : start + 1000]).order_by())
        for item in rows:
            minor = (
                item.case.has_minor_depicted
                or item.minor_victim
                or item.phenomenon in minors_phenomena()
            )
            virality = max(item.n_reports - 1, 0) + item.n_matches
            p = compute(
                reported_at=item.created_at,
                phenomenon=item.phenomenon,
                involves_minor=minor,
                virality=virality,
            )
            if (item.priority_at, item.involves_minor, item.virality) != (
                p.due_at,
                minor,
                virality,
            ):
                Item.objects.filter(pk=item.pk).update(
                    priority_at=p.due_at, involves_minor=minor, virality=virality
                )
                changed += 1
            if item.pk in loaded:  # the caller's copy says what was stored
                mine = loaded[item.pk]
                mine.priority_at, mine.involves_minor, mine.virality = p.due_at, minor, virality
    return changed


def recompute_case(case_id: Any) -> int:
    """Every item of a case again: a minor found depicted concerns the whole case."""
    return recompute_priority(Item.objects.filter(case_id=case_id).values_list("pk", flat=True))


def explain(item: Item) -> list[str]:
    """Why the item is where it is in the queue, in words for its row's tooltip."""
    p = compute(
        reported_at=item.created_at,
        phenomenon=item.phenomenon,
        involves_minor=item.involves_minor,
        virality=item.virality,
    )
    reasons = [
        _("Target for this phenomenon: %(hours)s h after the first report.")
        % {"hours": _hours(p.target)}
        if item.phenomenon
        else _("Not qualified yet: %(hours)s h after the first report.")
        % {"hours": _hours(p.target)}
    ]
    if item.involves_minor:
        reasons.append(
            _("A minor is involved: at most %(hours)s h.") % {"hours": _hours(MINORS_TARGET_HOURS)}
        )
    if item.virality:
        reasons.append(
            ngettext(
                "%(count)d further report or match brings it forward.",
                "%(count)d further reports or matches bring it forward.",
                item.virality,
            )
            % {"count": item.virality}
        )
    return reasons


def _hours(value: float) -> str:
    return f"{value:g}"
