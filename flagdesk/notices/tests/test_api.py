"""The notice endpoints of docs/api.md: shapes, statuses and error bodies."""

from __future__ import annotations

import json
import uuid

import pytest

from flagdesk.accounts.services import issue_token
from flagdesk.cases.models import Item
from flagdesk.notices.models import Notice
from flagdesk.notices.tasks import send_outbox_row

from .factories import approved_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, users):
    """``api("post", path, json, role=...)`` -> response, with that persona's bearer token."""
    tokens: dict[str, str] = {}

    def call(method: str, path: str, body: object = None, *, role: str = "analyst"):
        tokens.setdefault(role, issue_token(users[role]))
        headers = {"Authorization": f"Bearer {tokens[role]}"}
        if method == "get":
            return client.get(f"/api/v1{path}", headers=headers)
        data = body if isinstance(body, str) else json.dumps(body)
        return client.post(
            f"/api/v1{path}", data=data, content_type="application/json", headers=headers
        )

    return call


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["code"] == code and error["message"]
    return error


def test_post_notices_returns_one_notice_per_platform(api, users, platform):
    item = approved_item(users)
    response = api("post", "/notices", {"item_ids": [str(item.id)]})
    assert response.status_code == 201, response.content
    [notice] = response.json()
    assert set(notice) >= {"id", "reference", "platform", "status", "items"}
    assert notice["status"] == "queued"
    assert notice["platform"] == "Social"
    assert notice["items"] == [{"id": str(item.id), "url": item.url, "status": "approved"}]


def test_get_notice_shows_the_frozen_notice(api, users, platform, smtp_server):
    item = approved_item(users)
    [created] = api("post", "/notices", {"item_ids": [str(item.id)]}).json()
    notice = Notice.objects.get(pk=created["id"])
    send_outbox_row.call(str(notice.outbox.id))
    body = api("get", f"/notices/{notice.id}", role="intake").json()
    assert set(body) >= {
        "id",
        "reference",
        "platform",
        "status",
        "channel",
        "trusted_flagger",
        "sent_at",
        "attempts",
        "items",
        "body",
    }
    assert body["status"] == "sent" and body["channel"] == "email"
    assert body["trusted_flagger"] is False
    assert body["attempts"] == 1 and body["sent_at"]
    assert body["body"] == notice.body
    assert body["items"][0]["status"] == "notified"


def test_post_response_moves_items(api, users, platform, smtp_server):
    item = approved_item(users)
    [created] = api("post", "/notices", {"item_ids": [str(item.id)]}).json()
    send_outbox_row.call(str(Notice.objects.get(pk=created["id"]).outbox.id))
    response = api(
        "post",
        f"/notices/{created['id']}/responses",
        {
            "kind": "decision",
            "decision": "removed",
            "received_at": "2026-01-05T10:00:00+01:00",
            "platform_reference": "SR-1",
            "statement": "Removed under our policy.",
        },
        role="intake",
    )
    assert response.status_code == 201, response.content
    assert response.json()["notice_status"] == "decided"
    assert Item.objects.get(pk=item.pk).status == Item.Status.REMOVED


def test_unapproved_items_give_409(api, users, platform):
    item = approved_item(users)
    Item.objects.filter(pk=item.pk).update(status=Item.Status.AWAITING_REVIEW)
    error = assert_error(api("post", "/notices", {"item_ids": [str(item.id)]}), 409, "conflict")
    assert item.url[:30] in error["message"]


def test_second_notice_for_the_same_item_gives_409(api, users, platform):
    item = approved_item(users)
    assert api("post", "/notices", {"item_ids": [str(item.id)]}).status_code == 201
    assert_error(api("post", "/notices", {"item_ids": [str(item.id)]}), 409, "conflict")


def test_unknown_ids_give_404(api, users, platform):
    item = approved_item(users)
    missing = str(uuid.uuid4())
    error = assert_error(
        api("post", "/notices", {"item_ids": [str(item.id), missing]}), 404, "not_found"
    )
    assert missing in error["message"]
    assert_error(api("get", f"/notices/{missing}"), 404, "not_found")
    assert_error(
        api("post", f"/notices/{missing}/responses", {"kind": "acknowledgement"}),
        404,
        "not_found",
    )
    assert not Notice.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        {},
        {"item_ids": []},
        {"item_ids": "abc"},
        {"item_ids": ["not-a-uuid"]},
        [1, 2],
    ],
)
def test_malformed_queue_requests_give_422(api, body):
    assert_error(api("post", "/notices", body), 422, "invalid")


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "decision"},
        {"kind": "verdict"},
        {"kind": "acknowledgement", "received_at": "yesterday"},
        {"kind": "acknowledgement", "received_at": "2999-01-01T00:00:00Z"},
        {"decision": "removed"},
    ],
)
def test_malformed_responses_give_422(api, users, platform, smtp_server, body):
    [created] = api("post", "/notices", {"item_ids": [str(approved_item(users).id)]}).json()
    send_outbox_row.call(str(Notice.objects.get(pk=created["id"]).outbox.id))
    assert_error(api("post", f"/notices/{created['id']}/responses", body), 422, "invalid")


@pytest.mark.parametrize("role", ["intake", "auditor", "partner", "none"])
def test_roles_that_may_not_queue_get_403(api, users, platform, role):
    item = approved_item(users)
    # A partner's token is partner-scoped: the scope refuses before the role is looked at.
    code = "token_scope" if role == "partner" else "forbidden"
    assert_error(api("post", "/notices", {"item_ids": [str(item.id)]}, role=role), 403, code)


def test_missing_token_gives_401(client):
    response = client.post(
        "/api/v1/notices", data={"item_ids": []}, content_type="application/json"
    )
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "acknowledgement", "statement": "Received\x00"}, "statement"),
        ({"kind": "acknowledgement", "platform_reference": "\ud800"}, "platform_reference"),
        ({"kind": "ack\x00"}, "kind"),
    ],
)
def test_unstorable_text_in_a_response_is_refused(api, users, platform, smtp_server, body, field):
    [created] = api("post", "/notices", {"item_ids": [str(approved_item(users).id)]}).json()
    send_outbox_row.call(str(Notice.objects.get(pk=created["id"]).outbox.id))
    error = assert_error(api("post", f"/notices/{created['id']}/responses", body), 422, "invalid")
    assert list(error["fields"]) == [field]
    assert not Notice.objects.get(pk=created["id"]).responses.exists()
