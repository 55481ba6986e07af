"""Whatever arrives at the public API, the answer is never a 500 (docs/api.md, "Errors")."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .factories import api_payload

pytestmark = pytest.mark.django_db

REPORTS = "/api/v1/reports"

NASTY_TEXT = st.sampled_from(
    [
        "",
        "\x00",
        "\ud800",  # a lone surrogate: valid JSON escape, not encodable text
        "x" * 30_000,
        "<script>alert(1)</script>",
        "https://private.test/",
        "http://127.0.0.1/",
        "https://u:p@example.test/",
        "https://example.test/" + "a" * 2100,
        "https://[::1/",
        "https://xn--/",
        "https://例え.テスト/",
        "https://example.test:99999/",
        "fr",
        "victim",
        "ncii",
    ]
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=50)
    | NASTY_TEXT
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=15,
)
PATHS = [
    ("language",),
    ("phenomenon",),
    ("urls",),
    ("description",),
    ("role",),
    ("reporter",),
    ("reporter", "anonymous"),
    ("reporter", "name"),
    ("reporter", "email"),
    ("reporter", "phone"),
    ("victim",),
    ("victim", "age_band"),
    ("victim", "gender"),
    ("consent",),
]


@st.composite
def mutated_payloads(draw: st.DrawFn) -> dict[str, Any]:
    """The spec's example with a few fields replaced by arbitrary JSON or removed."""
    payload = api_payload()
    for _ in range(draw(st.integers(1, 3))):
        *parents, key = draw(st.sampled_from(PATHS))
        target: Any = payload
        for parent in parents:
            target = target.get(parent) if isinstance(target, dict) else None
        if not isinstance(target, dict):
            continue
        if draw(st.booleans()) and key in target:
            del target[key]
        else:
            target[key] = draw(JSON_VALUES | st.lists(NASTY_TEXT, max_size=3))
    return payload


BODIES = JSON_VALUES | mutated_payloads() | st.binary(max_size=64)


def assert_answer_follows_the_contract(response: Any) -> None:
    assert response.status_code < 500, response.content
    body = response.json()
    if response.status_code >= 400:
        error = body["error"]
        assert isinstance(error["code"], str) and error["code"]
        assert isinstance(error["message"], str) and error["message"]
        assert isinstance(error.get("fields", {}), dict)
    else:
        assert response.status_code == 201
        assert set(body) == {"reference", "receipt_code", "items"}


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=BODIES)
def test_no_request_body_gives_a_server_error(client: Client, body: Any) -> None:
    data = body if isinstance(body, bytes) else json.dumps(body)
    response = client.post(REPORTS, data=data, content_type="application/json")
    assert_answer_follows_the_contract(response)


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
# "/" is left out: ".../reports/a/b" is another route, answered by Django's URL resolver.
@given(reference=st.text(st.characters(exclude_characters="/"), max_size=40), code=st.text())
def test_no_status_lookup_gives_a_server_error(client: Client, reference: str, code: str) -> None:
    from urllib.parse import quote

    # surrogatepass: a lone surrogate goes out as the invalid UTF-8 bytes a hostile client
    # could send (%ED%A0%80), which must be a 404 like any unknown reference.
    quoted = quote(reference, safe="", errors="surrogatepass")
    path = f"{REPORTS}/{quoted}" if reference else f"{REPORTS}/%20"
    headers = {"HTTP_X_RECEIPT_CODE": code.encode("utf-8", "replace").decode("latin-1")}
    response = client.get(path, **headers)
    if "\x00" in reference:  # refused by the schema guard, as a NUL anywhere in API input
        assert response.status_code == 422, response.content
        assert response.json()["error"]["code"] == "invalid"
        return
    assert response.status_code in (404, 429), response.content
    assert response.json()["error"]["code"] in ("not_found", "rate_limited")


def test_a_status_lookup_with_invalid_utf8_in_the_path_is_a_404(client: Client) -> None:
    response = client.get(f"{REPORTS}/%ED%A0%80", HTTP_X_RECEIPT_CODE="x")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


MESSAGE_BODIES = (
    JSON_VALUES
    | st.fixed_dictionaries(
        {},
        optional={
            "text": JSON_VALUES | NASTY_TEXT,
            "urls": JSON_VALUES | st.lists(NASTY_TEXT, max_size=3),
        },
    )
    | st.binary(max_size=64)
)


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=MESSAGE_BODIES)
def test_no_message_body_gives_a_server_error(client: Client, body: Any) -> None:
    """Behind a right receipt code, where the body is read: a 201 or a 4xx in the API format."""
    from .factories import submitted_report

    submitted = submitted_report()
    data = body if isinstance(body, bytes) else json.dumps(body)
    response = client.post(
        f"{REPORTS}/{submitted.report.reference}/messages",
        data=data,
        content_type="application/json",
        HTTP_X_RECEIPT_CODE=submitted.receipt_code,
    )
    assert response.status_code < 500, response.content
    answer = response.json()
    if response.status_code >= 400:
        assert answer["error"]["code"] and answer["error"]["message"]
    else:
        assert response.status_code == 201 and set(answer) == {"reference", "received_at", "items"}
