"""Re-checks run by themselves after a notice and detect removal on a local test server: the
worker's job claims due watches, fetches through the safe fetcher, records."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from PIL import Image

from flagdesk.matching.models import ItemSignal
from flagdesk.monitoring.models import Check, Watch
from flagdesk.monitoring.runner import claim, run_due_checks
from flagdesk.monitoring.services.watches import start_watches
from flagdesk.monitoring.tasks import PERIODIC
from flagdesk.notices.services import queue_notices
from flagdesk.notices.tasks import send_outbox_row
from flagdesk.notices.tests.factories import approved_item, make_platform

pytestmark = pytest.mark.django_db
H = dt.timedelta(hours=1)
POST = b"<!doctype html><title>A post</title><p>Fictional post about a fictional person.</p>"


@pytest.fixture
def notified(users, smtp_server, settings, request):
    """A notified item whose URL is served by the hostile server on 127.0.0.1."""
    settings.MONITORING_RECHECK_HOURS = [1, 6, 24]
    settings.MONITORING_HOST_INTERVAL_SECONDS = 0
    make_platform(users, name="Site", domain="site.test")
    item = approved_item(users, domain="site.test")
    [notice] = queue_notices([item], actor=users["analyst"])
    send_outbox_row.call(str(notice.outbox.id))
    notice.refresh_from_db()
    # Only now does site.test point at 127.0.0.1 (intake refuses such hosts, rightly).
    server = request.getfixturevalue("hostile_server")
    item.url = server.url("/post/1")
    item.save(update_fields=["url"])
    return item, notice, server


def test_the_worker_job_detects_removal_on_the_test_server(notified, client, users):
    item, notice, server = notified
    server.answer("/post/1", body=POST, headers={"Content-Type": "text/html"})
    assert start_watches() == 1
    assert run_due_checks(worker="test-worker", now=notice.sent_at) == 0  # not due yet

    assert run_due_checks(worker="test-worker", now=notice.sent_at + H) == 1
    first = Check.objects.get(item=item)
    assert (first.outcome, first.http_status, first.looks_gone) == ("online", 200, False)
    assert len(server.requests_for("/post/1")) == 1

    server.answer("/post/1", status=404, body=b"Page not found")
    assert run_due_checks(worker="test-worker", now=notice.sent_at + 6 * H) == 1
    latest = Check.objects.filter(item=item).order_by("-at").first()
    assert (latest.outcome, latest.http_status, latest.looks_gone) == ("gone", 404, True)
    watch = Watch.objects.get(item=item)
    assert watch.looks_gone_since is not None
    assert watch.next_check_at == notice.sent_at + 24 * H

    client.force_login(users["analyst"])
    page = client.get(reverse("monitoring:rechecks")).content.decode()
    assert item.case.reference in page and "Confirm removal" in page


def test_two_workers_never_check_one_watch_at_once(notified):
    item, notice, _server = notified
    start_watches()
    now = notice.sent_at + H
    first = claim("machine-a:1", 8, now)
    second = claim("machine-b:1", 8, now)
    assert [c.watch_id for c in first] == [Watch.objects.get(item=item).pk]
    assert second == []


def test_media_at_the_url_is_hashed_and_matched_like_intake(notified):
    item, notice, server = notified
    picture = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 120, 200)).save(picture, format="PNG")
    server.answer("/post/1", body=picture.getvalue(), headers={"Content-Type": "image/png"})
    start_watches()
    run_due_checks(worker="w", now=notice.sent_at + H)
    check = Check.objects.get(item=item)
    assert check.media_sha256 == check.content_sha256 != ""
    signals = ItemSignal.objects.filter(item=item, source=ItemSignal.Source.RECHECK)
    assert {s.signal_type for s in signals} >= {"sha256", "pdq"}
    run_due_checks(worker="w", now=notice.sent_at + 6 * H)  # the same file: hashed once
    assert ItemSignal.objects.filter(item=item, source="recheck", signal_type="sha256").count() == 1


@pytest.mark.parametrize(
    ("path", "outcome", "reason"),
    [("/slow-body", "error", "timeout"), ("/forever", "online", "truncated")],
)
def test_a_hostile_answer_ends_in_a_recorded_check_with_its_reason(
    notified, settings, path, outcome, reason
):
    item, notice, server = notified
    settings.MONITORING_FETCH_TIMEOUT_SECONDS = 1.0
    item.url = server.url(path)
    item.save(update_fields=["url"])
    start_watches()
    assert run_due_checks(worker="w", now=notice.sent_at + H) == 1
    check = Check.objects.get(item=item)
    assert (check.outcome, check.reason) == (outcome, reason)
    assert not check.looks_gone
    assert Watch.objects.get(item=item).lease_until is None


def test_the_jobs_are_offered_to_the_worker():
    names = {job.name for job in PERIODIC}
    assert {"monitoring.checks", "monitoring.start_watches", "monitoring.captures"} <= names


def test_a_slow_website_holds_one_thread_not_the_round(users, smtp_server, settings, request):
    """Threads are refilled as fetches end: with two threads, one stuck on a server that
    trickles, the other goes through every other due check in the same round."""
    settings.MONITORING_RECHECK_HOURS = [1]
    settings.MONITORING_HOST_INTERVAL_SECONDS = 0
    settings.MONITORING_WORKER_THREADS = 2
    settings.MONITORING_FETCH_TIMEOUT_SECONDS = 2.0
    make_platform(users, name="Site", domain="site.test")
    items = [approved_item(users, domain="site.test") for _ in range(4)]
    notices = queue_notices(items, actor=users["analyst"])
    for notice in notices:
        send_outbox_row.call(str(notice.outbox.id))
        notice.refresh_from_db()
    server = request.getfixturevalue("hostile_server")
    paths = ["/slow-body", "/ok", "/status/404", "/ok"]
    for item, path in zip(items, paths, strict=True):
        item.url = server.url(path, host="other.test" if path == "/slow-body" else "site.test")
        item.save(update_fields=["url"])
    start_watches()
    Watch.objects.update(host="site.test")  # one host for the fast ones...
    Watch.objects.filter(item=items[0]).update(host="other.test")  # ...another for the slow one
    later = max(n.sent_at for n in notices) + 2 * H
    assert run_due_checks(worker="w", now=later) == 4
    reasons = dict(Check.objects.values_list("item_id", "reason"))
    assert reasons[items[0].pk] == "timeout"
    assert sorted(reasons[i.pk] for i in items[1:]) == ["http_200", "http_200", "http_404"]


def test_a_backlog_on_one_host_does_not_hide_the_other_hosts(notified, settings, monkeypatch):
    """The oldest due watches all on a busy host: the claim still reaches the others."""
    from flagdesk.monitoring import runner

    _item, notice, _server = notified
    monkeypatch.setattr(runner, "SCAN", 2)
    start_watches()
    now = notice.sent_at + H
    for n in range(3):  # older than the notified item's watch, all on one host
        extra = approved_item_on("busy.test", n)
        Watch.objects.create(item=extra, host="busy.test", next_check_at=now - H)
    settings.MONITORING_HOST_CONCURRENCY = 1
    claimed = runner.claim("w", 8, now)
    hosts = sorted(c.slot.host for c in claimed)
    assert hosts == ["busy.test", "site.test"]


def approved_item_on(host: str, n: int):
    from flagdesk.cases.models import Case, Item

    case = Case.objects.create()
    return Item.objects.create(
        case=case,
        url=f"https://{host}/p/{n}",
        normalised_url=f"https://{host}/p/{n}",
        url_key=f"{host}-{n}",
        status=Item.Status.NOTIFIED,
    )


def test_a_check_that_cannot_be_recorded_is_postponed_not_refetched_at_once(notified, monkeypatch):
    from flagdesk.monitoring import runner

    item, notice, server = notified
    server.answer("/post/1", body=POST)
    start_watches()

    def broken(*args, **kwargs):
        raise RuntimeError("a bug in recording")

    monkeypatch.setattr(runner, "record_check", broken)
    at = notice.sent_at + H
    assert runner.run_due_checks(worker="w", now=at) == 0
    watch = Watch.objects.get(item=item)
    assert watch.lease_until is None and watch.next_check_at > watch.started_at + H
    assert len(server.requests_for("/post/1")) == 1
