"""Issue 8, point 24: the response form says what is wrong once, naming each field."""

from __future__ import annotations

import datetime as dt
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from flagdesk.notices.models import NoticeResponse
from flagdesk.notices.services import queue_notices
from flagdesk.notices.tasks import send_outbox_row

from .factories import approved_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def url(users, platform, smtp_server):
    [notice] = queue_notices([approved_item(users)], actor=users["analyst"])
    send_outbox_row.call(str(notice.outbox.id))
    return reverse("notices:notice-detail", args=[notice.id])


def test_service_refusal_is_shown_once_and_fields_are_named(client, users, url):
    client.force_login(users["analyst"])
    future = (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%d %H:%M")
    response = client.post(url, {"kind": "decision", "decision": "", "received_at": future})
    assert response.status_code == 200
    page = unescape(response.content.decode())
    assert page.count("The response is not valid.") == 1
    assert 'href="#id_decision">Decision</a>: Say what the platform decided' in page
    assert 'href="#id_received_at">Received at</a>: The response cannot have been' in page
    assert not NoticeResponse.objects.exists()


def test_missing_fields_are_named_in_the_summary(client, users, url):
    client.force_login(users["analyst"])
    page = unescape(client.post(url, {}).content.decode())
    assert 'href="#id_kind">Kind of response</a>: This field is required.' in page
    assert 'href="#id_received_at">Received at</a>: This field is required.' in page


def test_received_at_is_typed_and_shown_in_iso_in_french(client, users, url, settings):
    client.force_login(users["analyst"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    with translation.override("fr"):
        response = client.post(url, {"kind": "acknowledgement", "received_at": "2026-01-05 10:00"})
    assert response.status_code == 302
    received = timezone.localtime(NoticeResponse.objects.get().received_at)
    assert received.strftime("%Y-%m-%d %H:%M") == "2026-01-05 10:00"
    assert "2026-01-05 10:00" in client.get(url).content.decode()
