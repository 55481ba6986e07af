"""GET/PUT /api/v1/organisation."""

from __future__ import annotations

import datetime as dt

import pytest

from flagdesk.accounts.services import issue_token
from flagdesk.organisation.services import current_organisation

pytestmark = pytest.mark.django_db

BODY = {
    "name": "Safe Online asbl",
    "email": "notices@safe.test",
    "designations": [
        {
            "authority": "BIPT",
            "designated_on": "2026-07-03",
            "phenomena": ["gender_hate_speech", "ncii"],
        }
    ],
}


def _headers(users, role):
    return {"Authorization": f"Bearer {issue_token(users[role])}"}


@pytest.mark.parametrize("role", ["coordinator", "admin"])
def test_put_replaces_identity_and_designations(client, users, role):
    response = client.put(
        "/api/v1/organisation", BODY, content_type="application/json", headers=_headers(users, role)
    )
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Safe Online asbl"
    assert body["designations"] == [
        {
            "authority": "BIPT",
            "designated_on": "2026-07-03",
            "valid_until": None,
            "suspended": False,
            "phenomena": ["gender_hate_speech", "ncii"],
        }
    ]
    org = current_organisation()
    assert org.designated_phenomena(dt.date(2026, 7, 3)) == {"gender_hate_speech", "ncii"}
    got = client.get("/api/v1/organisation", headers=_headers(users, role)).json()
    assert got["designations"] == body["designations"]


def test_put_with_optional_fields(client, users):
    body = {
        **BODY,
        "independence_procedures": "Board without platform members.",
        "designations": [
            {**BODY["designations"][0], "valid_until": "2027-07-03", "suspended": True}
        ],
    }
    response = client.put(
        "/api/v1/organisation",
        body,
        content_type="application/json",
        headers=_headers(users, "admin"),
    )
    assert response.status_code == 200
    assert response.json()["independence_procedures"] == "Board without platform members."
    assert current_organisation().designated_phenomena(dt.date(2026, 8, 1)) == set()


@pytest.mark.parametrize(
    "body",
    [
        {**BODY, "designations": [{**BODY["designations"][0], "phenomena": ["astrology"]}]},
        {**BODY, "designations": [{**BODY["designations"][0], "designated_on": "soon"}]},
        {**BODY, "email": "nope"},
        {**BODY, "name": " "},
        {"name": "x"},
    ],
)
def test_malformed_bodies_are_422(client, users, body):
    response = client.put(
        "/api/v1/organisation",
        body,
        content_type="application/json",
        headers=_headers(users, "coordinator"),
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid"


@pytest.mark.parametrize("role", ["analyst", "reviewer", "intake", "auditor", "partner", "none"])
def test_other_roles_get_403(client, users, role):
    headers = _headers(users, role)
    assert client.get("/api/v1/organisation", headers=headers).status_code == 403
    response = client.put(
        "/api/v1/organisation", BODY, content_type="application/json", headers=headers
    )
    assert response.status_code == 403


def test_no_token_is_401(client, db):
    assert client.get("/api/v1/organisation").status_code == 401
    assert (
        client.put("/api/v1/organisation", BODY, content_type="application/json").status_code == 401
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": "Safe\x00"}, "name"),
        ({"independence_procedures": "\ud800"}, "independence_procedures"),
        (
            {"designations": [{**BODY["designations"][0], "authority": "B\x00IPT"}]},
            "designations.0.authority",
        ),
        (
            {"designations": [{**BODY["designations"][0], "phenomena": ["ncii", "\x00"]}]},
            "designations.0.phenomena.1",
        ),
        (
            {"designations": [{**BODY["designations"][0], "authority": "A" * 101}]},
            "designations.0.authority",
        ),
    ],
)
def test_unstorable_or_oversized_values_are_refused_naming_the_field(client, users, change, field):
    import json

    response = client.put(
        "/api/v1/organisation",
        json.dumps({**BODY, **change}),
        content_type="application/json",
        headers=_headers(users, "coordinator"),
    )
    assert response.status_code == 422, response.content
    assert list(response.json()["error"]["fields"]) == [field]
    assert current_organisation().name != "Safe\x00"
