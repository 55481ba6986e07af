"""An item's art. 16(2)(b) identifiers: post id, account, posting and capture time."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from flagdesk.cases.models import CaseEvent
from flagdesk.cases.services import set_item_identifiers
from flagdesk.cases.tests.factories import reported_item
from flagdesk.core.errors import PermissionDenied, ValidationFailed

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC)


def test_identifiers_are_set_normalised_and_written_on_the_timeline(users):
    item = reported_item()
    event = set_item_identifiers(
        item,
        actor=users["analyst"],
        changes={
            "post_id": " 1789234 ",
            "account": "@demo_reuploader",
            "posted_at": "2026-12-06T23:30:00+01:00",
            "captured_at": "2026-12-07 09:00",
        },
        now=NOW,
    )
    item.refresh_from_db()
    assert item.identifiers == {
        "post_id": "1789234",
        "account": "@demo_reuploader",
        "posted_at": "2026-12-06T22:30:00+00:00",
        "captured_at": "2026-12-07T08:00:00+00:00",  # Brussels time, UTC+1 in December
    }
    assert event is not None and event.kind == CaseEvent.Kind.IDENTIFIERS
    assert event.data["before"] == {} and event.data["after"] == item.identifiers
    # Unchanged values write nothing; an empty value removes one key only.
    assert set_item_identifiers(item, actor=users["analyst"], changes={}, now=NOW) is None
    set_item_identifiers(item, actor=users["reviewer"], changes={"account": ""}, now=NOW)
    item.refresh_from_db()
    assert "account" not in item.identifiers and item.identifiers["post_id"] == "1789234"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"posted_at": "last tuesday"}, "identifiers.posted_at"),
        ({"captured_at": "2027-01-01T00:00:00+00:00"}, "identifiers.captured_at"),
        ({"post_id": "12\n34"}, "identifiers.post_id"),
        ({"account": "\u202eresu"}, "identifiers.account"),
        ({"post_id": "9" * 501}, "identifiers.post_id"),
        ({"colour": "red"}, "identifiers.colour"),
        (
            {"posted_at": "2026-12-07T08:00:00+00:00", "captured_at": "2026-12-06T08:00:00+00:00"},
            "identifiers.posted_at",
        ),
    ],
)
def test_bad_identifiers_are_refused_per_field(users, changes, field):
    item = reported_item()
    with pytest.raises(ValidationFailed) as exc:
        set_item_identifiers(item, actor=users["analyst"], changes=changes, now=NOW)
    assert field in exc.value.fields
    item.refresh_from_db()
    assert item.identifiers == {}


def test_only_assessors_set_identifiers(users):
    with pytest.raises(PermissionDenied):
        set_item_identifiers(reported_item(), actor=users["intake"], changes={"post_id": "1"})


def test_patch_sets_identifiers_and_get_returns_every_key(api, users):
    item = reported_item()
    response = api("analyst").patch(
        f"/items/{item.id}", {"identifiers": {"post_id": "abc-1", "account": "@someone"}}
    )
    assert response.status_code == 200, response.content
    assert response.json()["identifiers"] == {
        "post_id": "abc-1",
        "account": "@someone",
        "posted_at": None,
        "captured_at": None,
        "puid": None,
    }
    response = api("reviewer").patch(f"/items/{item.id}", {"identifiers": {"account": None}})
    assert response.json()["identifiers"]["account"] is None
    refused = api("analyst").patch(f"/items/{item.id}", {"identifiers": {"posted_at": "soon"}})
    assert refused.status_code == 422
    assert "identifiers.posted_at" in refused.json()["error"]["fields"]


def test_the_item_page_form_sets_identifiers(client, users):
    item = reported_item()
    client.force_login(users["analyst"])
    url = reverse("cases:item-identifiers", args=[item.id])
    response = client.post(
        url, {"post_id": "777", "account": "@x", "posted_at": "2026-12-01 10:00"}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.identifiers["post_id"] == "777"
    assert item.identifiers["posted_at"] == "2026-12-01T09:00:00+00:00"  # 10:00 in Brussels
    page = client.get(reverse("cases:item-detail", args=[item.id])).content.decode()
    assert "777" in page and "@x" in page
    assert "2026-12-01 10:00 (09:00 UTC)" in page
    # The form comes back as it was typed, so saving it again changes nothing.
    assert 'value="2026-12-01 10:00"' in page
    again = client.post(
        url, {"post_id": "777", "account": "@x", "posted_at": "2026-12-01 10:00"}, follow=True
    )
    assert "Nothing changed" in again.content.decode()
    refused = client.post(url, {"posted_at": "someday"}, follow=True).content.decode()
    assert "ISO 8601" in refused
