"""Per-host politeness shared by every worker: slots taken with a conditional UPDATE."""

from __future__ import annotations

import datetime as dt

import pytest

from flagdesk.monitoring import politeness
from flagdesk.monitoring.models import HostSlot

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC)
S = dt.timedelta(seconds=1)


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.MONITORING_HOST_CONCURRENCY = 2
    settings.MONITORING_HOST_INTERVAL_SECONDS = 3.0
    settings.MONITORING_FETCH_TIMEOUT_SECONDS = 20.0


def test_at_most_the_concurrency_per_host_across_workers():
    a = politeness.take("social.test", holder="machine-a:1", now=T0)
    b = politeness.take("social.test", holder="machine-b:7", now=T0)
    assert a and b and {a.slot, b.slot} == {0, 1}
    assert politeness.take("social.test", holder="machine-a:2", now=T0) is None
    # Another host is not held up.
    assert politeness.take("video.test", holder="machine-a:2", now=T0) is not None


def test_a_slot_rests_before_its_next_fetch():
    slot = politeness.take("social.test", holder="w:1", now=T0)
    politeness.take("social.test", holder="w:2", now=T0)
    politeness.give_back(slot, now=T0 + 2 * S)
    assert politeness.take("social.test", holder="w:3", now=T0 + 4 * S) is None
    again = politeness.take("social.test", holder="w:3", now=T0 + 5 * S)
    assert again is not None and again.slot == slot.slot


def test_a_dead_workers_slot_frees_itself_after_the_fetch_deadline():
    politeness.take("social.test", holder="dead:1", now=T0)
    politeness.take("social.test", holder="dead:2", now=T0)
    assert politeness.take("social.test", holder="alive", now=T0 + 20 * S) is None
    after = T0 + 20 * S + politeness.MARGIN
    assert politeness.take("social.test", holder="alive", now=after) is not None


def test_only_the_holder_gives_a_slot_back():
    slot = politeness.take("social.test", holder="w:1", now=T0)
    stranger = politeness.Slot(host=slot.host, slot=slot.slot, holder="w:9")
    politeness.give_back(stranger, now=T0)
    row = HostSlot.objects.get(host="social.test", slot=slot.slot)
    assert row.held_by == "w:1" and row.free_at > T0 + 20 * S
