"""Issue 8, point 21: a notice links to its items, an item lists and links its notices, and
the item's timeline names (and links) the notice of each notice event."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from flagdesk.cases.models import CaseEvent
from flagdesk.notices.services import queue_notices
from flagdesk.notices.tasks import send_outbox_row

from .factories import approved_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent_notice(users, platform, smtp_server):
    item = approved_item(users)
    [notice] = queue_notices([item], actor=users["analyst"])
    send_outbox_row.call(str(notice.outbox.id))
    notice.refresh_from_db()
    return notice, item


def test_notice_page_links_each_item(client, users, sent_notice):
    notice, item = sent_notice
    client.force_login(users["intake"])
    html = client.get(reverse("notices:notice-detail", args=[notice.id])).content.decode()
    link = f'href="{reverse("cases:item-detail", args=[item.id])}">{item.case.reference}</a>'
    assert link in html


def test_item_page_lists_its_notices_with_links(client, users, sent_notice):
    notice, item = sent_notice
    client.force_login(users["analyst"])
    html = client.get(reverse("cases:item-detail", args=[item.id])).content.decode()
    notices = re.search(r'<section class="card" id="notices">.*?</section>', html, re.S)
    assert notices, html
    link = f'href="{reverse("notices:notice-detail", args=[notice.id])}">{notice.reference}</a>'
    assert link in notices.group(0)
    assert "Sent" in notices.group(0)


def test_timeline_names_and_links_the_notice_of_each_notice_event(client, users, sent_notice):
    notice, item = sent_notice
    kinds = set(CaseEvent.objects.filter(item=item).values_list("kind", flat=True))
    assert {CaseEvent.Kind.NOTICE_QUEUED, CaseEvent.Kind.NOTICE_SENT} <= kinds
    client.force_login(users["analyst"])
    html = client.get(reverse("cases:item-detail", args=[item.id])).content.decode()
    timeline = re.search(r'<ol class="timeline">.*?</ol>', html, re.S).group(0)
    link = f'<a href="{reverse("notices:notice-detail", args=[notice.id])}">{notice.reference}</a>'
    for label in ("Notice queued", "Notice sent", "Approved → Notified"):
        entry = re.search(rf"<li>(?:(?!</li>).)*{label}(?:(?!</li>).)*</li>", timeline, re.S)
        assert entry and link in entry.group(0), (label, timeline)
