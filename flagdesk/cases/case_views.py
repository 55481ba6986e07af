"""The case page and what is done from it: merging, splitting, notes and tasks; "My tasks".

A case is reached through the user's scope (``queries.visible_case``): a case none of whose
items the user may see answers 404, like one that does not exist. The old address of a
merged case leads to the survivor, when the user may see it. Later apps' sections (matches,
notices...) come as ``panels``, passed in by ``flagdesk.site.views.case_detail``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from flagdesk.accounts.menu import may_open
from flagdesk.accounts.permissions import role_required, staff_user
from flagdesk.accounts.policy import CASEWORK_ROLES
from flagdesk.core.errors import FlagdeskError
from flagdesk.core.forms import show_error
from flagdesk.core.panels import Panel, render_panels

from . import queries
from .case_forms import MergeForm, NoteForm, SplitForm, TaskForm
from .forms import RevealForm
from .models import Case, Item
from .services.merge import MERGE_ROLES, access_after_merge, merge_cases, split_case
from .services.notes import (
    NOTES_ROLES,
    add_note,
    add_task,
    assignable_staff,
    complete_task,
    reopen_task,
)
from .views import phenomenon_label, timeline_rows

# What a later app offers the case page: ``(request, case, items) -> Panel | None``, where
# ``items`` are the case's items the user may see (see flagdesk/site/views.py CASE_PANELS).
CasePanelProviders = Sequence[Callable[[HttpRequest, Case, list[Item]], Panel | None]]


def _case_or_survivor(request: HttpRequest, case_id: UUID, route: str) -> Case | HttpResponse:
    """The case in the user's scope; for a merged case, a redirect to the same page of the
    survivor with a message; 404 otherwise."""
    case = queries.visible_case(staff_user(request), case_id)
    return case if case is not None else to_survivor(request, case_id, route)


def to_survivor(request: HttpRequest, case_id: UUID, route: str) -> HttpResponse:
    """The old address of a merged case: the same page of the case it was merged into, with
    a message, when the user may open that one; 404 otherwise (as for no case at all)."""
    survivor = queries.survivor_of(staff_user(request), case_id)
    if survivor is None:
        raise Http404
    messages.info(
        request,
        _("That case was merged into case %(ref)s; you are on its page now.")
        % {"ref": survivor.reference},
    )
    return redirect(route, case_id=survivor.pk)


@role_required(*CASEWORK_ROLES)
def case_detail(
    request: HttpRequest, case_id: UUID, panels: CasePanelProviders = ()
) -> HttpResponse:
    found = _case_or_survivor(request, case_id, "cases:case-detail")
    if isinstance(found, HttpResponse):
        return found
    user = staff_user(request)
    case = found
    items = list(queries.case_items(user, case))
    may_note = user.has_any_role(*NOTES_ROLES)
    reports = list(case.reports.prefetch_related("items").order_by("created_at"))
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "rows": [(item, phenomenon_label(item.phenomenon)) for item in items],
            "reports": reports,
            "reports_elsewhere": list(queries.cases_holding_reports_of(case)),
            "reveal_form": RevealForm(),
            "timeline": timeline_rows(queries.case_timeline(user, case)),
            "named": list(case.restricted_to.order_by("username")),
            "merged_from": list(case.merged_cases.order_by("created_at")),
            "notes": list(queries.case_notes(case)),
            "tasks": list(queries.case_tasks(case)),
            "today": timezone.localdate(),
            "note_form": NoteForm(items=items, auto_id="note-%s") if may_note else None,
            "task_form": TaskForm(items=items, staff=assignable_staff(case), auto_id="task-%s")
            if may_note
            else None,
            "may_merge": may_open(user, "cases:case-merge", case.pk),
            "may_split": len(items) > 1 and may_open(user, "cases:case-split", case.pk),
            "panels": render_panels(request, [p(request, case, items) for p in panels]),
        },
    )


@role_required(*MERGE_ROLES)
def case_merge(request: HttpRequest, case_id: UUID) -> HttpResponse:
    """Merge another case (named by its reference) into this one."""
    found = _case_or_survivor(request, case_id, "cases:case-merge")
    if isinstance(found, HttpResponse):
        return found
    user, into = staff_user(request), found
    form = MergeForm(request.POST or None)
    access: dict[str, Any] | None = None
    if form.is_valid():
        source = queries.case_reference(user, form.cleaned_data["reference"])
        if source is None:
            form.add_error("reference", _("No case you may open has this reference."))
        else:
            differs, named = access_after_merge(source, into)
            access = {"differs": differs, "named": named, "source": source}
            try:
                merge_cases(
                    source,
                    into,
                    actor=user,
                    reason=form.cleaned_data["reason"],
                    confirm_access=form.cleaned_data["confirm_access"],
                )
            except FlagdeskError as e:
                show_error(form, e)
            else:
                messages.success(
                    request,
                    _("Case %(source)s was merged into case %(into)s.")
                    % {"source": source.reference, "into": into.reference},
                )
                return redirect("cases:case-detail", case_id=into.pk)
    return render(
        request,
        "cases/case_merge.html",
        {"case": into, "form": form, "access": access},
        status=422 if request.method == "POST" else 200,
    )


@role_required(*MERGE_ROLES)
def case_split(request: HttpRequest, case_id: UUID) -> HttpResponse:
    """Move some of the case's items (and the reports only about them) to a new case."""
    found = _case_or_survivor(request, case_id, "cases:case-split")
    if isinstance(found, HttpResponse):
        return found
    user, case = staff_user(request), found
    items = list(queries.case_items(user, case))
    form = SplitForm(request.POST or None, items=items)
    if form.is_valid():
        try:
            new = split_case(
                case, form.cleaned_data["items"], actor=user, reason=form.cleaned_data["reason"]
            )
        except FlagdeskError as e:
            show_error(form, e)
        else:
            messages.success(
                request,
                _("The chosen items are now in the new case %(ref)s.") % {"ref": new.reference},
            )
            return redirect("cases:case-detail", case_id=new.pk)
    return render(
        request,
        "cases/case_split.html",
        {"case": case, "form": form, "can_split": len(items) > 1},
        status=422 if request.method == "POST" else 200,
    )


def _back(case: Case, anchor: str) -> HttpResponse:
    return redirect(f"{reverse('cases:case-detail', kwargs={'case_id': case.pk})}#{anchor}")


def _form_errors(request: HttpRequest, form: Any) -> None:
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))


def _open_case(request: HttpRequest, case_id: UUID) -> Case:
    case = queries.visible_case(staff_user(request), case_id)
    if case is None:
        raise Http404
    return case


@require_POST
@role_required(*NOTES_ROLES)
def case_note(request: HttpRequest, case_id: UUID) -> HttpResponse:
    case = _open_case(request, case_id)
    items = list(queries.case_items(staff_user(request), case))
    form = NoteForm(request.POST, items=items)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(case, "notes")
    try:
        add_note(case, actor=staff_user(request), **form.cleaned_data)
    except FlagdeskError as e:
        messages.error(request, str(e.message))
    else:
        messages.success(request, _("Note added."))
    return _back(case, "notes")


@require_POST
@role_required(*NOTES_ROLES)
def case_task(request: HttpRequest, case_id: UUID) -> HttpResponse:
    case = _open_case(request, case_id)
    user = staff_user(request)
    items = list(queries.case_items(user, case))
    form = TaskForm(request.POST, items=items, staff=assignable_staff(case))
    if not form.is_valid():
        _form_errors(request, form)
        return _back(case, "tasks")
    try:
        task = add_task(case, actor=user, **form.cleaned_data)
    except FlagdeskError as e:
        messages.error(request, str(e.message))
    else:
        messages.success(request, _("Task added for %(name)s.") % {"name": task.assignee.username})
    return _back(case, "tasks")


@require_POST
@role_required(*NOTES_ROLES)
def task_done(request: HttpRequest, task_id: UUID) -> HttpResponse:
    """Mark a task done (``done=1``) or open it again (``done=0``); back to where it was
    clicked (the case page, or My tasks with ``next=mine``)."""
    user = staff_user(request)
    task = queries.visible_task(user, task_id)
    if task is None:
        raise Http404
    try:
        if request.POST.get("done", "1") == "1":
            complete_task(task, actor=user)
            messages.success(request, _("Task done: %(title)s") % {"title": task.title})
        else:
            reopen_task(task, actor=user)
            messages.success(request, _("Task open again: %(title)s") % {"title": task.title})
    except FlagdeskError as e:
        messages.info(request, str(e.message))
    if request.POST.get("next") == "mine":
        return redirect("cases:my-tasks")
    return _back(task.case, "tasks")


@role_required(*NOTES_ROLES)
def my_tasks(request: HttpRequest) -> HttpResponse:
    """Open tasks assigned to me, overdue first."""
    return render(
        request,
        "cases/my_tasks.html",
        {"tasks": list(queries.my_tasks(staff_user(request))), "today": timezone.localdate()},
    )
