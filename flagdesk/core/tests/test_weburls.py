import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flagdesk.core.testing import test_resolver as table_resolver
from flagdesk.core.weburls import InvalidUrl, normalise_url, normalise_urls


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("HTTPS://WWW.Example.ORG/Path?b=2&a=1", "https://www.example.org/Path?b=2&a=1"),
        ("https://example.org:443/x", "https://example.org/x"),
        ("http://example.org:80/x", "http://example.org/x"),
        ("https://example.org:8443/x", "https://example.org:8443/x"),
        ("https://example.org", "https://example.org/"),
        ("https://example.org/p?utm_source=a&utm_medium=b&id=7", "https://example.org/p?id=7"),
        ("https://example.org/p?fbclid=XYZ&gclid=1", "https://example.org/p"),
        ("https://example.org/p#comment-3", "https://example.org/p"),
        ("https://bücher.example/x", "https://xn--bcher-kva.example/x"),
        ("https://example.org./x", "https://example.org/x"),
        ("  https://example.org/x  ", "https://example.org/x"),
    ],
)
def test_normal_form(raw, expected):
    assert normalise_url(raw) == expected


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("", "enter an address"),
        ("file:///etc/passwd", "http"),
        ("javascript:alert(1)", "http"),
        ("ftp://example.org/x", "http"),
        ("https://user:pw@example.org/", "user name or password"),
        ("https://127.0.0.1/x", "IP address"),
        ("https://[::1]/x", "IP address"),
        ("https://2130706433/x", "IP address"),
        ("https://0x7f.1/x", "IP address"),
        ("https://localhost/x", "not a public domain"),
        ("https://exa mple.org/", "spaces"),
        ("https://example.org/\r\nSet-Cookie:x", "control characters"),
        ("https://" + "a" * 2050 + ".org/", "at most 2048"),
        ("https://example.org:99999/", "not a valid web address"),
        ("https:///path-only", "no host"),
    ],
)
def test_hostile_and_malformed_urls_are_refused_with_a_reason(raw, fragment):
    with pytest.raises(InvalidUrl) as exc:
        normalise_url(raw)
    assert fragment in str(exc.value.message)


def test_hosts_resolving_only_to_private_addresses_are_refused():
    with pytest.raises(InvalidUrl, match="private or local"):
        normalise_url("https://private-cam.test/x", resolver=table_resolver)
    with pytest.raises(InvalidUrl, match="private or local"):
        normalise_url("https://loopback.test/x", resolver=table_resolver)
    assert normalise_url("https://social.test/x", resolver=table_resolver)


def test_unresolvable_hosts_are_accepted_because_content_may_be_gone():
    assert normalise_url("https://gone.example/x", resolver=lambda host: [])


@given(st.text(max_size=300))
def test_arbitrary_text_either_normalises_or_raises_invalid_url(text):
    try:
        url = normalise_url(text)
    except InvalidUrl:
        return
    assert url.startswith(("http://", "https://"))
    assert normalise_url(url) == url  # idempotent


@pytest.mark.parametrize(
    "addresses",
    [
        ["93.184.215.14", "127.0.0.1"],  # one loopback among public ones is enough
        ["2606:4700::1", "10.0.0.1"],
        ["93.184.215.14", "::ffff:127.0.0.1"],
        ["2002:7f00:1::1"],
        ["64:ff9b::a9fe:a9fe"],
        ["64:ff9b:1::5db8:d70e"],
        ["2001:0:4136:e378:8000:63bf:3fff:fdd2"],
        ["100.64.0.1"],
        ["224.0.0.1"],
        ["0.0.0.0"],  # noqa: S104 (classified, not bound)
        ["not an address"],
    ],
)
def test_a_host_with_any_non_public_address_is_refused(addresses):
    with pytest.raises(InvalidUrl, match="private or local"):
        normalise_url("https://mixed.example/x", resolver=lambda host: addresses)


def test_a_host_with_only_public_addresses_is_accepted():
    public = ["93.184.215.14", "2606:4700::1", "2002:5db8:d70e::1", "64:ff9b::5db8:d70e"]
    assert normalise_url("https://fine.example/x", resolver=lambda host: public)


@pytest.mark.parametrize("raw", ["https://example.org:0/x", "http://example.org:00/x"])
def test_port_zero_is_refused(raw):
    with pytest.raises(InvalidUrl, match="port 0"):
        normalise_url(raw)


@pytest.mark.parametrize(
    ("raw", "char"),
    [
        ("https://example.org/\u202egpj.exe", "U+202E"),  # shows as .../exe.jpg
        ("https://example.org/%E2%80%AEgpj.exe", "U+202E"),  # the same, percent-encoded
        ("https://exa\u200bmple.org/", "U+200B"),
        ("https://%E2%80%8Bexample.org/", "U+200B"),
        ("https://example.org/a\u200fb", "U+200F"),
        ("https://example.org/\u2066x\u2069", "U+2066"),
        ("https://example.org/x?q=\ufeff", "U+FEFF"),
        ("https://example.org/x#\u202a", "U+202A"),
        ("https://example.org/soft\u00adhyphen", "U+00AD"),
        # A punycode name whose Unicode form has a zero-width non-joiner in it
        ("https://xn--11b2ezcs70k.test/", "U+200C"),
    ],
)
def test_invisible_format_characters_are_refused_saying_why(raw, char):
    with pytest.raises(InvalidUrl) as exc:
        normalise_url(raw)
    message = str(exc.value.message)
    assert char in message and "invisible" in message
    assert "\u202e" not in message  # the message itself must not be turned around


@pytest.mark.parametrize(
    "raw",
    ["https://example.org/a\x7fb", "https://example.org/a\u00a0b", "https://example.org/a\u2028b"],
)
def test_other_controls_and_spaces_are_refused(raw):
    with pytest.raises(InvalidUrl, match="spaces or control characters"):
        normalise_url(raw)


def test_the_hosts_of_a_report_are_looked_up_in_parallel(settings):
    """Three look-ups that each wait for the other two: done one after another, the barrier
    would break and the hosts would stay undecided (accepted); in parallel, all three answer."""
    settings.URL_LOOKUP_TIMEOUT_SECONDS = 60  # a safety net, not a measurement
    barrier = threading.Barrier(3, timeout=60)
    calls: list[str] = []

    def resolver(host: str) -> list[str]:
        calls.append(host)
        barrier.wait()
        return ["10.0.0.1"]

    raws = [
        "https://a.example/1",
        "https://b.example/1",
        "https://a.example/2",
        "https://c.example/",
    ]
    results = normalise_urls(raws, resolver=resolver)
    assert all(isinstance(r, InvalidUrl) for r in results)
    assert sorted(calls) == ["a.example", "b.example", "c.example"]  # each host once


def test_syntax_errors_are_reported_per_url_without_a_look_up():
    looked_up: list[str] = []
    results = normalise_urls(
        ["ftp://x.example/", "https://ok.example/"], resolver=lambda h: looked_up.append(h) or []
    )
    assert isinstance(results[0], InvalidUrl) and results[1] == "https://ok.example/"
    assert looked_up == ["ok.example"]
