"""Notes and tasks on a case, and "My tasks"."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from flagdesk.accounts.models import User
from flagdesk.cases.models import CaseEvent, CaseNote, Task
from flagdesk.cases.services.notes import add_note, add_task, complete_task, reopen_task
from flagdesk.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

from .factories import reported_case

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def test_a_note_is_encrypted_and_its_event_never_repeats_the_text(users):
    case = reported_case("https://social.test/n/1")
    item = case.items.get()
    note = add_note(case, actor=users["intake"], text="The victim's sister called.", item=item)
    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM cases_casenote WHERE id = %s", [note.pk.hex])
        row = cursor.fetchone()
    if row is None:  # UUIDs stored with dashes on some backends
        with connection.cursor() as cursor:
            cursor.execute("SELECT text FROM cases_casenote WHERE id = %s", [str(note.pk)])
            row = cursor.fetchone()
    assert "sister" not in row[0]
    [event] = CaseEvent.objects.filter(case=case, kind="note")
    assert event.data == {"note": str(note.pk)} and event.item_id == item.pk
    assert "sister" not in event.note
    assert CaseNote.objects.get().text == "The victim's sister called."


def test_notes_need_text_the_role_and_the_case_in_scope(users):
    case = reported_case("https://social.test/n/2")
    with pytest.raises(ValidationFailed):
        add_note(case, actor=users["analyst"], text="   ")
    with pytest.raises(PermissionDenied):
        add_note(case, actor=users["auditor"], text="A note.")
    case.restricted_to.set([users["coordinator"]])
    with pytest.raises(NotFound):
        add_note(case, actor=users["analyst"], text="A note.")
    other = reported_case("https://social.test/n/3")
    with pytest.raises(NotFound):
        add_note(other, actor=users["analyst"], text="A note.", item=case.items.get())


def test_task_is_for_someone_who_may_open_the_case(users):
    case = reported_case("https://social.test/n/4")
    case.restricted_to.set([users["coordinator"], users["analyst"]])
    with pytest.raises(ValidationFailed) as refused:
        add_task(case, actor=users["analyst"], title="Call back", assignee=users["reviewer"])
    assert "assignee" in refused.value.fields
    with pytest.raises(ValidationFailed):
        add_task(case, actor=users["analyst"], title="Audit", assignee=users["auditor"])
    task = add_task(case, actor=users["analyst"], title="Call back", assignee=users["coordinator"])
    assert task.assignee == users["coordinator"]
    assert CaseEvent.objects.get(case=case, kind="note").data == {"task": str(task.pk)}


def test_complete_and_reopen_a_task(users):
    case = reported_case("https://social.test/n/5")
    task = add_task(case, actor=users["analyst"], title="Hash it", assignee=users["reviewer"])
    complete_task(task, actor=users["intake"])  # a colleague may finish it
    task.refresh_from_db()
    assert task.done_by == users["intake"] and task.done_at is not None
    with pytest.raises(Conflict):
        complete_task(task, actor=users["reviewer"])
    reopen_task(task, actor=users["reviewer"])
    task.refresh_from_db()
    assert task.done_at is None and task.done_by is None
    kinds = list(CaseEvent.objects.filter(case=case, kind="note").values_list("after", flat=True))
    assert kinds == ["task", "task_done", "task_reopened"]


def test_note_and_task_forms_on_the_case_page(client, users):
    case = reported_case("https://social.test/n/6")
    client.force_login(users["analyst"])
    url = reverse("cases:case-detail", args=[case.pk])
    response = client.post(reverse("cases:case-note", args=[case.pk]), {"text": "Spoke to her."})
    assert response.status_code == 302 and response["Location"] == f"{url}#notes"
    due = (TODAY + dt.timedelta(days=3)).isoformat()
    data = {"title": "Send the reminder", "assignee": users["reviewer"].pk, "due_on": due}
    response = client.post(reverse("cases:case-task", args=[case.pk]), data)
    assert response.status_code == 302
    html = client.get(url).content.decode()
    assert "Spoke to her." in html and "Send the reminder" in html and "for bob" in html
    assert "note written" in html and "task given" in html  # the timeline, without the text
    # A form error comes back as a message, nothing stored.
    response = client.post(reverse("cases:case-task", args=[case.pk]), {"title": ""}, follow=True)
    assert Task.objects.count() == 1
    assert "This field is required." in response.content.decode()


def test_intake_may_write_notes_auditor_may_not(client, users):
    case = reported_case("https://social.test/n/7")
    client.force_login(users["intake"])
    response = client.post(reverse("cases:case-note", args=[case.pk]), {"text": "Call logged."})
    assert response.status_code == 302
    client.force_login(users["auditor"])
    response = client.post(reverse("cases:case-note", args=[case.pk]), {"text": "Hello."})
    assert response.status_code == 403
    assert CaseNote.objects.count() == 1


def test_my_tasks_lists_my_open_tasks_overdue_first(client, users):
    bob: User = users["reviewer"]
    case = reported_case("https://social.test/n/8")
    hidden = reported_case("https://social.test/n/9")

    def task(title: str, due: int | None, case=case) -> Task:
        due_on = TODAY + dt.timedelta(days=due) if due is not None else None
        return add_task(case, actor=users["analyst"], title=title, assignee=bob, due_on=due_on)

    task("No date", None)
    task("Next week", 7)
    task("Overdue", -2)
    done = task("Done already", -5)
    complete_task(done, actor=bob)
    add_task(case, actor=users["analyst"], title="For alice", assignee=users["analyst"])
    task("Out of reach now", -9, case=hidden)
    hidden.restricted_to.set([users["coordinator"]])
    client.force_login(bob)
    response = client.get(reverse("cases:my-tasks"))
    assert [t.title for t in response.context["tasks"]] == ["Overdue", "Next week", "No date"]
    html = response.content.decode()
    assert "overdue since" in html
    assert reverse("cases:case-detail", args=[case.pk]) in html
    # Done from the list, back to the list.
    overdue = Task.objects.get(title="Overdue")
    response = client.post(
        reverse("cases:task-done", args=[overdue.pk]), {"done": "1", "next": "mine"}
    )
    assert response["Location"] == reverse("cases:my-tasks")
    overdue.refresh_from_db()
    assert overdue.done_by == bob


def test_task_of_a_case_out_of_reach_is_404(client, users):
    case = reported_case("https://social.test/n/10")
    task = add_task(case, actor=users["analyst"], title="Check", assignee=users["analyst"])
    case.restricted_to.set([users["coordinator"]])
    client.force_login(users["analyst"])
    assert client.post(reverse("cases:task-done", args=[task.pk])).status_code == 404
    task.refresh_from_db()
    assert task.done_at is None
