"""The re-check schedule: 1 h, 6 h, 24 h after the notice, then daily, for a bounded time."""

from __future__ import annotations

import datetime as dt

import pytest

from flagdesk.monitoring import schedule
from flagdesk.monitoring.schedule import next_point

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
H = dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def _plan(settings):
    settings.MONITORING_RECHECK_HOURS = [1, 6, 24]
    settings.MONITORING_RECHECK_EVERY_HOURS = 24
    settings.MONITORING_WATCH_DAYS = 30


def test_points_follow_the_plan_then_repeat_daily():
    hours = [1, 6, 24]
    seen, at = [], T0
    for _ in range(6):
        at = next_point(T0, hours, at)
        seen.append((at - T0) / H)
    assert seen == [1, 6, 24, 48, 72, 96]


def test_a_long_outage_costs_one_check_not_every_missed_one():
    after_a_week = T0 + dt.timedelta(days=7, hours=3)
    nxt = next_point(T0, [1, 6, 24], after_a_week)
    assert nxt == T0 + dt.timedelta(days=8)


def test_no_point_after_the_watch_ends():
    assert next_point(T0, [1, 6, 24], T0 + dt.timedelta(days=30)) is None
    assert next_point(T0, [1, 6, 24], T0 + dt.timedelta(days=29)) == T0 + dt.timedelta(days=30)


class _Platform:
    def __init__(self, plans):
        self.recheck_hours = plans


class _Item:
    def __init__(self, platform, phenomenon):
        self.platform = platform
        self.phenomenon = phenomenon


def test_platform_plan_per_phenomenon_then_default_then_organisation():
    platform = _Platform({"default": [2, 12], "csam": [1, 2, 3]})
    assert schedule.plan_hours(_Item(platform, "csam")) == [1, 2, 3]
    assert schedule.plan_hours(_Item(platform, "ncii")) == [2, 12]
    assert schedule.plan_hours(_Item(_Platform({}), "ncii")) == [1, 6, 24]
    assert schedule.plan_hours(_Item(None, "ncii")) == [1, 6, 24]


def test_a_broken_plan_falls_back():
    # Plans are validated when the registry is edited (flagdesk/platforms/tests/
    # test_monitoring_facts.py); one stored before that, or set by hand, must not stop the
    # re-checks: it falls back to the organisation's plan.
    platform = _Platform({"default": ["x", -3, True]})
    assert schedule.plan_hours(_Item(platform, "ncii")) == [1, 6, 24]
