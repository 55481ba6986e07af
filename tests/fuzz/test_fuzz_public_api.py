"""The public API under hostile input: never a 5xx, and every refusal in the API's format.

``POST /api/v1/reports`` and ``GET /api/v1/reports/{reference}`` take requests from anyone:
bodies of any shape and encoding, any content type, references and receipt codes of any
text. Each answer is JSON, and a 4xx is ``{"error": {"code": ..., "message": ...}}``
(docs/api.md, "Errors").
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tests.fuzz.strategies import (
    FUZZ,
    content_types,
    header_text,
    hostile_text,
    json_bytes,
    json_values,
    raw_bodies,
    report_payloads,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _resolver(settings):
    settings.URL_RESOLVER = "flagdesk.core.testing.test_resolver"


def assert_api_answer(response: Any) -> None:
    """No server error; JSON; a 4xx carries the error envelope."""
    assert response.status_code < 500, response.content[:2000]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = json.loads(response.content)
    if response.status_code >= 400:
        error = body["error"]
        assert isinstance(error["code"], str) and error["code"]
        assert isinstance(error["message"], str) and error["message"]


@FUZZ
@given(payload=report_payloads)
@example(payload={"language": "en", "urls": ["\x00"], "role": "victim", "reporter": {}})
@example(
    payload={
        "language": "en",
        "urls": ["https://social.example.test/p/1"] * 51,
        "role": "victim",
        "reporter": {"anonymous": True},
    }
)
def test_report_payloads_never_fail(client, payload):
    assert_api_answer(client.post("/api/v1/reports", json_bytes(payload), "application/json"))


@FUZZ
@given(value=json_values)
def test_any_json_value_is_refused_in_the_api_format(client, value):
    assert_api_answer(client.post("/api/v1/reports", json_bytes(value), "application/json"))


@FUZZ
@given(body=raw_bodies, content_type=content_types)
def test_any_body_with_any_content_type(client, body, content_type):
    # generic() sends the bytes as they are; post() would re-encode them for the charset.
    assert_api_answer(client.generic("POST", "/api/v1/reports", body, content_type=content_type))


@FUZZ
@given(report=hostile_text, multipart=st.booleans())
def test_the_multipart_report_field_takes_any_text(client, report, multipart):
    data = {"report": report} if multipart else {}
    assert_api_answer(client.post("/api/v1/reports", data))


@FUZZ
@given(
    reference=hostile_text,
    receipt_code=st.none() | header_text,
    body=st.none() | json_values,
    accept=st.sampled_from(["application/json", "text/html", "*/*", ""]),
)
@example(reference="R-7KQ3-M9XD", receipt_code="", body=None, accept="")
@example(reference="\x00", receipt_code="\x00", body={"receipt_code": "x"}, accept="*/*")
@example(reference="../../staff", receipt_code=None, body=None, accept="text/html")
def test_status_lookups_with_any_reference_and_code(client, reference, receipt_code, body, accept):
    headers = {"Accept": accept}
    if receipt_code is not None:
        headers["X-Receipt-Code"] = receipt_code
    path = f"/api/v1/reports/{quote(reference, safe='')}"
    if body is None:
        response = client.get(path, headers=headers)
    else:  # a GET with a JSON body: the code where a careless client might put it
        data = json_bytes(body)
        response = client.generic("GET", path, data, "application/json", headers=headers)
    assert_api_answer(response)


@FUZZ
@given(
    method=st.sampled_from(["PUT", "PATCH", "DELETE", "OPTIONS"]),
    path=st.sampled_from(["/api/v1/reports", "/api/v1/reports/R-7KQ3-M9XD"]),
)
def test_other_methods_are_refused_in_the_api_format(client, method, path):
    response = client.generic(method, path, b"{}", content_type="application/json")
    assert response.status_code in (404, 405)
    assert_api_answer(response)


@FUZZ
@given(authorization=header_text)
@example(authorization="Bearer ")
@example(authorization="Bearer \x00")
@example(authorization="Basic YWxpY2U6cGFzc3dvcmQ=")
@example(authorization="Bearer " + "a" * 5000)
def test_a_made_up_token_is_refused_in_the_api_format(client, authorization):
    response = client.get("/api/v1/items", headers={"Authorization": authorization})
    assert response.status_code == 401
    assert_api_answer(response)
