"""The staff item API: lists, detail, assessments and the four-eyes review."""

from __future__ import annotations

import json
import uuid

import pytest
from django.core.serializers.json import DjangoJSONEncoder

from flagdesk.cases.models import Item

from .factories import (
    approved_item,
    assessed_item,
    illegal_assessment,
    reported_item,
    social_platform,
)

pytestmark = pytest.mark.django_db


def test_list_items_with_filters(api, users):
    social_platform(users["coordinator"])
    new = reported_item("https://social.test/p/new")
    reported_item("https://other.test/p/x")
    awaiting, _ = assessed_item(users, "https://social.test/p/a")
    response = api("analyst").get("/items")
    assert response.status_code == 200
    body = response.json()
    assert {row["id"] for row in body} == {str(new.id), str(awaiting.id), body[1]["id"]}
    row = next(r for r in body if r["id"] == str(new.id))
    assert set(row) == {
        "id", "url", "platform", "status", "phenomenon", "case", "created_at", "priority_at",
        "assignee",
    }  # fmt: skip
    assert row["platform"] == "social" and row["case"] == new.case.reference
    only = api("analyst").get("/items", status="awaiting_review").json()
    assert [r["id"] for r in only] == [str(awaiting.id)]
    by_platform = api("analyst").get("/items", platform="social").json()
    assert {r["platform"] for r in by_platform} == {"social"}
    assert len(api("analyst").get("/items", limit=1, offset=1).json()) == 1


def test_list_items_rejects_bad_paging(api, users):
    assert api("analyst").get("/items", limit=501).status_code == 422
    assert api("analyst").get("/items", limit="x").json()["error"]["code"] == "invalid"


def test_item_detail_has_assessments_notices_events(api, users):
    item, assessment = approved_item(users)
    body = api("reviewer").get(f"/items/{item.id}").json()
    assert body["status"] == "approved"
    [a] = body["assessments"]
    assert a["id"] == str(assessment.id)
    assert a["author"] == "alice" and a["verdict"] == "illegal"
    assert a["legal_bases"] == ["BE-CC-417/9"]
    assert a["review"]["approved"] is True and a["review"]["reviewer"] == "bob"
    assert body["notices"] == []
    assert [e["kind"] for e in body["events"]][:2] == ["reported", "status"]
    assert set(body["events"][0]) == {"kind", "before", "after", "created_at", "note"}


def test_assessment_then_review_through_the_api(api, users):
    item = reported_item()
    created = api("analyst").post(f"/items/{item.id}/assessments", illegal_assessment())
    assert created.status_code == 201
    assessment_id = created.json()["id"]
    item.refresh_from_db()
    assert item.status == Item.Status.AWAITING_REVIEW
    reviewed = api("reviewer").post(
        f"/assessments/{assessment_id}/review", {"approve": True, "comment": "ok"}
    )
    assert reviewed.status_code == 201
    assert reviewed.json()["approved"] is True
    assert reviewed.json()["item_status"] == "approved"


def test_author_gets_four_eyes_403(api, users):
    _, assessment = assessed_item(users, author="reviewer")
    response = api("reviewer").post(f"/assessments/{assessment.id}/review", {"approve": True})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "four_eyes"
    _, own = assessed_item(users, author="analyst")
    response = api("analyst").post(f"/assessments/{own.id}/review", {"approve": True})
    assert response.json()["error"]["code"] == "four_eyes"


def test_analyst_cannot_review_others_work(api, users):
    _, assessment = assessed_item(users, author="coordinator")
    response = api("analyst").post(f"/assessments/{assessment.id}/review", {"approve": True})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_incomplete_assessment_is_422_with_fields(api, users):
    item = reported_item()
    response = api("analyst").post(
        f"/items/{item.id}/assessments", illegal_assessment(reasons="short", legal_bases=[])
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert {"reasons", "legal_bases"} <= set(error["fields"])


@pytest.mark.parametrize(
    "body",
    [{}, {"verdict": 3}, {"verdict": "illegal", "keywords": "x"}, [], "not json"],
)
def test_malformed_assessment_bodies_are_422(api, users, body):
    item = reported_item()
    response = api("analyst").post(f"/items/{item.id}/assessments", body)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid"


def test_malformed_review_body_is_422(api, users):
    _, assessment = assessed_item(users)
    response = api("reviewer").post(f"/assessments/{assessment.id}/review", {"approve": "perhaps"})
    assert response.status_code == 422


def test_unknown_ids_are_404(api, users):
    missing = uuid.uuid4()
    for path in (f"/items/{missing}",):
        response = api("analyst").get(path)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    response = api("analyst").post(f"/items/{missing}/assessments", illegal_assessment())
    assert response.status_code == 404
    response = api("reviewer").post(f"/assessments/{missing}/review", {"approve": True})
    assert response.status_code == 404
    assert api("analyst").get("/items/not-a-uuid").status_code in (404, 422)


def test_no_token_is_401(api, users):
    item = reported_item()
    for path in ("/items", f"/items/{item.id}"):
        response = api(None).get(path)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthorized"
    assert api(None).post(f"/items/{item.id}/assessments", {}).status_code == 401


@pytest.mark.parametrize("role", ["auditor", "partner", "admin", "none"])
def test_roles_without_casework_get_403(api, users, role):
    item = reported_item()
    assert api(role).get("/items").status_code == 403
    assert api(role).get(f"/items/{item.id}").status_code == 403
    response = api(role).post(f"/items/{item.id}/assessments", illegal_assessment())
    assert response.status_code == 403
    # A partner's token is partner-scoped: the scope refuses before the role is looked at.
    expected = "token_scope" if role == "partner" else "forbidden"
    assert response.json()["error"]["code"] == expected


def test_intake_officer_may_read_but_not_assess(api, users):
    item = reported_item()
    assert api("intake").get(f"/items/{item.id}").status_code == 200
    response = api("intake").post(f"/items/{item.id}/assessments", illegal_assessment())
    assert response.status_code == 403


@pytest.mark.parametrize("offset", ["99999999999999999999", "-99999999999999999999", 1_000_001])
def test_paging_past_any_database_integer_is_422_not_500(api, users, offset):
    response = api("analyst").get("/items", offset=offset)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid" and list(error["fields"]) == ["offset"]


def test_refusals_are_in_the_request_language(client, users):
    from flagdesk.accounts.services import issue_token

    item = reported_item()
    headers = {"Authorization": f"Bearer {issue_token(users['analyst'])}", "Accept-Language": "fr"}

    def refusal(change):
        body = json.dumps({**illegal_assessment(), **change}, cls=DjangoJSONEncoder)
        url = f"/api/v1/items/{item.id}/assessments"
        return client.post(url, body, "application/json", headers=headers).json()["error"]

    error = refusal({"reasons": "x" * 250 + "\x00"})
    assert error["message"] == "La requête n'est pas valide."
    assert error["fields"] == {"reasons": ["Ce texte contient des caractères non autorisés."]}
    # pydantic's own refusals too, for the messages it can give here
    assert refusal({"verdict": None})["fields"] == {"verdict": ["Ceci doit être du texte."]}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"reasons": "x" * 250 + "\x00"}, "reasons"),
        ({"reasons": "x" * 250 + "\ud800"}, "reasons"),
        ({"legal_bases": ["BE-CC-417/9", "BE\x00"]}, "legal_bases.1"),
        ({"keywords": ["\x00"]}, "keywords.0"),
        ({"phenomenon": "ncii\x00"}, "phenomenon"),
    ],
)
def test_unstorable_text_in_an_assessment_is_refused_naming_the_field(api, users, change, field):
    item = reported_item()
    body = json.dumps({**illegal_assessment(), **change}, cls=DjangoJSONEncoder)
    response = api("analyst").post(f"/items/{item.id}/assessments", body)
    assert response.status_code == 422, response.content
    assert list(response.json()["error"]["fields"]) == [field]
    item.refresh_from_db()
    assert item.status == Item.Status.NEW and not item.assessments.exists()
