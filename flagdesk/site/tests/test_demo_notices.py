"""The demo's notices tell the truth: their content types are their items' (a video notice
says video), and the decided one says that no mail was sent."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from flagdesk.accounts.models import User
from flagdesk.cases.models import Assessment, Item
from flagdesk.core import taxonomy
from flagdesk.core.weburls import normalise_url
from flagdesk.notices.models import Notice, OutboxRow
from flagdesk.notices.services import queue_notices
from flagdesk.site.demo import DEMO_DELIVERY, REPORTS

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_dns(settings: Any) -> None:
    settings.URL_RESOLVER = "flagdesk.core.testing.test_resolver"


def content_type_lines(notice: Notice) -> list[str]:
    """The values of the body's "Content type" lines, in the notice's language."""
    with translation.override(notice.language):
        heading = gettext("Content type")
    return re.findall(rf"^{re.escape(heading)}: (.*)$", notice.body, re.M)


def label_of(alias: str) -> str:
    return taxonomy.label(taxonomy.content_type_aliases()[alias])


def test_demo_assessments_and_notices_carry_each_item_s_content_type():
    call_command("demo", stdout=io.StringIO())
    by_url = {normalise_url(demo.urls[0]): demo for demo in REPORTS}

    assessed = Assessment.objects.select_related("item")
    assert assessed.exists()
    for assessment in assessed:
        demo = by_url[assessment.item.url]
        assert assessment.content_type == taxonomy.content_type_aliases()[demo.content_type]

    notices = list(Notice.objects.prefetch_related("items"))
    assert notices
    for notice in notices:
        items = sorted(notice.items.all(), key=lambda i: notice.body.index(i.url))
        assert content_type_lines(notice) == [label_of(by_url[i.url].content_type) for i in items]
        for item, entry in zip(items, notice.payload["items"], strict=True):
            assert (
                entry["content_type"]["key"]
                == (taxonomy.content_type_aliases()[by_url[item.url].content_type])
            )


def test_the_demo_video_item_is_notified_as_a_video():
    call_command("demo", stdout=io.StringIO())
    video = Item.objects.get(url="https://cliptube.example/watch?v=demo1003")
    assert video.status == Item.Status.APPROVED

    [notice] = queue_notices([video], actor=User.objects.get(username="alice"))

    assert content_type_lines(notice) == ["Video"]
    assert notice.payload["items"][0]["content_type"] == {
        "key": "CONTENT_TYPE_VIDEO",
        "label": "Video",
    }


def test_decided_demo_notice_went_through_the_outbox_and_says_no_mail_left(client) -> None:
    call_command("demo", stdout=io.StringIO())
    notice = Notice.objects.get(status=Notice.Status.DECIDED)
    row = notice.outbox
    assert row.status == OutboxRow.Status.SENT
    assert row.attempts == 1  # claimed once, as a worker claims it
    assert row.delivery_reference == DEMO_DELIVERY
    assert "no mail" in DEMO_DELIVERY
    client.force_login(User.objects.get(username="alice"))
    page = client.get(reverse("notices:notice-detail", args=[notice.id])).content.decode()
    assert "<dt>Attempts</dt><dd>1" in page
    assert f"<dt>Delivery</dt><dd><code>{DEMO_DELIVERY}</code></dd>" in page
    # The notices the worker sends stay queued, untouched by the demo.
    for waiting in Notice.objects.exclude(pk=notice.pk):
        assert waiting.status == Notice.Status.QUEUED and waiting.outbox.attempts == 0
