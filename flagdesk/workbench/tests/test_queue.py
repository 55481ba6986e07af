"""The workbench page: open items by due time, counters, filters, claim, keyset pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from flagdesk.cases.models import Item
from flagdesk.cases.services import claim_item
from flagdesk.cases.tests.factories import approved_item, assessed_item, reported_item
from flagdesk.workbench import queries

pytestmark = pytest.mark.django_db
URL = reverse("workbench:queue")


def listed(html: str, items: list[Item]) -> list[Item]:
    """The given items in the order the page shows them."""
    return sorted((i for i in items if str(i.id) in html), key=lambda i: html.index(str(i.id)))


def test_open_items_are_listed_gravest_first(client, users):
    harassment = reported_item(phenomenon="cyber_harassment")
    csam = reported_item(phenomenon="csam")
    ncii = reported_item(phenomenon="ncii")
    client.force_login(users["analyst"])
    response = client.get(URL)
    assert response.status_code == 200
    assert listed(response.content.decode(), [harassment, csam, ncii]) == [csam, ncii, harassment]


def test_finished_and_notified_items_are_not_on_the_workbench(client, users):
    open_item = reported_item()
    done = reported_item()
    Item.objects.filter(pk=done.pk).update(status=Item.Status.CLOSED)
    client.force_login(users["analyst"])
    html = client.get(URL).content.decode()
    assert str(open_item.id) in html and str(done.id) not in html


def test_counters_come_from_one_query(client, users, django_assert_max_num_queries):
    mine = reported_item()
    claim_item(mine, actor=users["analyst"])
    reported_item(phenomenon="csam")
    assessed_item(users)
    approved_item(users)
    Item.objects.filter(pk=mine.pk).update(priority_at=timezone.now() - dt.timedelta(hours=1))
    counts = queries.counters(users["analyst"], now=timezone.now())
    assert counts == {
        "open": 4, "unassigned": 3, "mine": 1, "overdue": 1, "minors": 1,
        "awaiting_review": 1, "approved": 1,
    }  # fmt: skip
    client.force_login(users["analyst"])
    with django_assert_max_num_queries(14):
        client.get(URL)


def test_filters_mine_unassigned_overdue_and_status(client, users):
    mine = reported_item()
    claim_item(mine, actor=users["analyst"])
    other = reported_item()
    late = reported_item()
    Item.objects.filter(pk=late.pk).update(priority_at=timezone.now() - dt.timedelta(hours=1))
    waiting, _ = assessed_item(users)
    client.force_login(users["analyst"])

    def shown(**params):
        html = client.get(URL, params).content.decode()
        return {i for i in (mine, other, late, waiting) if str(i.id) in html}

    assert shown(who="mine") == {mine}
    assert shown(who="unassigned") == {other, late, waiting}
    assert shown(overdue="on") == {late}
    assert shown(status="awaiting_review") == {waiting}
    assert shown(status="bogus") == {mine, other, late, waiting}  # a stale link: no filter


def test_pages_follow_on_from_the_last_row(client, users):
    items = [reported_item() for _ in range(5)]
    user = users["analyst"]
    everything = queries.queue(user, queries.QueueFilters(), now=timezone.now())
    first, cursor = queries.page_after(everything, None, size=2)
    second, cursor2 = queries.page_after(everything, cursor, size=2)
    third, end = queries.page_after(everything, cursor2, size=2)
    assert [*first, *second, *third] == sorted(items, key=lambda i: (i.priority_at, str(i.id)))
    assert end is None
    client.force_login(user)
    after = f"{cursor[0].isoformat()}~{cursor[1]}"
    html = client.get(URL, {"after": after}).content.decode()
    assert str(first[0].id) not in html and str(second[0].id) in html
    assert client.get(URL, {"after": "garbage"}).status_code == 200


def test_claim_from_the_queue_and_the_slower_colleague_is_told(client, users):
    item = reported_item()
    client.force_login(users["analyst"])
    response = client.post(
        reverse("workbench:claim"), {"item_id": item.id, "next": URL + "?who=mine"}
    )
    assert response.status_code == 302 and response["Location"] == URL + "?who=mine"
    item.refresh_from_db()
    assert item.assignee == users["analyst"]
    client.force_login(users["reviewer"])
    response = client.post(reverse("workbench:claim"), {"item_id": item.id}, follow=True)
    assert "alice is already working on this item." in response.content.decode()
    item.refresh_from_db()
    assert item.assignee == users["analyst"]


def test_claim_refuses_a_foreign_next_url(client, users):
    item = reported_item()
    client.force_login(users["analyst"])
    response = client.post(
        reverse("workbench:claim"), {"item_id": item.id, "next": "https://evil.test/"}
    )
    assert response["Location"] == URL


def test_the_workbench_is_the_first_page_of_caseworkers(client, users):
    from flagdesk.accounts.menu import landing_url

    for role in ("analyst", "reviewer", "coordinator", "intake"):
        assert landing_url(users[role]) == URL
    client.force_login(users["admin"])
    assert client.get(URL).status_code == 403


def test_previews_are_never_shown_and_shortcuts_load_from_a_file(client, users):
    reported_item()
    client.force_login(users["analyst"])
    html = client.get(URL).content.decode()
    assert "<img" not in html
    assert "<script>" not in html and "workbench/shortcuts.js" in html
    assert 'id="wb-help"' in html
