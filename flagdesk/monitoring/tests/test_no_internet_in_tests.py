"""The suite's guard: with a test resolver, a *.test name missing from the table resolves to a
public address; the fetcher must still never leave this machine during tests."""

from __future__ import annotations

from flagdesk.monitoring.fetcher import fetch


def test_a_public_answer_is_not_contacted_in_tests(settings):
    settings.MONITORING_ALLOW_LOOPBACK = True
    assert settings.MONITORING_CONNECT_LOOPBACK_ONLY  # set for every test by conftest.py
    found = fetch("http://nowhere-registered.test/")
    assert (found.outcome, found.reason) == ("refused", "not_loopback_in_tests")
    assert found.http_status is None and "not contacted" in found.message
