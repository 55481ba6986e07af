"""Notes and tasks on a case, for colleagues (docs/cases.md#notes-and-tasks).

A note is never edited: a correction is a new note. A task is assigned to a caseworker who
may open the case, done and, if need be, reopened. Their text may name people, so it is
encrypted at rest; the case timeline gets a ``note`` event that names the note or task by
id and never repeats its text (timelines go into statistics and court bundles).

Reading notes needs no audited reveal: they are the team's own working notes, written for
the colleagues who work on the case, and only staff within the case's need-to-know scope
see them. A reporter's identity and words stay behind the audited reveal of the report;
notes should not copy them.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from flagdesk.accounts.models import User
from flagdesk.accounts.permissions import require_role
from flagdesk.accounts.policy import Action, roles_for
from flagdesk.core.errors import Conflict, NotFound, ValidationFailed

from ..models import Case, CaseEvent, CaseNote, Item, Task
from ..queries import visible_case, visible_items

NOTES_ROLES = roles_for(Action.NOTES)
MAX_NOTE = 5000
MAX_TITLE = 200


def _case(actor: User, case: Case) -> Case:
    found = visible_case(actor, case.pk)
    if found is None or found.merged_into_id is not None:
        raise NotFound(_("No such case."))
    return found


def _item(actor: User, case: Case, item: Item | None) -> Item | None:
    if item is None:
        return None
    if not visible_items(actor).filter(pk=item.pk, case=case).exists():
        raise NotFound(_("No such item in this case."))
    return item


def _text(text: str, *, field: str, limit: int, missing: str) -> str:
    text = str(text).strip()
    if not text:
        raise ValidationFailed(missing, fields={field: [_("Required.")]})
    if len(text) > limit:
        raise ValidationFailed(
            _("At most %(limit)d characters.") % {"limit": limit},
            fields={field: [_("Too long.")]},
        )
    return text


def assignable_staff(case: Case) -> list[User]:
    """Active caseworkers who may open ``case`` (the task form offers them)."""
    staff = User.objects.filter(is_active=True, role__in=NOTES_ROLES).order_by("username")
    return [u for u in staff if visible_case(u, case.pk) is not None]


def _event(case: Case, item: Item | None, actor: User, kind: str, ref: str) -> None:
    CaseEvent.objects.create(
        case=case, item=item, kind=CaseEvent.Kind.NOTE, actor=actor, after=kind, data={kind: ref}
    )


@transaction.atomic
def add_note(case: Case, *, actor: User, text: str, item: Item | None = None) -> CaseNote:
    """A note on ``case`` (about ``item`` if given); ``note`` event with its id."""
    require_role(actor, *NOTES_ROLES)
    case = _case(actor, case)
    item = _item(actor, case, item)
    text = _text(text, field="text", limit=MAX_NOTE, missing=_("Write the note."))
    note = CaseNote.objects.create(case=case, item=item, author=actor, text=text)
    _event(case, item, actor, "note", str(note.pk))
    return note


@transaction.atomic
def add_task(
    case: Case,
    *,
    actor: User,
    title: str,
    assignee: User,
    description: str = "",
    due_on: dt.date | None = None,
    item: Item | None = None,
) -> Task:
    """A task on ``case`` for ``assignee``, who must be able to open the case."""
    require_role(actor, *NOTES_ROLES)
    case = _case(actor, case)
    item = _item(actor, case, item)
    title = _text(title, field="title", limit=MAX_TITLE, missing=_("Say what is to be done."))
    if len(description) > MAX_NOTE:
        raise ValidationFailed(
            _("At most %(limit)d characters.") % {"limit": MAX_NOTE},
            fields={"description": [_("Too long.")]},
        )
    if not (
        assignee.is_active
        and assignee.has_any_role(*NOTES_ROLES)
        and visible_case(assignee, case.pk) is not None
    ):
        raise ValidationFailed(
            _("%(name)s cannot work on this case.") % {"name": assignee.username},
            fields={"assignee": [_("Not allowed.")]},
        )
    task = Task.objects.create(
        case=case,
        item=item,
        title=title,
        description=description.strip(),
        assignee=assignee,
        due_on=due_on,
        created_by=actor,
    )
    _event(case, item, actor, "task", str(task.pk))
    return task


def _task(actor: User, task: Task) -> Task:
    found = Task.objects.filter(pk=task.pk).select_related("case").first()
    if found is None or visible_case(actor, found.case_id) is None:
        raise NotFound(_("No such task."))
    return found


@transaction.atomic
def complete_task(task: Task, *, actor: User) -> Task:
    """Mark ``task`` done (anyone who may open the case: a colleague may finish it)."""
    require_role(actor, *NOTES_ROLES)
    task = _task(actor, task)
    now = timezone.now()
    if not Task.objects.filter(pk=task.pk, done_at__isnull=True).update(done_at=now, done_by=actor):
        raise Conflict(_("This task is done already."))
    _event(task.case, task.item, actor, "task_done", str(task.pk))
    task.done_at, task.done_by = now, actor
    return task


@transaction.atomic
def reopen_task(task: Task, *, actor: User) -> Task:
    """Open a done task again."""
    require_role(actor, *NOTES_ROLES)
    task = _task(actor, task)
    if not Task.objects.filter(pk=task.pk, done_at__isnull=False).update(
        done_at=None, done_by=None
    ):
        raise Conflict(_("This task is open already."))
    _event(task.case, task.item, actor, "task_reopened", str(task.pk))
    task.done_at, task.done_by = None, None
    return task
