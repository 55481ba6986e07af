"""POST /api/v1/reports and GET /api/v1/reports/{reference} as docs/api.md describes them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from flagdesk.intake.models import Report

from .factories import URL, api_payload, submitted_report

pytestmark = pytest.mark.django_db

REPORTS = "/api/v1/reports"


def post(client: Client, body: Any, **headers: str) -> Any:
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(REPORTS, data=data, content_type="application/json", **headers)


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    return error  # type: ignore[no-any-return]


def test_create_report(client: Client) -> None:
    response = post(client, api_payload())
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"reference", "receipt_code", "items"}
    report = Report.objects.get(reference=body["reference"])
    assert report.channel == Report.Channel.API
    assert report.language == "fr"
    assert report.reporter_email == "a@example.org"
    assert report.has_consented  # consent defaults to true for the API
    assert body["items"] == [{"id": str(report.items.get().id), "url": URL}]
    assert body["receipt_code"] not in report.receipt_code_hash


def test_minimal_anonymous_report(client: Client) -> None:
    payload = {"language": "en", "urls": [URL], "role": "witness", "reporter": {"anonymous": True}}
    assert post(client, payload).status_code == 201
    assert Report.objects.get().is_anonymous


def test_status_with_receipt_code(client: Client) -> None:
    created = post(client, api_payload()).json()
    response = client.get(
        f"{REPORTS}/{created['reference']}", HTTP_X_RECEIPT_CODE=created["receipt_code"]
    )
    assert response.status_code == 200
    body = response.json()
    # The v1 fields, and what issue 14 added to them (docs/api.md).
    assert set(body) == {
        "reference",
        "status",
        "items",
        "updated_at",
        "received_at",
        "phenomenon",
        "support_lines",
    }
    assert body["status"] == "received"
    [item] = body["items"]
    assert {"url": item["url"], "status": item["status"]} == {"url": URL, "status": "received"}
    assert [e["what"] for e in item["events"]] == ["received"]
    assert item["platform_answer"] is None and item["next_step"] == "assessment"


@pytest.mark.parametrize(
    "typed", ["r-0k1q-m1x0", "R%200K1Q%20M1X0", "R0K1QM1X0", "R-OKIQ-MLXO", "r%20oklq-mix0"]
)
def test_status_forgives_how_the_reference_is_typed(client: Client, typed: str) -> None:
    """As receipt codes do: lower case, spaces, no dashes, O for 0, I or L for 1."""
    submitted = submitted_report()
    Report.objects.filter(pk=submitted.report.pk).update(reference="R-0K1Q-M1X0")
    response = client.get(f"{REPORTS}/{typed}", HTTP_X_RECEIPT_CODE=submitted.receipt_code)
    assert response.status_code == 200, response.content
    assert response.json()["reference"] == "R-0K1Q-M1X0"


@pytest.mark.parametrize("code", ["", "AAAA-AAAA-AAAA-AAAA"])
def test_status_with_wrong_or_missing_code_is_404(client: Client, code: str) -> None:
    submitted = submitted_report()
    headers = {"HTTP_X_RECEIPT_CODE": code} if code else {}
    assert_error(client.get(f"{REPORTS}/{submitted.report.reference}", **headers), 404, "not_found")


@pytest.mark.parametrize(
    "reference", ["R-0000-0000", "x" * 300, "R-%F0%9F%98%80", "R-UUUU-UUUU", "C-0000-0000"]
)
def test_status_of_unknown_reference_is_404(client: Client, reference: str) -> None:
    response = client.get(f"{REPORTS}/{reference}", HTTP_X_RECEIPT_CODE="AAAA")
    assert_error(response, 404, "not_found")


def test_a_reference_with_a_nul_is_refused_like_any_nul_in_api_input(client: Client) -> None:
    response = client.get(f"{REPORTS}/R-%00", HTTP_X_RECEIPT_CODE="AAAA")
    assert list(assert_error(response, 422, "invalid")["fields"]) == ["reference"]


def test_invalid_fields_are_named_in_the_payload_shape(client: Client) -> None:
    payload = api_payload(
        urls=["ftp://example.test/"],
        reporter={"anonymous": False, "name": "A", "email": "not-an-email"},
        victim={"age_band": "ancient"},
    )
    error = assert_error(post(client, payload), 422, "invalid")
    assert set(error["fields"]) == {"urls", "reporter.email", "victim.age_band"}
    assert not Report.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (api_payload(urls="https://example.test/"), "urls"),
        (api_payload(urls=[["https://example.test/"]]), "urls"),
        (api_payload(urls=["https://example.test/\x00"]), "urls"),
        (api_payload(role=None), "role"),
        (api_payload(role=7), "role"),
        (api_payload(language="xx"), "language"),
        (api_payload(reporter=None), "reporter"),
        (api_payload(reporter=[]), "reporter"),
        (api_payload(reporter={}), "reporter.anonymous"),
        (api_payload(reporter={"anonymous": "yes"}), "reporter.anonymous"),
        (api_payload(reporter={"anonymous": False, "name": {"first": "A"}}), "reporter.name"),
        (api_payload(victim="adult"), "victim"),
        (api_payload(description="x" * 20_001), "description"),
        (api_payload(description="\ud800"), "description"),
        (api_payload(consent="yes"), "consent"),
        (api_payload(consent=False), "consent"),
        (api_payload(urls=[f"https://example.test/{i}" for i in range(51)]), "urls"),
    ],
)
def test_malformed_fields_get_422(client: Client, body: dict[str, Any], field: str) -> None:
    error = assert_error(post(client, body), 422, "invalid")
    assert field in error["fields"], error


@pytest.mark.parametrize(
    "raw", ["", "{", "null", "[]", '"text"', "42", b"\xff\xfe", "[" * 50_000, '{"a": 1e9999}']
)
def test_malformed_bodies_get_422(client: Client, raw: str | bytes) -> None:
    assert_error(post(client, raw), 422, "invalid")


def test_huge_body_gets_413(client: Client, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    assert_error(post(client, api_payload(description="x" * 2000)), 413, "too_large")


def test_error_messages_use_the_payload_language(client: Client) -> None:
    # Until locale/fr exists the text is English; the override must at least not break.
    error = assert_error(post(client, api_payload(language="fr", urls=[])), 422, "invalid")
    assert error["fields"]["urls"]


def test_create_is_rate_limited(client: Client, settings: Any) -> None:
    settings.PUBLIC_RATE_LIMIT = "2/m"
    assert post(client, api_payload()).status_code == 201
    assert post(client, {}).status_code == 422  # bad requests count too
    assert_error(post(client, api_payload()), 429, "rate_limited")


def test_status_is_rate_limited(client: Client, settings: Any) -> None:
    settings.PUBLIC_RATE_LIMIT = "1/m"
    client.get(f"{REPORTS}/R-0000-0000", HTTP_X_RECEIPT_CODE="A")
    assert_error(client.get(f"{REPORTS}/R-0000-0000", HTTP_X_RECEIPT_CODE="A"), 429, "rate_limited")


def test_same_url_twice_is_one_item(client: Client) -> None:
    first = post(client, api_payload()).json()
    second = post(client, api_payload(urls=[URL + "?utm_source=mail", URL])).json()
    assert [i["id"] for i in second["items"]] == [i["id"] for i in first["items"]]
    assert second["reference"] != first["reference"]
