"""DNS look-ups are bounded: a server that never answers holds neither a request nor threads.

No sleeps and no timing guesses: ``slow*.test`` look-ups wait on an event that is set only at
teardown, so they are still unanswered whenever the code under test looks at them.
"""

from __future__ import annotations

import pytest

from flagdesk.core import testing
from flagdesk.core.hostlookup import resolve_hosts
from flagdesk.core.weburls import normalise_url, normalise_urls


@pytest.fixture
def slow_dns(settings):
    settings.URL_LOOKUP_TIMEOUT_SECONDS = 0.01
    testing.hold_slow_lookups()
    yield
    testing.release_slow_lookups()


def test_a_look_up_that_never_answers_leaves_the_host_undecided(slow_dns):
    found = resolve_hosts(["slow.test", "slow.test"], testing.blocking_resolver)
    assert found == {"slow.test": None}


def test_an_undecided_host_is_accepted_like_one_that_does_not_resolve(slow_dns):
    # blocking_resolver would answer a private address for it, had it answered in time.
    assert normalise_url("https://slow.test/x", resolver=testing.blocking_resolver)
    [url] = normalise_urls(["https://slow-2.test/y"], resolver=testing.blocking_resolver)
    assert url == "https://slow-2.test/y"


def test_a_failing_resolver_leaves_the_host_undecided(settings):
    def broken(host: str) -> list[str]:
        raise RuntimeError("resolver crashed")

    assert resolve_hosts(["a.example"], broken) == {"a.example": None}


def test_the_pool_never_grows_past_its_size(slow_dns, settings):
    settings.URL_LOOKUP_THREADS = 2
    hosts = [f"slow-{n}.test" for n in range(5)]
    assert set(resolve_hosts(hosts, testing.blocking_resolver).values()) == {None}
    # A second report while those are still stuck: it waits for the same two threads, and the
    # look-ups it could not start in time are cancelled, not left to pile up.
    more = [f"slow-more-{n}.test" for n in range(5)]
    assert set(resolve_hosts(more, testing.blocking_resolver).values()) == {None}
    assert testing.slow_lookups_started() <= 2


def test_once_released_the_pool_serves_again(slow_dns, settings):
    settings.URL_LOOKUP_THREADS = 1
    assert resolve_hosts(["slow.test"], testing.blocking_resolver) == {"slow.test": None}
    testing.release_slow_lookups()
    settings.URL_LOOKUP_TIMEOUT_SECONDS = 60  # a safety net, not a measurement
    assert resolve_hosts(["private.test"], testing.blocking_resolver) == {
        "private.test": ["10.1.2.3"]
    }
