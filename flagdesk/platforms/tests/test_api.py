"""POST/GET /api/v1/platforms."""

from __future__ import annotations

import pytest

from flagdesk.accounts.services import issue_token
from flagdesk.platforms.models import Platform

pytestmark = pytest.mark.django_db

BODY = {
    "name": "Example",
    "domains": ["example.test"],
    "vlop": True,
    "notice_channel": {"type": "email", "address": "dsa@example.test"},
    "languages": ["en", "fr"],
}


def _headers(users, role):
    return {"Authorization": f"Bearer {issue_token(users[role])}"}


def test_coordinator_registers_a_platform(client, users):
    response = client.post(
        "/api/v1/platforms",
        BODY,
        content_type="application/json",
        headers=_headers(users, "coordinator"),
    )
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "Example" and body["slug"] == "example"
    assert body["domains"] == ["example.test"] and body["vlop"] is True
    assert body["notice_channel"] == {"type": "email", "address": "dsa@example.test"}
    assert body["languages"] == ["en", "fr"]
    listed = client.get("/api/v1/platforms", headers=_headers(users, "analyst")).json()
    assert [p["id"] for p in listed] == [body["id"]]


@pytest.mark.parametrize("role", ["analyst", "reviewer", "intake", "auditor", "partner"])
def test_only_coordinators_and_admins_register(client, users, role):
    response = client.post(
        "/api/v1/platforms", BODY, content_type="application/json", headers=_headers(users, role)
    )
    assert response.status_code == 403
    assert not Platform.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {**BODY, "domains": ["https://example.test/"]},
        {**BODY, "notice_channel": {"type": "fax", "address": "x"}},
        {**BODY, "notice_channel": {"type": "email", "address": "not-an-email"}},
        {"name": "x"},
        {**BODY, "vlop": "sometimes"},
    ],
)
def test_malformed_platform_is_422(client, users, body):
    response = client.post(
        "/api/v1/platforms",
        body,
        content_type="application/json",
        headers=_headers(users, "coordinator"),
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid"


def test_platforms_need_a_token_and_a_staff_role(client, users):
    assert client.get("/api/v1/platforms").status_code == 401
    assert (
        client.post("/api/v1/platforms", BODY, content_type="application/json").status_code == 401
    )
    assert client.get("/api/v1/platforms", headers=_headers(users, "partner")).status_code == 403


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"languages": ["en", "fr\x00"]}, "languages.1"),
        ({"domains": ["example.test\x00"]}, "domains.0"),
        ({"name": "Ex\ud800ample"}, "name"),
        (
            {"notice_channel": {"type": "email", "address": "dsa\x00@example.test"}},
            "notice_channel.address",
        ),
        ({"domains": ["a" * 254 + ".test"]}, "domains.0"),
    ],
)
def test_unstorable_or_oversized_values_are_refused_naming_the_field(client, users, change, field):
    import json

    response = client.post(
        "/api/v1/platforms",
        json.dumps({**BODY, **change}),
        content_type="application/json",
        headers=_headers(users, "coordinator"),
    )
    assert response.status_code == 422, response.content
    assert list(response.json()["error"]["fields"]) == [field]
    assert not Platform.objects.exists()
