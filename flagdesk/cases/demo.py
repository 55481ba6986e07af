"""Cases' part of ``flagdesk demo``: a note and an open task on a case of two items, so the
demo analyst finds work in "My tasks" and on the case page (fictional text only)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from flagdesk.accounts.models import User

from .models import Case
from .services.notes import add_note, add_task


def load(users: dict[str, User], *, case: Case) -> dict[str, int]:
    """A note by the reviewer and a task for the analyst, due in two days, on ``case``."""
    add_note(
        case,
        actor=users["bob"],
        text=(
            "Fictional demo note: the same recording is on two platforms; send both notices "
            "together once the assessments are approved."
        ),
    )
    add_task(
        case,
        actor=users["carol"],
        title="Hash the recording and add it to the own-cases bank",
        assignee=users["alice"],
        due_on=timezone.localdate() + dt.timedelta(days=2),
        description="Fictional demo task: the reporter sent the file with the report.",
    )
    return {"notes": 1, "tasks": 1}
