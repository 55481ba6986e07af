"""The staff queue: tabs per status, filters, paging and a flat query count."""

from __future__ import annotations

import pytest
from django.urls import reverse

from flagdesk.cases.models import Item

from .factories import assessed_item, reported_item, social_platform

pytestmark = pytest.mark.django_db


@pytest.fixture
def items(users):
    social_platform(users["coordinator"])
    return {
        "new": reported_item("https://social.test/p/new"),
        "unknown": reported_item("https://elsewhere.test/p/1"),
        "awaiting": assessed_item(users, "https://social.test/p/awaiting")[0],
    }


def test_queue_lists_items_with_platform_or_unknown_platform(client, users, items):
    client.force_login(users["intake"])
    response = client.get(reverse("cases:queue"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "https://social.test/p/new" in html
    assert "https://elsewhere.test/p/1" in html
    assert "Unknown platform" in html
    assert "Non-consensual sharing of intimate images" in html  # the label, not the code


def test_queue_filters_by_status(client, users, items):
    client.force_login(users["analyst"])
    response = client.get(reverse("cases:queue"), {"status": Item.Status.AWAITING_REVIEW})
    html = response.content.decode()
    assert "https://social.test/p/awaiting" in html
    assert "https://social.test/p/new" not in html


def test_queue_filters_by_platform_and_unknown_platform(client, users, items):
    client.force_login(users["analyst"])
    html = client.get(reverse("cases:queue"), {"platform": "social"}).content.decode()
    assert "https://social.test/p/new" in html
    assert "https://elsewhere.test/p/1" not in html
    html = client.get(reverse("cases:queue"), {"platform": "-"}).content.decode()
    assert "https://elsewhere.test/p/1" in html
    assert "https://social.test/p/new" not in html


def test_queue_shows_counts_per_status_as_tabs(client, users, items):
    client.force_login(users["analyst"])
    response = client.get(reverse("cases:queue"))
    tabs = {tab["status"]: tab["count"] for tab in response.context["tabs"]}
    assert tabs == {Item.Status.NEW: 2, Item.Status.AWAITING_REVIEW: 1}
    assert response.context["total"] == 3


def test_queue_ignores_unknown_filter_values(client, users, items):
    client.force_login(users["analyst"])
    response = client.get(reverse("cases:queue"), {"status": "bogus", "platform": "nope"})
    assert response.status_code == 200
    assert len(response.context["rows"]) == 3


def test_queue_pages_by_fifty(client, users):
    for n in range(52):
        reported_item(f"https://social.test/many/{n}")
    client.force_login(users["analyst"])
    first = client.get(reverse("cases:queue"))
    assert len(first.context["rows"]) == 50
    assert 'href="?page=2"' in first.content.decode()  # the shared pager
    second = client.get(reverse("cases:queue"), {"page": 2})
    assert len(second.context["rows"]) == 2
    assert "Page 2 of 2" in second.content.decode()


def test_queue_query_count_is_flat(client, users, django_assert_max_num_queries):
    social_platform(users["coordinator"])
    for n in range(40):
        reported_item(f"https://social.test/flat/{n}")
    client.force_login(users["analyst"])
    # 11: the session, the user, the second factor's device (django-otp), then the page's own.
    with django_assert_max_num_queries(11):
        response = client.get(reverse("cases:queue"))
    assert len(response.context["rows"]) == 40


def test_review_queue_hides_own_assessments(client, users):
    assessed_item(users, "https://social.test/own", author="reviewer")
    assessed_item(users, "https://social.test/theirs", author="analyst")
    client.force_login(users["reviewer"])
    html = client.get(reverse("cases:review-queue")).content.decode()
    assert "https://social.test/theirs" in html
    assert "https://social.test/own" not in html


def test_hostile_url_is_escaped_in_the_queue(client, users):
    reported_item("https://social.test/<script>alert(1)</script>")
    client.force_login(users["analyst"])
    html = client.get(reverse("cases:queue")).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
