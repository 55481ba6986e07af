"""Coordinators see failed and stuck notices on every page and are mailed once about each."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from flagdesk.notices import alerts
from flagdesk.notices.models import Notice, NoticeAlert
from flagdesk.notices.outbox import give_up
from flagdesk.notices.services import queue_notices

from .factories import approved_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def real_mail(settings, smtp_server):
    # pytest-django keeps mail in memory; alerts go over real SMTP like everything else.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    return smtp_server


def test_failed_and_stuck_notices_alert_coordinators_once(users, platform, real_mail, client):
    failing, waiting = (
        queue_notices([approved_item(users)], actor=users["analyst"])[0] for _ in range(2)
    )
    give_up(failing.outbox, reason="550 rejected")
    later = timezone.now() + dt.timedelta(minutes=16)
    Notice.objects.filter(pk=waiting.pk).update(queued_at=timezone.now() - dt.timedelta(minutes=16))
    assert alerts.counts() == alerts.AlertCounts(failed=1, stuck=1)
    assert alerts.mail_alerts(now=later) == 2
    [mail] = real_mail.wait_for(1)
    assert mail["To"] == users["coordinator"].email
    text = mail.get_body(("plain",)).get_content()
    assert failing.reference in text and waiting.reference in text
    assert reverse("notices:follow-up-queue") in text
    assert alerts.mail_alerts(now=later) == 0  # once per notice and kind
    assert NoticeAlert.objects.count() == 2

    client.force_login(users["coordinator"])
    page = client.get(reverse("cases:queue")).content.decode()
    assert "Notices need you" in page and "1 failed" in page
    client.force_login(users["analyst"])
    assert "Notices need you" not in client.get(reverse("cases:queue")).content.decode()


def test_a_mail_server_that_is_down_leaves_the_alert_on_the_pages(users, platform, settings):
    from conftest import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    [notice] = queue_notices([approved_item(users)], actor=users["analyst"])
    give_up(notice.outbox, reason="550 rejected")
    assert alerts.mail_alerts() == 0  # no exception: logged, the banner still shows it
    assert not NoticeAlert.objects.exists()  # mailed again once the server is back
    assert alerts.counts().failed == 1


def test_queueing_the_items_again_replaces_a_failed_notice(users, platform):
    [notice] = queue_notices([approved_item(users)], actor=users["analyst"])
    give_up(notice.outbox, reason="550 rejected")
    assert alerts.counts().failed == 1
    [again] = queue_notices(list(notice.items.all()), actor=users["analyst"])
    assert Notice.objects.get(pk=notice.pk).status == Notice.Status.CANCELLED
    assert again.status == Notice.Status.QUEUED
    assert alerts.counts().failed == 0


def test_a_complaint_deadline_within_a_month_alerts_once(users, platform, real_mail, client):
    from flagdesk.notices.services import record_response
    from flagdesk.notices.tasks import send_outbox_row

    [notice] = queue_notices([approved_item(users)], actor=users["analyst"])
    send_outbox_row.call(str(notice.outbox.id))
    decided = timezone.now() - dt.timedelta(days=170)  # the six months end in about 13 days
    record_response(
        notice, actor=users["analyst"], kind="decision", decision="refused", received_at=decided
    )
    assert alerts.counts().deadlines == 1
    assert alerts.mail_alerts() == 1
    [mail] = real_mail.wait_for(2)[-1:]
    assert "art. 20 complaint" in mail.get_body(("plain",)).get_content()
    assert alerts.mail_alerts() == 0
    client.force_login(users["coordinator"])
    page = client.get(reverse("cases:queue")).content.decode()
    assert "1 complaint deadline within a month" in page
