"""Issue 8, point 24: addresses are shown to reporters with their host in Unicode, decoded
strictly; anything that does not decode cleanly stays in its stored (IDNA) form."""

from __future__ import annotations

import pytest

from flagdesk.core.readable_urls import readable_url
from flagdesk.core.weburls import normalise_url


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("https://xn--bcher-kva.test/p/1", "https://bücher.test/p/1"),
        ("https://www.xn--e1afmkfd.xn--p1ai/a?b=c", "https://www.пример.рф/a?b=c"),
        ("https://xn--mnchen-3ya.test:8443/x", "https://münchen.test:8443/x"),
        ("https://social.test/p/1", "https://social.test/p/1"),
    ],
)
def test_idna_hosts_are_shown_in_unicode(stored, shown):
    assert readable_url(stored) == shown


@pytest.mark.parametrize(
    "stored",
    [
        "https://xn--ls8h.test/",  # a pictograph: not a valid IDNA 2008 label
        "https://xn--abc.test/",  # Punycode for control characters
        "https://xn--.test/",  # empty Punycode
        "https://xn--zz-zzz.test/",  # decodes to a disallowed symbol
        "http://[::1/",  # not even a URL
    ],
)
def test_what_does_not_decode_cleanly_is_left_as_stored(stored):
    assert readable_url(stored) == stored


def test_round_trip_from_what_the_reporter_typed():
    stored = normalise_url("https://Bücher.test/p/1")
    assert stored == "https://xn--bcher-kva.test/p/1"  # stored and sent as IDNA
    assert readable_url(stored) == "https://bücher.test/p/1"
