import pytest
from hypothesis import given
from hypothesis import strategies as st

from flagdesk.core.testing import test_resolver as table_resolver
from flagdesk.core.weburls import InvalidUrl, normalise_url


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
