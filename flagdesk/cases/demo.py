"""Cases' part of ``flagdesk demo``: a note and an open task on a case of two items, so the
demo analyst finds work in "My tasks" and on the case page, and the facts an analyst recorded
for the statistics on the demo's cases (fictional people, fictional text only)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from flagdesk.accounts.models import User

from .models import Case, Item
from .services.case_facts import record_facts
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


# The facts recorded on the demo's cases, by the address of the case's first item (the demo's
# reports in flagdesk/site/demo.py); all fictional, in line with what each report says.
DEMO_FACTS: dict[str, dict[str, object]] = {
    "https://photogram.example/p/demo-1002": {"victim_age": 29, "victim_gender": "female"},
    "https://cliptube.example/watch?v=demo1003": {
        "victim_age": 21,
        "school_level": "higher",
        "victim_gender": "female",
    },
    "https://threadly.example/t/demo-1004": {"victim_age": 41, "victim_gender": "female"},
    "https://pinboard.example/pin/demo-1006": {"victim_age": 27, "victim_gender": "female"},
    "https://snapchatter.example/story/demo-1008": {
        "victim_age": 20,
        "school_level": "higher",
        "victim_gender": "male",
        "demand_money": True,
    },
    "https://chirp.example/demo_other/status/1009": {"victim_age": 31, "victim_gender": "female"},
    "https://photogram.example/p/demo-1011": {"victim_age": 26, "victim_gender": "non_binary"},
    "https://snapchatter.example/story/demo-1014": {
        "victim_age": 15,
        "school_level": "secondary",
        "victim_gender": "male",
        "demand_money": True,
        "demand_images": True,
    },
}


def load_facts(users: dict[str, User], *, items_by_url: dict[str, Item]) -> dict[str, int]:
    """The facts of ``DEMO_FACTS``, recorded by the demo analyst on each item's case as it is
    now (an item may have moved to the known case since it was reported)."""
    count = 0
    for url, fields in DEMO_FACTS.items():
        item = items_by_url.get(url)
        if item is None:
            continue
        case = Item.objects.select_related("case").get(pk=item.pk).case
        record_facts(case, actor=users["alice"], **fields)
        count += 1
    return {"facts": count}
