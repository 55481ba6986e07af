"""GET/PUT /api/v1/organisation."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

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
    [designation] = body["designations"]
    assert {k: v for k, v in designation.items() if k not in ("id", "history")} == {
        "version": 1,
        "authority": "BIPT",
        "designated_on": "2026-07-03",
        "valid_until": None,
        "suspended": False,
        "suspended_from": None,
        "suspended_until": None,
        "note": "",
        "phenomena": ["gender_hate_speech", "ncii"],
        "ended_on": None,
    }
    [created] = designation["history"]
    assert created["version"] == 1 and created["kind"] == "created"
    assert created["recorded_by"] == users[role].username
    assert created["state"]["phenomena"] == ["gender_hate_speech", "ncii"]
    assert body["ended_designations"] == []
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
    [designation] = response.json()["designations"]
    # "suspended": true without dates suspends from today, not retroactively.
    today = timezone.localdate()
    assert designation["suspended"] is True
    assert designation["suspended_from"] == today.isoformat()
    assert designation["suspended_until"] is None
    org = current_organisation()
    assert org.designated_phenomena(today) == set()
    assert org.designated_phenomena(today - dt.timedelta(days=1)) == {"gender_hate_speech", "ncii"}


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


def _put(client, users, body):
    return client.put(
        "/api/v1/organisation",
        body,
        content_type="application/json",
        headers=_headers(users, "coordinator"),
    )


def test_history_is_kept_across_puts_and_a_removed_designation_ends(client, users):
    csa = {"authority": "CSA", "designated_on": "2026-08-01", "phenomena": ["grooming"]}
    first = _put(client, users, {**BODY, "designations": [*BODY["designations"], csa]}).json()
    bipt_id = first["designations"][0]["id"]
    renamed = {**BODY["designations"][0], "id": bipt_id, "authority": "BIPT/IBPT"}
    body = _put(client, users, {**BODY, "designations": [renamed]}).json()
    [designation] = body["designations"]
    assert designation["id"] == bipt_id and designation["version"] == 2
    assert [(h["version"], h["kind"], h["changed"]) for h in designation["history"]] == [
        (1, "created", ["authority", "designated_on", "valid_until", "phenomena"]),
        (2, "changed", ["authority"]),
    ]
    assert designation["history"][0]["state"]["authority"] == "BIPT"
    assert designation["history"][1]["recorded_by"] == "carol"
    [ended] = body["ended_designations"]
    assert ended["authority"] == "CSA" and ended["ended_on"] == timezone.localdate().isoformat()
    assert [h["kind"] for h in ended["history"]] == ["created", "ended"]
    # GET then PUT the same list back: nothing changes.
    got = client.get("/api/v1/organisation", headers=_headers(users, "coordinator")).json()
    again = _put(client, users, {**BODY, "designations": got["designations"]}).json()
    assert again["designations"] == got["designations"]


def test_suspension_dates_and_note_round_trip(client, users):
    suspended = {
        **BODY["designations"][0],
        "suspended": True,
        "suspended_from": "2026-09-10",
        "note": "BIPT investigation, art. 22(6)",
    }
    [designation] = _put(client, users, {**BODY, "designations": [suspended]}).json()[
        "designations"
    ]
    assert designation["suspended"] is True
    assert (designation["suspended_from"], designation["suspended_until"]) == ("2026-09-10", None)
    assert designation["note"] == "BIPT investigation, art. 22(6)"
    org = current_organisation()
    assert org.designated_phenomena(dt.date(2026, 9, 9)) == {"gender_hate_speech", "ncii"}
    assert org.designated_phenomena(dt.date(2026, 9, 10)) == set()
    lifted = {**designation, "suspended": False}
    [designation] = _put(client, users, {**BODY, "designations": [lifted]}).json()["designations"]
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    assert designation["suspended"] is False
    assert designation["suspended_until"] == yesterday.isoformat()
    assert designation["history"][-1]["kind"] == "lifted"


def test_an_unknown_designation_id_is_422(client, users):
    body = {**BODY, "designations": [{**BODY["designations"][0], "id": str(uuid.uuid4())}]}
    response = _put(client, users, body)
    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["designations.0.id"]
