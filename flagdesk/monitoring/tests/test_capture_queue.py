"""Captures wait in a queue like notices in the outbox: automatic on approval, one at a time
per item on request, and a worker killed mid-capture leaves a lease that runs out."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from flagdesk.monitoring.models import Capture
from flagdesk.monitoring.services.captures import (
    MAX_ATTEMPTS,
    claim_capture,
    give_up_abandoned,
    queue_approval_captures,
    queue_capture,
)
from flagdesk.notices.tests.factories import approved_item, make_platform

pytestmark = pytest.mark.django_db


@pytest.fixture
def item(users):
    make_platform(users)
    return approved_item(users)


def test_an_approved_item_gets_one_capture_by_itself(item):
    assert queue_approval_captures() == 1
    capture = Capture.objects.get(item=item)
    assert capture.trigger == Capture.Trigger.APPROVAL and capture.media_allowed
    assert queue_approval_captures() == 0


def test_items_approved_long_ago_are_not_all_captured_at_once(item):
    later = timezone.now() + dt.timedelta(days=8)
    assert queue_approval_captures(now=later) == 0


def test_a_minors_item_is_queued_without_media(users):
    make_platform(users)
    minors = approved_item(users, phenomenon="csam")
    queue_approval_captures()
    assert Capture.objects.get(item=minors).media_allowed is False


def test_a_killed_workers_capture_is_taken_again_then_given_up(item, users):
    queue_capture(item, actor=users["analyst"])
    now = timezone.now()
    first = claim_capture("machine-a:1", now)
    assert first is not None and first.status == Capture.Status.RUNNING
    assert claim_capture("machine-b:1", now) is None  # leased
    for attempt in range(2, MAX_ATTEMPTS + 1):
        now += dt.timedelta(hours=1)  # the lease ran out: its worker died
        again = claim_capture(f"machine-b:{attempt}", now)
        assert again is not None and again.pk == first.pk and again.attempts == attempt
    now += dt.timedelta(hours=1)
    assert claim_capture("machine-c:1", now) is None
    assert give_up_abandoned(now) == 1
    failed = Capture.objects.get(pk=first.pk)
    assert failed.status == Capture.Status.FAILED and str(MAX_ATTEMPTS) in failed.failure
