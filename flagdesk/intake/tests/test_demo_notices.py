"""Issue 8, point 24: the demo's decided notice says truthfully that no mail was sent."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse

from flagdesk.intake.management.commands.demo import DEMO_DELIVERY
from flagdesk.notices.models import Notice, OutboxRow

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_dns(settings: Any) -> None:
    settings.URL_RESOLVER = "flagdesk.core.testing.test_resolver"


def test_decided_demo_notice_went_through_the_outbox_and_says_no_mail_left(client) -> None:
    call_command("demo", stdout=io.StringIO())
    notice = Notice.objects.get(status=Notice.Status.DECIDED)
    row = notice.outbox
    assert row.status == OutboxRow.Status.SENT
    assert row.attempts == 1  # claimed once, as a worker claims it
    assert row.delivery_reference == DEMO_DELIVERY
    assert "no mail" in DEMO_DELIVERY
    client.login(username="alice", password="demo-alice-2026")
    page = client.get(reverse("notices:notice-detail", args=[notice.id])).content.decode()
    assert "<dt>Attempts</dt><dd>1" in page
    assert f"<dt>Delivery</dt><dd><code>{DEMO_DELIVERY}</code></dd>" in page
    # The notices the worker sends stay queued, untouched by the demo.
    for waiting in Notice.objects.exclude(pk=notice.pk):
        assert waiting.status == Notice.Status.QUEUED and waiting.outbox.attempts == 0
