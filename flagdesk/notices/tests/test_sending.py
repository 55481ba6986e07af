"""Sending through the outbox to a real SMTP server: delivery, retries, leases, idempotency."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.utils import timezone

from flagdesk.cases.models import CaseEvent, Item
from flagdesk.core.errors import PermanentError, TransientError
from flagdesk.notices import outbox
from flagdesk.notices.models import Notice, OutboxRow
from flagdesk.notices.services import queue_notices
from flagdesk.notices.tasks import send_outbox_row
from flagdesk.platforms.channels.email import parse_email_url

from .factories import approved_item, designate, make_platform

pytestmark = pytest.mark.django_db


def queue_one(users, **kwargs) -> Notice:
    [notice] = queue_notices([approved_item(users, **kwargs)], actor=users["analyst"])
    return notice


def run(notice: Notice) -> None:
    send_outbox_row.call(str(notice.outbox.id))


def later(row: OutboxRow) -> dt.datetime:
    row.refresh_from_db()
    return max(row.next_attempt_at, row.leased_until or row.next_attempt_at) + dt.timedelta(
        seconds=1
    )


def test_notice_reaches_the_mailbox_with_every_art16_element(
    smtp_server, users, platform, django_capture_on_commit_callbacks
):
    designate(users, ["ncii"])
    item = approved_item(users, url="https://social.test/p/evidence-1")
    with django_capture_on_commit_callbacks(execute=True):
        [notice] = queue_notices([item], actor=users["analyst"])
    call_command("worker", burst=True)  # runs the task enqueued on commit
    [mail] = smtp_server.messages
    assert notice.reference in mail["Subject"]
    assert mail["Message-ID"] == notice.message_id
    assert mail["From"] == "notices@stopcv.test"
    assert mail["To"] == "dsa@social.test"
    assert mail["Date"]
    assert mail["Content-Language"] == notice.language == "en"
    assert mail.get_body(preferencelist=("plain",))["Content-Language"] == "en"
    assert smtp_server.envelopes == [("notices@stopcv.test", ["dsa@social.test"])]
    text = mail.get_body(preferencelist=("plain",)).get_content()
    for expected in (
        notice.reference,
        "Stop Cyberviolence",
        "notices@stopcv.test",
        "https://social.test/p/evidence-1",
        "Belgian Criminal Code (1867), art. 417/9",
        "bona fide belief",
        "accurate and complete",
        "trusted flagger under article 22 DSA",
        "BIPT",
        "2025-07-03",
    ):
        assert expected in text, expected
    [attachment] = [
        p for p in mail.iter_attachments() if p.get_content_type() == "application/json"
    ]
    assert json.loads(attachment.get_content()) == notice.payload
    notice.refresh_from_db()
    item.refresh_from_db()
    assert notice.status == Notice.Status.SENT and notice.sent_at is not None
    assert notice.outbox.status == OutboxRow.Status.SENT
    assert notice.outbox.delivery_reference == notice.message_id
    assert item.status == Item.Status.NOTIFIED
    assert CaseEvent.objects.filter(item=item, kind=CaseEvent.Kind.NOTICE_SENT).count() == 1


def test_4xx_is_retried_later_with_the_same_message_id_and_sent_once(smtp_server, users, platform):
    notice = queue_one(users)
    smtp_server.fail_next = [451, 421]
    run(notice)
    row = OutboxRow.objects.get(notice=notice)
    assert row.status == OutboxRow.Status.PENDING
    assert row.attempts == 1 and "451" in row.last_error
    assert row.next_attempt_at > timezone.now()
    run(notice)  # not due yet: nothing happens
    assert OutboxRow.objects.get(pk=row.pk).attempts == 1
    for _ in range(2):
        claimed = outbox.claim(row.id, worker="test", now=later(row))
        assert claimed is not None
        outbox.deliver(claimed)
    row.refresh_from_db()
    assert row.status == OutboxRow.Status.SENT and row.attempts == 3
    [mail] = smtp_server.messages
    assert mail["Message-ID"] == notice.message_id
    assert Notice.objects.get(pk=notice.pk).status == Notice.Status.SENT


def test_5xx_fails_the_notice_and_keeps_the_items_approved(smtp_server, users, platform):
    notice = queue_one(users)
    smtp_server.fail_next = [550]
    run(notice)
    notice.refresh_from_db()
    assert notice.status == Notice.Status.FAILED
    assert notice.outbox.status == OutboxRow.Status.FAILED
    assert "550" in notice.outbox.last_error
    [item] = notice.items.all()
    assert item.status == Item.Status.APPROVED
    assert CaseEvent.objects.filter(item=item, kind=CaseEvent.Kind.NOTICE_FAILED).count() == 1
    assert smtp_server.messages == []


def test_gives_up_after_the_maximum_attempts(smtp_server, users, platform, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    notice = queue_one(users)
    smtp_server.fail_next = [451, 451, 451]
    run(notice)
    row = OutboxRow.objects.get(notice=notice)
    outbox.deliver(outbox.claim(row.id, worker="test", now=later(row)))
    row.refresh_from_db()
    assert row.status == OutboxRow.Status.FAILED and row.attempts == 2
    assert Notice.objects.get(pk=notice.pk).status == Notice.Status.FAILED


def test_running_the_task_twice_sends_once(smtp_server, users, platform):
    notice = queue_one(users)
    run(notice)
    run(notice)
    assert len(smtp_server.messages) == 1
    assert OutboxRow.objects.get(notice=notice).attempts == 1
    assert CaseEvent.objects.filter(kind=CaseEvent.Kind.NOTICE_SENT).count() == 1


def test_an_expired_lease_is_reclaimed(smtp_server, users, platform, settings):
    notice = queue_one(users)
    row = notice.outbox
    # A worker claims the row and dies before sending: its lease blocks the others...
    assert outbox.claim(row.id, worker="dead-worker") is not None
    run(notice)
    assert smtp_server.messages == []
    # ...until it expires; then the sweeper re-enqueues the row and another worker sends it.
    expired = timezone.now() + dt.timedelta(seconds=settings.OUTBOX_LEASE_SECONDS + 1)
    assert outbox.sweep(now=timezone.now()) == 0
    assert outbox.sweep(now=expired) == 1
    claimed = outbox.claim(row.id, worker="second-worker", now=expired)
    assert claimed is not None and claimed.attempts == 2
    outbox.deliver(claimed)
    assert len(smtp_server.messages) == 1
    assert Notice.objects.get(pk=notice.pk).status == Notice.Status.SENT


def test_worker_killed_between_send_and_mark_sent_resends_with_the_same_message_id(
    smtp_server, users, platform, settings
):
    notice = queue_one(users)
    row = outbox.claim(notice.outbox.id, worker="doomed")
    assert row is not None
    delivery = outbox.send_once(row)  # ...and the worker dies before mark_sent
    expired = timezone.now() + dt.timedelta(seconds=settings.OUTBOX_LEASE_SECONDS + 1)
    outbox.deliver(outbox.claim(row.id, worker="next", now=expired))
    first, second = smtp_server.messages
    assert first["Message-ID"] == second["Message-ID"] == notice.message_id
    assert first.get_body(("plain",)).get_content() == second.get_body(("plain",)).get_content()
    outbox.mark_sent(row, delivery)  # the dead worker's late settlement changes nothing
    assert CaseEvent.objects.filter(kind=CaseEvent.Kind.NOTICE_SENT).count() == 1
    assert Item.objects.get(notices=notice).status == Item.Status.NOTIFIED


def test_header_injection_is_refused_by_the_channel(smtp_server, users, platform):
    notice = queue_one(users)
    Notice.objects.filter(pk=notice.pk).update(subject="Notice\r\nBcc: victim@elsewhere.test")
    notice.refresh_from_db()
    with pytest.raises(PermanentError):
        outbox.send_once(notice.outbox)
    run(notice)
    assert smtp_server.messages == []
    assert Notice.objects.get(pk=notice.pk).status == Notice.Status.FAILED


def test_unreachable_server_is_transient(users, platform, settings):
    from conftest import free_port

    settings.EMAIL_URL = f"smtp://127.0.0.1:{free_port()}"
    notice = queue_one(users)
    with pytest.raises(TransientError):
        outbox.send_once(notice.outbox)
    run(notice)
    row = OutboxRow.objects.get(notice=notice)
    assert row.status == OutboxRow.Status.PENDING and row.attempts == 1


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.test:2525", ("smtp", "mail.test", 2525, "", "")),
        ("smtps://u%40x:p%3Aw@mail.test", ("smtps", "mail.test", 465, "u@x", "p:w")),
        ("smtp+tls://user:pw@mail.test", ("smtp+tls", "mail.test", 587, "user", "pw")),
    ],
)
def test_parse_email_url(url, expected):
    c = parse_email_url(url)
    assert (c.scheme, c.host, c.port, c.username, c.password) == expected


def test_parse_email_url_refuses_other_schemes():
    with pytest.raises(PermanentError):
        parse_email_url("http://mail.test")


def test_backoff_grows_and_stays_capped():
    assert 30 <= outbox.backoff_seconds(1) <= 60
    assert 240 <= outbox.backoff_seconds(4) <= 480
    # Mail settles at RFC 5321's thirty-minute spacing, an API at an hour, jitter on top.
    assert 1800 <= outbox.backoff_seconds(50) <= 1980
    assert 3600 <= outbox.backoff_seconds(50, "api") <= 3960


def test_retries_give_up_four_days_after_queueing(smtp_server, users, platform, settings):
    settings.EMAIL_URL = "smtp://127.0.0.1:1"  # nothing listens on port 1
    notice = queue_one(users)
    later = notice.queued_at + dt.timedelta(hours=settings.OUTBOX_GIVE_UP_HOURS, seconds=-20)
    row = outbox.claim(notice.outbox.id, worker="w", now=later)
    outbox.deliver(row, now=later)
    row.refresh_from_db()
    # The next try would come after the give-up time, so there is none.
    assert row.status == OutboxRow.Status.FAILED
    log = list(notice.attempt_log.values_list("outcome", flat=True))
    assert log == ["gave_up"]


def test_every_attempt_is_logged_with_its_outcome(smtp_server, users, platform):
    smtp_server.fail_next = [451]
    notice = queue_one(users)
    run(notice)
    row = OutboxRow.objects.get(notice=notice)
    later = row.next_attempt_at
    outbox.deliver(outbox.claim(row.id, worker="w2", now=later), now=later)
    attempts = list(notice.attempt_log.values_list("number", "outcome", "worker"))
    assert [(n, o) for n, o, _w in attempts] == [(1, "transient"), (2, "sent")]
    assert "451" in notice.attempt_log.first().error


@pytest.mark.django_db(transaction=True)
def test_worker_burst_sends_queued_notices_on_two_platforms(smtp_server, users):
    make_platform(users)
    make_platform(users, name="Video", domain="video.test", languages=("nl",))
    items = [approved_item(users), approved_item(users, domain="video.test")]
    # English reasons to a Dutch platform: confirmed, the language is not the point here.
    notices = queue_notices(items, actor=users["analyst"], confirm_language=True)
    call_command("worker", burst=True)
    assert sorted(m["Message-ID"] for m in smtp_server.messages) == sorted(
        n.message_id for n in notices
    )
    assert set(Notice.objects.values_list("status", flat=True)) == {Notice.Status.SENT}
    call_command("worker", burst=True)  # nothing left: exits without sending again
    assert len(smtp_server.messages) == 2


@pytest.mark.django_db(transaction=True)
def test_worker_burst_picks_up_due_retries(smtp_server, users):
    make_platform(users)
    notice = queue_one(users)
    smtp_server.fail_next = [451]
    call_command("worker", burst=True)
    assert smtp_server.messages == []
    OutboxRow.objects.filter(notice=notice).update(next_attempt_at=timezone.now())  # time passes
    call_command("worker", burst=True)
    [mail] = smtp_server.messages
    assert mail["Message-ID"] == notice.message_id


def test_a_database_lost_after_the_mail_left_ends_in_one_resend_with_the_same_message_id(
    smtp_server, users, platform, settings, monkeypatch
):
    """The server accepted the mail, then the database went away before the send was
    recorded: the task fails, the lease expires, and the next worker sends the same mail
    (same Message-ID, same text) once more and records it; nothing is lost or doubled."""
    from django.db import OperationalError

    notice = queue_one(users)
    real_mark_sent = outbox.mark_sent

    def database_gone(row, delivery):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(outbox, "mark_sent", database_gone)
    row = outbox.claim(notice.outbox.id, worker="first")
    with pytest.raises(OperationalError):
        outbox.deliver(row)
    monkeypatch.setattr(outbox, "mark_sent", real_mark_sent)
    assert OutboxRow.objects.get(pk=row.pk).status == OutboxRow.Status.SENDING
    expired = timezone.now() + dt.timedelta(seconds=settings.OUTBOX_LEASE_SECONDS + 1)
    assert outbox.sweep(now=expired) == 1
    outbox.deliver(outbox.claim(row.id, worker="second", now=expired))
    first, second = smtp_server.messages
    assert first["Message-ID"] == second["Message-ID"] == notice.message_id
    assert first.get_body(("plain",)).get_content() == second.get_body(("plain",)).get_content()
    assert Notice.objects.get(pk=notice.pk).status == Notice.Status.SENT
    outcomes = list(notice.attempt_log.order_by("number").values_list("outcome", flat=True))
    assert outcomes == ["", "sent"]  # the first attempt shows as interrupted
