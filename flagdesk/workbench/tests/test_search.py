"""The workbench's search box: each kind of query, and only within the user's scope."""

from __future__ import annotations

import hashlib

import pytest
from django.urls import reverse

from flagdesk.cases.services.restriction import restrict_case
from flagdesk.cases.tests.factories import reported_item
from flagdesk.matching.signal_types import ComputedSignal
from flagdesk.matching.tests.factories import item_signals, random_pdq
from flagdesk.notices.services import queue_notices
from flagdesk.notices.tests.factories import approved_item, make_platform
from flagdesk.workbench.queries import search

pytestmark = pytest.mark.django_db
SEARCH = reverse("workbench:search")


def found(user, text):
    return {i.id for i in search(user, text).items}


def test_a_url_finds_its_item_exactly_then_under_a_prefix(users):
    item = reported_item("https://social.test/alice/post-1?utm_source=x")
    sibling = reported_item("https://social.test/alice/post-2")
    reported_item("https://social.test/alicebob/post-3")
    analyst = users["analyst"]
    assert found(analyst, "https://social.test/alice/post-1") == {item.id}
    assert found(analyst, "social.test/alice/post-1") == {item.id}  # no scheme typed
    assert found(analyst, "https://social.test/alice") == {item.id, sibling.id}
    assert "url" in search(analyst, "social.test/alice").kinds


def test_a_case_and_a_report_reference(users):
    item = reported_item()
    report = item.reports.get()
    analyst = users["analyst"]
    assert found(analyst, item.case.reference) == {item.id}
    assert found(analyst, item.case.reference.lower().replace("-", " ")) == {item.id}
    assert found(analyst, report.reference) == {item.id}
    assert search(analyst, report.reference).kinds == ["report"]


def test_a_notice_reference(users):
    make_platform(users)
    item = approved_item(users)
    [notice] = queue_notices([item], actor=users["analyst"])
    results = search(users["analyst"], notice.reference)
    assert [n.id for n in results.notices] == [notice.id]
    assert {i.id for i in results.items} == {item.id}


def test_a_hash(users):
    item = reported_item()
    pdq = random_pdq(5)
    md5 = hashlib.md5(b"synthetic").hexdigest()  # noqa: S324 - a test value
    item_signals(item, [ComputedSignal("pdq", pdq, 90), ComputedSignal("md5", md5, None)])
    assert found(users["analyst"], pdq) == {item.id}
    assert found(users["analyst"], md5.upper()) == {item.id}
    assert found(users["analyst"], "0" * 64) == set()


def test_a_platform_name(users):
    make_platform(users, name="Vidéo Club", domain="video.test")
    results = search(users["analyst"], "vidéo")
    assert [p.name for p in results.platforms] == ["Vidéo Club"]


def test_a_restricted_case_is_found_only_by_the_named_staff(users, client):
    item = reported_item("https://social.test/restricted/1")
    restrict_case(
        item.case,
        actor=users["reviewer"],
        staff=[users["reviewer"]],
        reason="The case is about a colleague of ours.",
    )
    for text in (item.url, item.case.reference, item.reports.get().reference):
        assert found(users["analyst"], text) == set()
        assert found(users["reviewer"], text) == {item.id}
    client.force_login(users["analyst"])
    html = client.get(SEARCH, {"q": item.case.reference}).content.decode()
    assert str(item.id) not in html and "Nothing found" in html


def test_items_involving_minors_are_not_found_by_uncleared_staff(users):
    item = reported_item("https://social.test/minor/1", phenomenon="csam")
    assert found(users["intake"], item.case.reference) == set()
    assert found(users["analyst"], item.case.reference) == {item.id}


def test_the_search_page(client, users):
    item = reported_item()
    client.force_login(users["intake"])
    response = client.get(SEARCH, {"q": item.case.reference})
    assert response.status_code == 200
    assert str(item.id) in response.content.decode()
    assert client.get(SEARCH).status_code == 200
    client.force_login(users["auditor"])
    assert client.get(SEARCH, {"q": "x"}).status_code == 403
