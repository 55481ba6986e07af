"""The workbench: one queue by priority, claim and assign, bulk actions, search (S3)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from flagdesk.accounts.models import User
from flagdesk.accounts.permissions import role_required, staff_user
from flagdesk.accounts.policy import CASEWORK_ROLES, Action, roles_for
from flagdesk.cases.forms import AssessmentForm
from flagdesk.cases.priority import explain
from flagdesk.cases.services import claim_item
from flagdesk.cases.services.assessment import ASSESSOR_ROLES
from flagdesk.cases.services.assignment import ASSIGN_ROLES, colleagues
from flagdesk.core import taxonomy
from flagdesk.core.errors import FlagdeskError
from flagdesk.core.forms import show_error
from flagdesk.notices.services import QUEUE_ROLES, PreflightFailed
from flagdesk.organisation.queries import confirmed_legal_bases
from flagdesk.platforms.queries import platforms

from . import queries, services
from .forms import BulkForm, WorkbenchFilterForm

CLAIM_ROLES = roles_for(Action.CLAIM)


def _phenomenon(code: str) -> str:
    p = taxonomy.phenomena().get(code)
    return p.label() if p else code


def _cursor(raw: str) -> tuple[dt.datetime, str] | None:
    """``after=<due time>~<id>`` of the previous page's last row; anything else: page one."""
    due, _sep, item_id = raw.partition("~")
    try:
        parsed = dt.datetime.fromisoformat(due)
    except ValueError:
        return None
    if len(item_id) != 36 or timezone.is_naive(parsed):
        return None
    return parsed, item_id


def _back(request: HttpRequest) -> str:
    """The queue as it was (filters, page) when a form on it was posted."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("workbench:queue")


def _colleague_choices(user: User) -> list[tuple[str, str]]:
    if not user.has_any_role(*ASSIGN_ROLES):
        return []
    return [(u.username, u.username) for u in colleagues()]


def short_url(url: str) -> str:
    """An address without its scheme: the host comes first in a narrow column."""
    for scheme in ("https://", "http://"):
        if url.lower().startswith(scheme):
            return url[len(scheme) :]
    return url


def _span(seconds: float, units: dict[str, str]) -> str:
    """A short duration ("40 min", "5 h", "3 d"): 50 rows of ``timesince`` cost more than
    the rest of the page."""
    minutes = max(int(seconds // 60), 0)
    if minutes < 60:
        return units["min"] % {"n": minutes}
    if minutes < 48 * 60:
        return units["h"] % {"n": minutes // 60}
    return units["d"] % {"n": minutes // 1440}


def _rows(items: list[Any], now: dt.datetime) -> list[dict[str, Any]]:
    """What each row shows, worked out once per page (words looked up once, not per row)."""
    units = {"min": _("%(n)d min"), "h": _("%(n)d h"), "d": _("%(n)d d")}
    overdue_by, due_in = _("%(time)s overdue"), _("in %(time)s")
    reasons: dict[tuple[str, bool, int], str] = {}
    rows = []
    for item in items:
        key = (item.phenomenon, item.involves_minor, item.virality)
        if key not in reasons:
            reasons[key] = " ".join(explain(item))
        overdue = item.priority_at is not None and item.priority_at < now
        due = ""
        if item.priority_at is not None:
            left = (item.priority_at - now).total_seconds()
            due = (overdue_by if overdue else due_in) % {"time": _span(abs(left), units)}
        rows.append(
            {
                "item": item,
                "href": reverse("cases:item-detail", args=[item.id]),
                "case_href": reverse("cases:case-detail", args=[item.case_id]),
                "short_url": short_url(item.url),
                "phenomenon": _phenomenon(item.phenomenon) if item.phenomenon else "",
                "overdue": overdue,
                "due": due,
                "age": _span((now - item.created_at).total_seconds(), units),
                "why": reasons[key],
            }
        )
    return rows


@role_required(*CASEWORK_ROLES)
def queue(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    now = timezone.now()
    choices = list(platforms().prefetch_related(None).values_list("slug", "name"))
    form = WorkbenchFilterForm(request.GET or None, platforms=choices)
    filters = form.filters()
    cursor = _cursor(request.GET.get("after", ""))
    items, next_cursor = queries.page_after(queries.queue(user, filters, now=now), cursor)
    pictures = queries.pictures_to_find(user)
    return render(
        request,
        "workbench/queue.html",
        {
            "form": form,
            "rows": _rows(items, now),
            "counters": queries.counters(user, now=now),
            "pictures": pictures[: queries.PICTURES_SHOWN],
            "more_pictures": len(pictures) > queries.PICTURES_SHOWN,
            "filters": filters,
            "next_after": f"{next_cursor[0].isoformat()}~{next_cursor[1]}" if next_cursor else "",
            "is_first_page": cursor is None,
            "colleagues": _colleague_choices(user),
            "may_assess": user.has_any_role(*ASSESSOR_ROLES),
            "may_notify": user.has_any_role(*QUEUE_ROLES),
            "may_claim": user.has_any_role(*CLAIM_ROLES),
            "now": now,
        },
    )


@require_POST
@role_required(*CLAIM_ROLES)
def claim(request: HttpRequest) -> HttpResponse:
    """The queue's Claim button (and the ``c`` shortcut): one item, back to the queue."""
    user = staff_user(request)
    item_id = request.POST.get("item_id", "")
    found = queries.selected(user, [item_id]) if _is_uuid(item_id) else []
    if not found:
        messages.error(request, _("This item is not in your queue any more."))
        return redirect(_back(request))
    item = found[0]
    try:
        event = claim_item(item, actor=user)
    except FlagdeskError as e:
        messages.error(request, f"{item.case.reference}: {e.message}")
    else:
        if event is None:
            messages.info(request, _("%(case)s is already yours.") % {"case": item.case.reference})
        else:
            # A case may hold several items: name the one taken, not only its case.
            messages.success(
                request,
                _("You took %(case)s (%(url)s).")
                % {"case": item.case.reference, "url": short_url(item.url)[:80]},
            )
    return redirect(_back(request))


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _refusal_messages(request: HttpRequest, refusals: list[services.ItemRefusal]) -> None:
    for r in refusals:
        messages.warning(request, f"{r.item.case.reference} ({r.item.url[:80]}): {r.message}")


@require_POST
@role_required(*CASEWORK_ROLES)
def bulk(request: HttpRequest) -> HttpResponse:
    """The bulk toolbar: claim, release or assign the ticked items, assess them together,
    or send notices for them."""
    user = staff_user(request)
    form = BulkForm(request.POST, colleagues=_colleague_choices(user))
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect(_back(request))
    ids = form.cleaned_data["item_ids"]
    action = form.cleaned_data["action"]
    if action == "assess":
        query = urlencode([("ids", i) for i in ids])
        return redirect(f"{reverse('workbench:bulk-assess')}?{query}")
    items = queries.selected(user, ids)
    if len(items) != len(ids):
        messages.error(request, _("Some of the ticked items are not in your queue any more."))
        return redirect(_back(request))
    if action == "notify":
        return _notify(request, user, items)
    to = None
    if action == "assign":  # the form offered only these colleagues
        chosen = form.cleaned_data["assignee"]
        to = next((u for u in colleagues() if u.username == chosen), None)
    try:
        outcome = services.assign_selected(items, actor=user, how=action, to=to)
    except FlagdeskError as e:
        messages.error(request, str(e.message))
        return redirect(_back(request))
    if outcome.changed:
        messages.success(
            request,
            ngettext("%(count)d item updated.", "%(count)d items updated.", len(outcome.changed))
            % {"count": len(outcome.changed)},
        )
    _refusal_messages(request, outcome.refused)
    return redirect(_back(request))


def _notify(request: HttpRequest, user: User, items: list[Any]) -> HttpResponse:
    try:
        outcome = services.notify_selected(items, actor=user)
    except services.BulkRefused as e:
        messages.error(request, str(e.message))
        _refusal_messages(request, e.refusals)
    except PreflightFailed as e:
        messages.error(
            request,
            ngettext(
                "No notice was queued: the pre-flight found %(count)d problem.",
                "No notice was queued: the pre-flight found %(count)d problems.",
                len(e.preflight.problems),
            )
            % {"count": len(e.preflight.problems)},
        )
        by_id = {str(i.id): i for i in items}
        for p in e.preflight.problems:
            item = by_id.get(str(p.item_id)) if p.item_id else None
            messages.warning(request, f"{item.case.reference}: {p.message}" if item else p.message)
    except FlagdeskError as e:
        messages.error(request, str(e.message))
    else:
        messages.success(
            request,
            ngettext(
                "%(count)d notice queued: %(references)s.",
                "%(count)d notices queued: %(references)s.",
                len(outcome.notices),
            )
            % {
                "count": len(outcome.notices),
                "references": ", ".join(n.reference for n in outcome.notices),
            },
        )
        if outcome.left_out:
            messages.warning(
                request,
                ngettext(
                    "%(count)d ticked item was left out:",
                    "%(count)d ticked items were left out:",
                    len(outcome.left_out),
                )
                % {"count": len(outcome.left_out)},
            )
            _refusal_messages(request, outcome.left_out)
    return redirect(_back(request))


@role_required(*ASSESSOR_ROLES)
def bulk_assess(request: HttpRequest) -> HttpResponse:
    """One assessment form for several items of the same content; each gets its own
    assessment and its own review. Nothing is saved unless every item takes it."""
    user = staff_user(request)
    source = request.POST if request.method == "POST" else request.GET
    ids = [i for i in source.getlist("ids") if _is_uuid(i)][: services.MAX_BULK]
    items = queries.selected(user, ids)
    phenomena = {i.phenomenon for i in items if i.phenomenon}
    form = AssessmentForm(
        request.POST if request.method == "POST" else None,
        initial={
            "phenomenon": phenomena.pop() if len(phenomena) == 1 else "",
            # Ticked for the batch only when every item already has it: it would mark every
            # other item's case as involving a minor and restrict it.
            "minor_depicted": bool(items) and all(i.case.has_minor_depicted for i in items),
        },
        confirmed=frozenset(confirmed_legal_bases()),
    )
    why: dict[Any, str] = {}
    if request.method == "POST" and form.is_valid():
        try:
            done = services.assess_together(items, actor=user, **form.cleaned_data)
        except services.BulkRefused as e:
            form.add_error(None, str(e.message))
            why = {r.item.id: r.message for r in e.refusals}
        except FlagdeskError as e:
            show_error(form, e)
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)d assessment saved; each waits for a reviewer.",
                    "%(count)d assessments saved; each waits for a reviewer.",
                    len(done),
                )
                % {"count": len(done)},
            )
            return redirect("workbench:queue")
    return render(
        request,
        "workbench/bulk_assess.html",
        {
            "form": form,
            "items": items,
            "rows": [(item, why.get(item.id, "")) for item in items],
            "with_minor": [i for i in items if i.case.has_minor_depicted or i.involves_minor],
        },
    )


@role_required(*CASEWORK_ROLES)
def search(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    results = queries.search(user, request.GET.get("q", ""))
    now = timezone.now()
    return render(
        request,
        "workbench/search.html",
        {"results": results, "rows": _rows(results.items, now), "now": now},
    )
