"""Reads of cases and items; every list and detail starts from the user's scope (S5)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery

from flagdesk.accounts.models import User
from flagdesk.accounts.policy import CASEWORK_ROLES

from .access import case_scope, item_scope
from .models import Assessment, Case, CaseEvent, CaseFacts, CaseNote, Item, Task

# How far the old address of a merged case is followed (a merged case merged again).
MAX_MERGE_HOPS = 20


def visible_items(user: User) -> QuerySet[Item]:
    """Every list, detail page and export of items starts here: the role, then the
    need-to-know rules of ``access.py`` (restricted cases, cases involving minors)."""
    if not user.has_any_role(*CASEWORK_ROLES):
        return Item.objects.none()
    return Item.objects.select_related("platform", "case").filter(item_scope(user))


def case_entry(user: User, case_id: Any) -> Item | None:
    """An item of the case through which ``user`` may reach it (the case's pages link back to
    it); None when the case is out of the user's scope."""
    return visible_items(user).filter(case_id=case_id).order_by("created_at").first()


def item_queue(
    user: User, *, status: str = "", platform: str = "", unknown_platform: bool = False
) -> QuerySet[Item]:
    items = visible_items(user)
    if status:
        items = items.filter(status=status)
    if platform:
        items = items.filter(platform__slug=platform)
    if unknown_platform:
        items = items.filter(platform__isnull=True)
    return items.order_by("created_at")


def status_counts(
    user: User, *, platform: str = "", unknown_platform: bool = False
) -> dict[str, int]:
    """Items per status for the queue's tabs, under the same platform filter as the list."""
    items = item_queue(user, platform=platform, unknown_platform=unknown_platform)
    rows = items.order_by().values("status").annotate(n=Count("id"))
    return {row["status"]: row["n"] for row in rows}


def review_queue(user: User) -> QuerySet[Item]:
    waiting = visible_items(user).filter(status=Item.Status.AWAITING_REVIEW)
    # One subquery, so "pending and written by this user" refers to the same assessment; an
    # older, sent-back assessment by this user must not hide a colleague's new one.
    own_pending = Assessment.objects.filter(item=OuterRef("pk"), author=user, review__isnull=True)
    return waiting.exclude(Exists(own_pending)).order_by("created_at")


def approved_items(user: User) -> QuerySet[Item]:
    """Approved items ready for a notice, ordered so they group by platform.

    Each carries ``approved_at``: when it last became approved (its status event), in the
    same query, so "approved since" costs nothing per row.
    """
    approved_at = (
        CaseEvent.objects.filter(
            item=OuterRef("pk"), kind=CaseEvent.Kind.STATUS, after=Item.Status.APPROVED
        )
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    # A notice queued but not sent yet (the worker retries it): the item is not to be ticked
    # again. Reached through the reverse relation: notices come after cases (S1).
    queued = Item.notices.through.objects.filter(item_id=OuterRef("pk"), notice__status="queued")
    return (
        visible_items(user)
        .filter(status=Item.Status.APPROVED)
        .annotate(approved_at=Subquery(approved_at), is_queued=Exists(queued))
        .order_by("platform__name", "created_at")
    )


def item_detail(user: User) -> QuerySet[Item]:
    return visible_items(user).prefetch_related(
        Prefetch(
            "assessments",
            queryset=Assessment.objects.select_related("author", "review__reviewer"),
        ),
        Prefetch("events", queryset=CaseEvent.objects.select_related("actor")),
        "reports",
        # Notices come after cases (S1), so through the reverse relation rather than a model.
        "notices",
    )


def visible_assessments(user: User) -> QuerySet[Assessment]:
    """Assessments of items the user may see; the review page starts here so that an author
    reaches the four-eyes refusal of the service instead of a bare 404."""
    return Assessment.objects.filter(item__in=visible_items(user)).select_related(
        "item", "item__platform", "item__case", "author", "review__reviewer"
    )


def item_report(user: User, report_id: Any) -> Any:
    """A report of an item the user may see, reached through ``Item.reports`` (intake comes
    after cases, so this module cannot import ``Report``); None when out of scope."""
    item = visible_items(user).filter(reports__id=report_id).first()
    if item is not None:
        return item.reports.filter(id=report_id).first()
    # A report of fingerprints alone names no item: it is reached through its case.
    case = itemless_cases(user).filter(reports__id=report_id).first()
    return case.reports.filter(id=report_id).first() if case else None


def reviewable_assessments(user: User) -> QuerySet[Assessment]:
    items = visible_items(user).filter(status=Item.Status.AWAITING_REVIEW)
    return (
        Assessment.objects.filter(item__in=items, review__isnull=True)
        .exclude(author=user)
        .select_related("item", "item__platform", "author")
    )


def visible_case(user: User, case_id: Any) -> Case | None:
    """The case, when ``user`` may see one of its items (need-to-know is per case); None
    otherwise, as for a case that does not exist. A merged case has no items: see
    ``survivor_of``. A case that never had an item (a report of a picture's fingerprints
    alone, docs/victims.md) is judged by the case itself: ``itemless_cases``."""
    item = case_entry(user, case_id)
    if item is not None:
        return item.case
    return itemless_cases(user).filter(pk=case_id).first()


def itemless_cases(user: User) -> QuerySet[Case]:
    """Cases without any item, not merged away, that ``user`` may see (``case_scope``): what
    a report of fingerprints alone opens, until a copy is found and joins it."""
    if not user.has_any_role(*CASEWORK_ROLES):
        return Case.objects.none()
    return Case.objects.filter(
        case_scope(user),
        ~Exists(Item.objects.filter(case_id=OuterRef("pk"))),
        merged_into__isnull=True,
    )


def survivor_of(user: User, case_id: Any) -> Case | None:
    """The case a merged case now lives in, when ``user`` may see it (the old address of a
    merged case leads there); None for a case that was not merged or whose survivor is out
    of the user's scope."""
    case = Case.objects.filter(pk=case_id, merged_into__isnull=False).first()
    for _hop in range(MAX_MERGE_HOPS):
        if case is None or case.merged_into_id is None:
            break
        case = Case.objects.filter(pk=case.merged_into_id).first()
    return visible_case(user, case.pk) if case is not None else None


def case_items(user: User, case: Case) -> QuerySet[Item]:
    """The case's items the user may see, oldest first (the order they were reported)."""
    return visible_items(user).filter(case=case).order_by("created_at")


def cases_holding_reports_of(case: Case) -> QuerySet[Case]:
    """Other cases whose reports name items of this one: after a split the report stays with
    the original case, so the new case's page says where its items came from."""
    return (
        Case.objects.filter(reports__items__case=case)
        .exclude(pk=case.pk)
        .distinct()
        .order_by("created_at")
    )


def merged_case_ids(case: Case) -> list[Any]:
    """The case and every case merged into it, directly or through another merged case."""
    found = [case.pk]
    frontier = [case.pk]
    for _hop in range(MAX_MERGE_HOPS):
        frontier = list(Case.objects.filter(merged_into__in=frontier).values_list("pk", flat=True))
        if not frontier:
            break
        found.extend(frontier)
    return found


def case_timeline(user: User, case: Case) -> QuerySet[CaseEvent]:
    """Every event of the case and of the cases merged into it, and every event of its items
    (also those written while an item was in another case), oldest first. An event about an
    item the user may not see (moved to a case out of their scope since) is left out."""
    of_case = Q(case_id__in=merged_case_ids(case)) | Q(item__case=case)
    in_scope = Q(item__isnull=True) | Q(item__in=visible_items(user).values("pk"))
    return (
        CaseEvent.objects.filter(of_case & in_scope)
        .select_related("actor", "item")
        .order_by("created_at", "id")
    )


def case_notes(case: Case) -> QuerySet[CaseNote]:
    return (
        CaseNote.objects.filter(case=case).select_related("author", "item").order_by("-created_at")
    )


def case_tasks(case: Case) -> QuerySet[Task]:
    """Open tasks first, by due date (none last), then the done ones, latest first."""
    return (
        Task.objects.filter(case=case)
        .select_related("assignee", "created_by", "done_by", "item")
        .order_by(
            F("done_at").desc(nulls_first=True),
            F("due_on").asc(nulls_last=True),
            "created_at",
        )
    )


def my_tasks(user: User) -> QuerySet[Task]:
    """Open tasks assigned to ``user`` on cases they may still open, overdue first (by due
    date; tasks without one last)."""
    in_scope = visible_items(user).filter(case_id=OuterRef("case_id"))
    return (
        Task.objects.filter(assignee=user, done_at__isnull=True)
        .filter(Exists(in_scope))
        .select_related("case", "created_by", "item")
        .order_by(F("due_on").asc(nulls_last=True), "created_at")
    )


def visible_task(user: User, task_id: Any) -> Task | None:
    """A task of a case the user may see."""
    task = Task.objects.filter(pk=task_id).select_related("case").first()
    if task is None or visible_case(user, task.case_id) is None:
        return None
    return task


def case_reference(user: User, reference: str) -> Case | None:
    """A case named by its reference ("C-7KQ3-M9XD"), when the user may see it; a merged
    case is not offered (its items are in the survivor)."""
    case = Case.objects.filter(reference=reference.strip().upper()).first()
    if case is None or case.merged_into_id is not None:
        return None
    return visible_case(user, case.pk)


def visible_case_facts(user: User, case_id: Any) -> CaseFacts | None:
    """The facts recorded on a case ``user`` may see (need-to-know through ``visible_case``):
    an empty, unsaved ``CaseFacts`` when nothing was recorded yet; None for a case out of the
    user's scope, as for one that does not exist."""
    case = visible_case(user, case_id)
    if case is None:
        return None
    found = CaseFacts.objects.select_related("recorded_by").filter(case=case).first()
    return found or CaseFacts(case=case)


def reporter_guesses(case: Case) -> list[dict[str, str]]:
    """What the case's reporters said about the victim (their age band and gender, as labels),
    one entry per report that said something: the analyst's help when recording the facts.
    Reports are reached through the reverse relation (intake comes after cases)."""
    guesses = []
    for report in case.reports.order_by("created_at"):
        band, gender = report.victim_age_band, report.victim_gender
        if band or gender:
            guesses.append(
                {
                    "reference": report.reference,
                    "age_band": band,
                    "gender": gender,
                    "age_label": str(report.get_victim_age_band_display()) if band else "",
                    "gender_label": str(report.get_victim_gender_display()) if gender else "",
                }
            )
    return guesses
