"""Issue 8, point 19: "Approved since" counts from the approval, not from the report, and
costs no query per row."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from flagdesk.cases.models import CaseEvent, Item
from flagdesk.cases.services import review_assessment, submit_assessment

from .factories import approved_item, illegal_assessment, reported_item, social_platform

pytestmark = pytest.mark.django_db


def _reported_long_ago_approved_now(users, url: str) -> Item:
    item = reported_item(url)
    long_ago = timezone.now() - dt.timedelta(days=10)
    Item.objects.filter(pk=item.pk).update(created_at=long_ago, updated_at=long_ago)
    assessment = submit_assessment(item, actor=users["analyst"], **illegal_assessment())
    review_assessment(assessment, actor=users["reviewer"], approve=True)
    item.refresh_from_db()
    return item


def test_approved_since_is_the_time_of_the_approval(client, users):
    social_platform(users["coordinator"])
    item = _reported_long_ago_approved_now(users, "https://social.test/late")
    approval = CaseEvent.objects.get(item=item, kind=CaseEvent.Kind.STATUS, after="approved")
    client.force_login(users["analyst"])
    html = client.get(reverse("cases:approved")).content.decode()
    row = re.search(rf"{item.case.reference}</a></td>.*?</tr>", html, re.S)
    assert row, html
    expected = timezone.localtime(approval.created_at).isoformat()
    assert f'<time datetime="{expected}"' in row.group(0)
    assert "0\xa0minutes" in row.group(0)
    assert "week" not in row.group(0) and "day" not in row.group(0)


def _queries_for_approved_page(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("cases:approved")).status_code == 200
    return len(captured.captured_queries)


def test_approved_page_query_count_does_not_grow_with_items(client, users):
    social_platform(users["coordinator"])
    approved_item(users, "https://social.test/q/0")
    client.force_login(users["analyst"])
    client.get(reverse("cases:approved"))  # the session's first page records its last-seen time
    one = _queries_for_approved_page(client)
    for n in range(1, 8):
        approved_item(users, f"https://social.test/q/{n}")
    assert _queries_for_approved_page(client) == one


def test_an_item_whose_notice_waits_for_the_worker_is_not_offered_again(client, users):
    from flagdesk.notices.services import queue_notices

    social_platform(users["coordinator"])
    item, _assessment = approved_item(users)
    queue_notices([item], actor=users["analyst"])
    client.force_login(users["analyst"])
    page = client.get(reverse("cases:approved")).content.decode()
    assert f'value="{item.id}"' not in page and "queued" in page


def test_the_anonymous_option_is_offered_only_where_it_can_work(client, users, settings):
    social_platform(users["coordinator"])
    approved_item(users)  # NCII: the notice must name us
    client.force_login(users["analyst"])
    settings.ANONYMOUS_SENDER = "no-reply@relay.test"
    assert 'name="anonymous"' not in client.get(reverse("cases:approved")).content.decode()
    approved_item(users, phenomenon="csam", legal_bases=["BE-CC-417/43"], minor_depicted=True)
    assert 'name="anonymous"' in client.get(reverse("cases:approved")).content.decode()
    settings.ANONYMOUS_SENDER = ""  # not set up: never offered
    assert 'name="anonymous"' not in client.get(reverse("cases:approved")).content.decode()
