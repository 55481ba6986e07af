"""Claim, release and assign (cases/services/assignment.py) and their API calls."""

from __future__ import annotations

import pytest

from flagdesk.accounts.models import User
from flagdesk.cases.models import CaseEvent, Item
from flagdesk.cases.services import AlreadyClaimed, assign_item, claim_item, release_item
from flagdesk.cases.tests.factories import reported_item
from flagdesk.core.errors import PermissionDenied, ValidationFailed

pytestmark = pytest.mark.django_db


def events(item: Item) -> list[dict]:
    return [e.data for e in CaseEvent.objects.filter(item=item, kind=CaseEvent.Kind.ASSIGNED)]


def test_claim_takes_an_unassigned_item_and_writes_who(users):
    item = reported_item()
    claim_item(item, actor=users["analyst"])
    item.refresh_from_db()
    assert item.assignee == users["analyst"] and item.assigned_at is not None
    assert events(item) == [{"how": "claim", "before": "", "after": "alice"}]
    assert claim_item(item, actor=users["analyst"]) is None  # already mine: nothing written
    assert len(events(item)) == 1


def test_the_slower_of_two_claims_is_told_who_was_first(users):
    item = reported_item()
    stale = Item.objects.get(pk=item.pk)  # bob loaded the queue before alice claimed
    claim_item(item, actor=users["analyst"])
    with pytest.raises(AlreadyClaimed) as refused:
        claim_item(stale, actor=users["reviewer"])
    assert "alice" in str(refused.value.message)
    item.refresh_from_db()
    assert item.assignee == users["analyst"]


def test_a_claim_losing_the_race_at_the_update_is_refused(users):
    """The conditional UPDATE: the row changed between the read and the write."""
    from flagdesk.cases.services.assignment import _move

    item = reported_item()
    Item.objects.filter(pk=item.pk).update(assignee=users["reviewer"])
    with pytest.raises(AlreadyClaimed) as refused:
        _move(item, seen=None, to=users["analyst"], actor=users["analyst"], how="claim")
    assert "bob" in str(refused.value.message)
    assert events(item) == []


def test_release_is_for_the_assignee_or_those_who_assign(users):
    item = reported_item()
    claim_item(item, actor=users["analyst"])
    with pytest.raises(PermissionDenied):
        release_item(item, actor=users["intake"])
    release_item(item, actor=users["coordinator"])
    item.refresh_from_db()
    assert item.assignee is None
    assert events(item)[-1] == {"how": "release", "before": "alice", "after": ""}


def test_assign_only_to_colleagues_doing_casework(users):
    item = reported_item()
    for outsider in ("admin", "auditor", "partner", "none"):
        with pytest.raises(ValidationFailed):
            assign_item(item, actor=users["coordinator"], to=users[outsider])
    with pytest.raises(PermissionDenied):
        assign_item(item, actor=users["analyst"], to=users["reviewer"])  # analysts claim only
    assign_item(item, actor=users["coordinator"], to=users["analyst"])
    item.refresh_from_db()
    assert item.assignee == users["analyst"]
    assert events(item) == [{"how": "assign", "before": "", "after": "alice"}]


def test_assign_respects_need_to_know(users):
    """An intake officer without clearance cannot be given an item involving a minor."""
    item = reported_item(phenomenon="csam")
    with pytest.raises(ValidationFailed):
        assign_item(item, actor=users["coordinator"], to=users["intake"])


def test_the_api_claims_releases_and_assigns(api, users):
    item = reported_item()
    url = f"/items/{item.id}"
    response = api("analyst").post(f"{url}/claim")
    assert response.status_code == 200, response.content
    assert response.json()["assignee"] == "alice"
    response = api("reviewer").post(f"{url}/claim")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "already_claimed"
    response = api("coordinator").post(f"{url}/assign", {"user": "bob"})
    assert response.json()["assignee"] == "bob"
    response = api("coordinator").post(f"{url}/assign", {"user": "erin"})
    assert response.status_code == 422
    assert response.json()["error"]["fields"]["user"]
    response = api("analyst").post(f"{url}/assign", {"user": "alice"})
    assert response.status_code == 403
    response = api("reviewer").post(f"{url}/release")
    assert response.json()["assignee"] is None
    assert User.objects.get(username="bob").assigned_items.count() == 0
