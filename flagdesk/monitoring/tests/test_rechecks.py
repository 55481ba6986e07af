"""Re-checks after a notice: watches open by themselves, what a check found is recorded, "gone"
waits for an analyst, "still online after the deadline" reaches the follow-up queue.

The fetch is the fetcher's business (its own tests); here each check records a ``Fetched`` as
the fetcher returns it, so every branch of the recording can be driven exactly.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.utils import timezone

from flagdesk.cases.models import CaseEvent, Item
from flagdesk.monitoring.fetcher import Fetched
from flagdesk.monitoring.models import Check, Watch
from flagdesk.monitoring.services.checks import record_check
from flagdesk.monitoring.services.watches import (
    NothingToConfirm,
    confirm_gone,
    end_resolved,
    request_check,
    start_watches,
    still_there,
)
from flagdesk.notices import sla
from flagdesk.notices.services import queue_notices
from flagdesk.notices.tasks import send_outbox_row
from flagdesk.notices.tests.factories import approved_item, make_platform

pytestmark = pytest.mark.django_db
H = dt.timedelta(hours=1)


def online(body: bytes = b"<html>the post</html>", url: str = "") -> Fetched:
    return Fetched(
        url=url,
        outcome="online",
        reason="ok",
        http_status=200,
        final_url=url,
        headers=(("Content-Type", "text/html"),),
        body=body,
        content_sha256=hashlib.sha256(body).hexdigest(),
    )


def gone(status: int = 404) -> Fetched:
    return Fetched(url="", outcome="gone", reason=f"http_{status}", http_status=status)


@pytest.fixture
def platform(users):
    return make_platform(users)


@pytest.fixture
def notified(users, platform, smtp_server, settings):
    settings.MONITORING_RECHECK_HOURS = [1, 6, 24]
    item = approved_item(users)
    [notice] = queue_notices([item], actor=users["analyst"])
    send_outbox_row.call(str(notice.outbox.id))
    notice.refresh_from_db()
    item.refresh_from_db()
    assert item.status == Item.Status.NOTIFIED
    return item, notice


def _watch(item) -> Watch:
    return Watch.objects.get(item=item)


def test_a_sent_notice_opens_a_watch_due_an_hour_later(notified):
    item, notice = notified
    assert start_watches() == 1
    watch = _watch(item)
    assert watch.started_at == notice.sent_at
    assert watch.next_check_at == notice.sent_at + H
    assert watch.host == "social.test"
    assert start_watches() == 0  # once


def test_an_approved_item_without_a_notice_is_not_watched(users, platform):
    approved_item(users)
    assert start_watches() == 0
    assert not Watch.objects.exists()


def test_checks_follow_the_schedule_and_record_what_was_found(notified):
    item, notice = notified
    start_watches()
    watch = _watch(item)
    at = notice.sent_at + H
    check = record_check(watch.pk, online(url=item.url), now=at)
    watch.refresh_from_db()
    assert (check.outcome, check.http_status, check.looks_gone) == ("online", 200, False)
    assert check.trigger == Check.Trigger.SCHEDULE
    assert watch.baseline_sha256 == check.content_sha256
    assert watch.next_check_at == notice.sent_at + 6 * H
    assert watch.scheduled_done == 1 and watch.lease_until is None


def test_gone_waits_for_an_analyst_who_confirms_the_removal(notified, users):
    item, notice = notified
    start_watches()
    check = record_check(_watch(item).pk, gone(410), now=notice.sent_at + H)
    assert check.looks_gone and check.gone_signal == Check.GoneSignal.STATUS
    watch = _watch(item)
    assert watch.looks_gone_since is not None
    item.refresh_from_db()
    assert item.status == Item.Status.NOTIFIED  # a machine does not call it removed
    assert CaseEvent.objects.filter(item=item, kind=CaseEvent.Kind.CHECK).count() == 1

    confirm_gone(item, actor=users["analyst"], note="Opened it: the post is gone.")
    item.refresh_from_db()
    watch.refresh_from_db()
    assert item.status == Item.Status.REMOVED
    assert watch.end_reason == Watch.End.CONFIRMED_GONE and watch.next_check_at is None
    status_event = CaseEvent.objects.filter(item=item, kind=CaseEvent.Kind.STATUS).last()
    assert status_event.after == "removed" and status_event.data["source"] == "recheck"
    with pytest.raises(NothingToConfirm):
        confirm_gone(item, actor=users["analyst"])


def test_still_there_keeps_watching_with_the_new_content_as_reference(notified, users):
    item, notice = notified
    start_watches()
    watch = _watch(item)
    record_check(watch.pk, online(b"first"), now=notice.sent_at + H)
    changed = record_check(watch.pk, online(b"second"), now=notice.sent_at + 6 * H)
    assert changed.looks_gone and changed.gone_signal == Check.GoneSignal.CHANGED
    assert changed.outcome == "online"
    still_there(item, actor=users["reviewer"])
    watch.refresh_from_db()
    assert watch.looks_gone_since is None
    assert watch.baseline_sha256 == hashlib.sha256(b"second").hexdigest()
    assert watch.ended_at is None and watch.next_check_at is not None


def test_the_platforms_unavailable_page_is_recognised(notified, platform):
    item, notice = notified
    platform.unavailable_patterns = "This content isn't available\nurl:/login?next="
    platform.save()
    start_watches()
    watch = _watch(item)
    page = online(b"<h1>Sorry, this content ISN'T available right now</h1>")
    check = record_check(watch.pk, page, now=notice.sent_at + H)
    assert (check.outcome, check.gone_signal, check.reason) == (
        "gone",
        "pattern",
        "unavailable_pattern",
    )
    redirected = online(b"<form>log in</form>", url="https://social.test/login?next=/p/1")
    check = record_check(watch.pk, redirected, now=notice.sent_at + 6 * H)
    assert check.outcome == "gone"


def test_content_back_online_clears_looks_gone(notified):
    item, notice = notified
    start_watches()
    watch = _watch(item)
    record_check(watch.pk, gone(), now=notice.sent_at + H)
    record_check(watch.pk, online(), now=notice.sent_at + 6 * H)
    watch.refresh_from_db()
    assert watch.looks_gone_since is None
    notes = list(CaseEvent.objects.filter(item=item, kind="check").values_list("note", flat=True))
    assert any("online again" in n for n in notes)


def test_still_online_after_the_deadline_reaches_the_follow_up_queue(notified):
    item, notice = notified
    start_watches()
    watch = _watch(item)
    record_check(watch.pk, online(), now=notice.sent_at + H)
    item.refresh_from_db()
    assert item.status == Item.Status.NOTIFIED  # the platform still has time
    past_deadline = sla.due_at(notice) + H
    record_check(watch.pk, online(), now=past_deadline)
    item.refresh_from_db()
    assert item.status == Item.Status.STILL_ONLINE
    assert [i.pk for i in sla.follow_up().still_online] == [item.pk]
    assert sla.follow_up().counts()["still_online"] == 1


def test_a_request_runs_before_the_schedule_and_does_not_advance_it(notified, users):
    item, _notice = notified
    start_watches()
    watch = request_check(item, actor=users["intake"])
    assert watch.next_check_at <= timezone.now()
    check = record_check(watch.pk, online())
    watch.refresh_from_db()
    assert check.trigger == Check.Trigger.REQUEST and check.requested_by == users["intake"]
    assert watch.scheduled_done == 0 and watch.requested_at is None


def test_a_check_asked_for_before_any_notice_does_not_start_a_schedule(users, platform):
    item = approved_item(users)
    watch = request_check(item, actor=users["analyst"])
    record_check(watch.pk, online())
    watch.refresh_from_db()
    assert watch.started_at is None and watch.next_check_at is None
    assert start_watches() == 0


def test_watches_of_resolved_items_end(notified, users):
    item, _notice = notified
    start_watches()
    Item.objects.filter(pk=item.pk).update(status=Item.Status.CLOSED)
    assert end_resolved() == 1
    assert _watch(item).end_reason == Watch.End.RESOLVED


def test_only_analysts_confirm(notified, users):
    from flagdesk.core.errors import PermissionDenied

    item, notice = notified
    start_watches()
    record_check(_watch(item).pk, gone(), now=notice.sent_at + H)
    with pytest.raises(PermissionDenied):
        confirm_gone(item, actor=users["intake"])


def test_check_now_after_a_confirmed_removal_runs_and_finds_it_back(notified, users):
    from flagdesk.monitoring.runner import _due

    item, notice = notified
    start_watches()
    record_check(_watch(item).pk, gone(), now=notice.sent_at + H)
    confirm_gone(item, actor=users["analyst"])
    watch = request_check(item, actor=users["analyst"])
    assert Watch.objects.filter(_due(timezone.now()), pk=watch.pk).exists()  # not skipped
    record_check(watch.pk, online())
    item.refresh_from_db()
    watch.refresh_from_db()
    assert item.status == Item.Status.STILL_ONLINE
    assert watch.ended_at is None and watch.next_check_at is not None
    assert sla.follow_up().counts()["still_online"] == 1


def test_still_there_on_a_removed_item_puts_it_in_the_follow_up_queue(notified, users):
    item, notice = notified
    start_watches()
    watch = _watch(item)
    record_check(watch.pk, gone(), now=notice.sent_at + H)
    Item.objects.filter(pk=item.pk).update(status=Item.Status.REMOVED)  # the platform said so
    still_there(item, actor=users["analyst"], note="Opened it: still there.")
    item.refresh_from_db()
    assert item.status == Item.Status.STILL_ONLINE
    assert sla.follow_up().counts()["still_online"] == 1


def test_still_there_before_the_deadline_leaves_the_platform_its_time(notified, users):
    item, notice = notified
    start_watches()
    record_check(_watch(item).pk, gone(), now=notice.sent_at + H)
    still_there(item, actor=users["analyst"])
    item.refresh_from_db()
    assert item.status == Item.Status.NOTIFIED


def test_the_same_content_after_a_removal_decision_is_still_online(notified):
    item, notice = notified
    start_watches()
    watch = _watch(item)
    record_check(watch.pk, online(), now=notice.sent_at + H)
    Item.objects.filter(pk=item.pk).update(status=Item.Status.REMOVED)
    record_check(watch.pk, online(), now=notice.sent_at + 6 * H)
    item.refresh_from_db()
    assert item.status == Item.Status.STILL_ONLINE
    event = CaseEvent.objects.filter(item=item, kind=CaseEvent.Kind.STATUS).last()
    assert "after the platform's decision" in event.note
