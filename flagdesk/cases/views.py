"""Staff screens for casework: queues, the item page, assessment, review, approved items."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from itertools import groupby
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from flagdesk.accounts.menu import may_open
from flagdesk.accounts.models import User
from flagdesk.accounts.permissions import role_required
from flagdesk.accounts.policy import CASEWORK_ROLES
from flagdesk.accounts.reauth import recent_login_required
from flagdesk.core import taxonomy
from flagdesk.core.errors import FlagdeskError
from flagdesk.core.forms import show_error
from flagdesk.core.panels import Panel, render_panels
from flagdesk.organisation.queries import confirmed_legal_bases
from flagdesk.platforms.queries import platforms

from . import queries, services
from .forms import (
    AssessmentForm,
    IdentifiersForm,
    ItemPlatformForm,
    QueueFilterForm,
    RevealForm,
    ReviewForm,
    content_type_label,
    local_time,
)
from .models import Assessment, CaseEvent, Item
from .services.assessment import ASSESSOR_ROLES, REVIEWER_ROLES
from .services.case_facts import facts_event_detail
from .services.facts import default_facts_on, may_omit_notifier
from .services.identifiers import FIELDS, TIMES
from .services.qualification import COORDINATOR_CHECKS, Check, assessment_checks

# What a later app offers the item page: ``(request, item) -> Panel | None``.
PanelProviders = Sequence[Callable[[HttpRequest, Item], Panel | None]]

PAGE_SIZE = 50
# How many of the case's other items the item page lists (the case page lists them all).
OTHERS = 10
# Statuses from which submit_assessment accepts a (new) assessment.
ASSESSABLE = (Item.Status.NEW, Item.Status.ASSESSING)
REASSESSABLE = (Item.Status.APPROVED, Item.Status.NOT_ILLEGAL, Item.Status.OUT_OF_SCOPE)


def phenomenon_label(code: str) -> str:
    phenomenon = taxonomy.phenomena().get(code)
    return phenomenon.label() if phenomenon else code


def status_label(value: str) -> str:
    return str(Item.Status(value).label) if value in Item.Status.values else value


def describe_assessment(a: Assessment, *, with_checks: bool = False) -> dict[str, Any]:
    """An assessment with every taxonomy key turned into the label a reviewer reads, and, for
    the review page, every coherence check with its outcome."""
    bases = taxonomy.legal_bases()
    types = list(a.content_types) or ([a.content_type] if a.content_type else [])
    return {
        "assessment": a,
        "phenomenon": phenomenon_label(a.phenomenon) if a.phenomenon else "",
        "tdb_category": taxonomy.label(a.tdb_category) if a.tdb_category else "",
        "keywords": [taxonomy.label(k) for k in a.keywords],
        "legal_bases": [(c, bases[c].label() if c in bases else "") for c in a.legal_bases],
        "content_types": [content_type_label(t) for t in types],
        **_checks_context(assessment_checks(a) if with_checks else []),
    }


def _checks_context(checks: list[Check]) -> dict[str, Any]:
    failed = [c for c in checks if not c.passed and c.blocks_sending]
    return {
        "checks": checks,
        "blocking": bool(failed),
        # Bases to be confirmed, or past an unconfirmed end date: the coordinator's page.
        "needs_coordinator": any(c.code in COORDINATOR_CHECKS for c in failed),
    }


@role_required(*CASEWORK_ROLES)
def queue(request: HttpRequest) -> HttpResponse:
    choices = list(platforms().prefetch_related(None).values_list("slug", "name"))
    form = QueueFilterForm(request.GET or None, platforms=choices)
    filters = form.filters()
    items = queries.item_queue(request.user, **filters)
    counts = queries.status_counts(
        request.user, platform=filters["platform"], unknown_platform=filters["unknown_platform"]
    )
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    tabs = [
        {"status": value, "label": label, "count": counts.get(value, 0)}
        for value, label in Item.Status.choices
        if counts.get(value) or value == filters["status"]
    ]
    return render(
        request,
        "cases/queue.html",
        {
            "form": form,
            "page": page,
            "rows": [(item, phenomenon_label(item.phenomenon)) for item in page],
            "tabs": tabs,
            "total": sum(counts.values()),
            "current_status": filters["status"],
        },
    )


@role_required(*CASEWORK_ROLES)
def review_queue(request: HttpRequest) -> HttpResponse:
    page = Paginator(queries.review_queue(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "cases/review_queue.html",
        {"page": page, "rows": [(item, phenomenon_label(item.phenomenon)) for item in page]},
    )


# Merges, splits and moves: which way the event went (``CaseEvent.after``), towards the
# case named in its data or from it.
TOWARDS, FROM = frozenset({"into", "to", "out"}), frozenset({"from", "in"})
RELOCATIONS = (CaseEvent.Kind.MERGED, CaseEvent.Kind.SPLIT, CaseEvent.Kind.MOVED)


def note_label(after: str) -> str:
    """What a ``note`` event records (never the note's text)."""
    labels = {
        "note": _("note written"),
        "task": _("task given"),
        "task_done": _("task done"),
        "task_reopened": _("task opened again"),
    }
    return labels.get(after, "")


def event_detail(e: CaseEvent) -> str:
    """The words after the event's kind: the other case of a merge, split or move (with
    its direction), what a note event records, that a reporter's message answers staff's
    request for more information."""
    if e.kind in RELOCATIONS and (ref := (e.data or {}).get("reference")):
        if e.after in TOWARDS:
            return _("to case %(ref)s") % {"ref": ref}
        if e.after in FROM:
            return _("from case %(ref)s") % {"ref": ref}
    if e.kind == CaseEvent.Kind.NOTE:
        return note_label(e.after)
    if e.kind == CaseEvent.Kind.REPORTER_MESSAGE and (e.data or {}).get("answers_request"):
        return _("answers the request for more information")
    if e.kind == CaseEvent.Kind.BANK_CONSENT:
        # intake.consent writes "given" or "withdrawn" (intake comes after cases: by value).
        return _("withdrawn") if e.after == "withdrawn" else _("given")
    if e.kind == CaseEvent.Kind.FACTS:
        return facts_event_detail(e)
    return ""


def timeline_rows(events: Iterable[CaseEvent]) -> list[dict[str, Any]]:
    """Events as shown (the item page, the case page); a notice event carries its notice's id
    and reference in its data, a merge, split or move the other case's reference."""
    return [
        {
            "event": e,
            "before": status_label(e.before) if e.before else "",
            "after": status_label(e.after) if e.after else "",
            "is_status": e.kind == CaseEvent.Kind.STATUS,
            "notice": (
                {"id": e.data["notice"], "reference": e.data.get("reference", "")}
                if e.data and e.data.get("notice")
                else None
            ),
            "other_case": (e.data or {}).get("reference", "") if e.kind in RELOCATIONS else "",
            "detail": event_detail(e),
        }
        for e in events
    ]


def _actions(user: User, item: Item) -> dict[str, Any]:
    """What the "next step" card offers: only what the status allows and the role may open."""
    assessments = list(item.assessments.all())
    pending = next((a for a in assessments if not hasattr(a, "review")), None)
    is_awaiting = item.status == Item.Status.AWAITING_REVIEW
    may_assess = may_open(user, "cases:item-assess", item.id)
    return {
        "can_assess": may_assess and item.status in ASSESSABLE,
        "can_reassess": may_assess and item.status in REASSESSABLE,
        "review_target": pending
        if is_awaiting
        and pending
        and pending.author_id != user.pk
        and may_open(user, "cases:assessment-review", pending.id)
        else None,
        "own_pending": is_awaiting and pending is not None and pending.author_id == user.pk,
    }


def shown_identifiers(item: Item) -> list[tuple[str, str]]:
    """Label and value of each identifier recorded; times in local time, with UTC beside
    them since notices give them in UTC: "2026-08-20 21:30 (19:30 UTC)"."""
    known = item.identifiers or {}
    shown = []
    for name, (label, _limit) in FIELDS.items():
        value = known.get(name)
        if value and name in TIMES:
            value = f"{local_time(value)} ({value[11:16]} UTC)"
        if value:
            shown.append((str(label), value))
    return shown


@role_required(*CASEWORK_ROLES)
def item_detail(request: HttpRequest, item_id: UUID, panels: PanelProviders = ()) -> HttpResponse:
    """The item page. Later apps' sections (matching, notices) come as ``panels``, which the
    composition layer passes in (``flagdesk.site.views.item_detail``)."""
    item = get_object_or_404(queries.item_detail(request.user), id=item_id)
    others = list(queries.case_items(request.user, item.case).exclude(pk=item.pk)[: OTHERS + 1])
    return render(
        request,
        "cases/item_detail.html",
        {
            "item": item,
            "phenomenon": phenomenon_label(item.phenomenon) if item.phenomenon else "",
            "reports": list(item.reports.all()),
            "assessments": [describe_assessment(a) for a in item.assessments.all()],
            "can_open_notices": may_open(request.user, "notices:notice-list"),
            "timeline": timeline_rows(item.events.all()),
            "other_items": others[:OTHERS],
            "more_items": len(others) > OTHERS,
            "reveal_form": RevealForm(),
            "identifiers_shown": shown_identifiers(item),
            "identifiers_form": IdentifiersForm(
                initial=IdentifiersForm.initial_for(item.identifiers or {})
            )
            if may_open(request.user, "cases:item-identifiers", item.id)
            else None,
            "panels": render_panels(request, [panel(request, item) for panel in panels]),
            **_actions(request.user, item),
        },
    )


@never_cache
@role_required(*CASEWORK_ROLES)
@recent_login_required
def report_reveal(request: HttpRequest, report_id: UUID) -> HttpResponse:
    report = queries.item_report(request.user, report_id)
    if report is None:
        raise Http404
    item = queries.visible_items(request.user).filter(reports=report).first()
    form = RevealForm(request.POST or None)
    revealed = None
    if form.is_valid():
        try:
            revealed = services.reveal_reporter(
                report, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except FlagdeskError as e:
            show_error(form, e)
    return render(
        request,
        "cases/report_reveal.html",
        {
            "report": report,
            "item": item,
            "form": form,
            "revealed": revealed,
            # Opened from the case page (``?from=case``): the way back is the case page.
            "back_to_case": request.GET.get("from") == "case",
        },
    )


@role_required(*ASSESSOR_ROLES)
def item_assess(request: HttpRequest, item_id: UUID) -> HttpResponse:
    item = get_object_or_404(queries.item_detail(request.user), id=item_id)
    form = AssessmentForm(
        request.POST or None,
        initial={"phenomenon": item.phenomenon, "minor_depicted": item.case.has_minor_depicted},
        confirmed=frozenset(confirmed_legal_bases()),
        default_facts_on=default_facts_on(item),
    )
    if form.is_valid():
        try:
            assessment = services.submit_assessment(item, actor=request.user, **form.cleaned_data)
        except FlagdeskError as e:
            show_error(form, e)
        else:
            messages.success(request, _("Assessment saved; it now waits for a reviewer."))
            # Saved, but what would stop its notice is said now, not at sending time.
            for check in assessment_checks(assessment):
                if not check.passed:
                    messages.warning(request, f"{check.label}: {check.message}")
            return redirect("cases:item-detail", item_id=item.id)
    return render(
        request,
        "cases/item_assess.html",
        {
            "item": item,
            "form": form,
            "phenomenon": phenomenon_label(item.phenomenon) if item.phenomenon else "",
        },
    )


def _why_not_reviewer(request: HttpRequest, assessment_id: UUID) -> str:
    """The author of an assessment is told the four-eyes rule, not only the roles."""
    own = queries.visible_assessments(request.user).filter(id=assessment_id, author=request.user)
    if own.exists():
        return _("You wrote this assessment, so another reviewer must decide on it.")
    return ""


@role_required(*REVIEWER_ROLES, explain=_why_not_reviewer)
def assessment_review(request: HttpRequest, assessment_id: UUID) -> HttpResponse:
    # Visible, not merely reviewable: an author reaches the service's four-eyes refusal.
    assessment = get_object_or_404(queries.visible_assessments(request.user), id=assessment_id)
    form = ReviewForm(request.POST or None)
    if form.is_valid():
        try:
            services.review_assessment(assessment, actor=request.user, **form.service_kwargs())
        except FlagdeskError as e:
            show_error(form, e)
        else:
            if form.service_kwargs()["approve"]:
                messages.success(request, _("Assessment approved."))
            else:
                messages.success(request, _("Assessment sent back to the analyst."))
            return redirect("cases:item-detail", item_id=assessment.item_id)
    is_reviewed = hasattr(assessment, "review")
    return render(
        request,
        "cases/assessment_review.html",
        {
            "a": describe_assessment(assessment, with_checks=True),
            "item": assessment.item,
            "form": form,
            "is_own": assessment.author_id == request.user.pk,
            "is_open": not is_reviewed and assessment.item.status == Item.Status.AWAITING_REVIEW,
        },
    )


@role_required(*ASSESSOR_ROLES)
def approved(request: HttpRequest) -> HttpResponse:
    items = queries.approved_items(request.user)
    groups = [
        {"platform": platform, "items": list(rows)}
        for platform, rows in groupby(items, key=lambda i: i.platform)
    ]
    groups.sort(key=lambda g: g["platform"] is None)  # the unknown-platform group last
    # Offered when some item's phenomenon can omit the notifier at all: read from the taxonomy,
    # not per item from the database; the pre-flight decides for the items ticked.
    phenomena = taxonomy.phenomena()
    offer_anonymity = bool(settings.ANONYMOUS_SENDER) and any(
        (p := phenomena.get(item.phenomenon)) is not None
        and (p.csam_anonymity_exception or p.csam_anonymity_exception_if_victim_minor)
        for group in groups
        for item in group["items"]
    )
    return render(
        request, "cases/approved.html", {"groups": groups, "offer_anonymity": offer_anonymity}
    )


def anonymity_possible(item: Item) -> bool:
    """Whether the item page offers "omit our name": an anonymous sender is configured and
    the item's latest qualification allows it (art. 16(2)(c)); the pre-flight decides."""
    if not settings.ANONYMOUS_SENDER:
        return False
    latest = item.assessments.order_by("-created_at").first()
    return latest is not None and may_omit_notifier(item, latest)


@require_POST
@role_required(*ASSESSOR_ROLES)
def item_platform(request: HttpRequest, item_id: UUID) -> HttpResponse:
    """The item page's platform form (``cases/_item_platform.html``); back to the item."""
    item = get_object_or_404(queries.visible_items(request.user), id=item_id)
    form = ItemPlatformForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("cases:item-detail", item_id=item.id)
    try:
        event = services.set_item_platform(item, actor=request.user, **form.cleaned_data)
    except FlagdeskError as e:
        messages.error(request, str(e.message))
    else:
        if event is None:
            messages.info(request, _("The item is already on %(name)s.") % {"name": item.platform})
        else:
            messages.success(request, _("The item is now on %(name)s.") % {"name": item.platform})
    return redirect("cases:item-detail", item_id=item.id)


@require_POST
@role_required(*ASSESSOR_ROLES)
def item_identifiers(request: HttpRequest, item_id: UUID) -> HttpResponse:
    """The item page's identifiers form (``cases/_item_identifiers.html``); back to the item."""
    item = get_object_or_404(queries.visible_items(request.user), id=item_id)
    form = IdentifiersForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("cases:item-detail", item_id=item.id)
    try:
        event = services.set_item_identifiers(item, actor=request.user, changes=form.cleaned_data)
    except FlagdeskError as e:
        for name, errors in e.fields.items():  # "identifiers.posted_at": named by its label
            key = name.removeprefix("identifiers.")
            label = FIELDS[key][0] if key in FIELDS else key
            messages.error(request, f"{label}: {' '.join(str(m) for m in errors)}")
    else:
        if event is None:
            messages.info(request, _("Nothing changed."))
        else:
            messages.success(request, _("The identifiers were saved; later notices carry them."))
    return redirect("cases:item-detail", item_id=item.id)
