"""Setting an item's platform by hand: the item page's form and ``PATCH /api/v1/items/{id}``."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from flagdesk.cases.models import CaseEvent, Item
from flagdesk.cases.transitions import transition
from flagdesk.notices.services import queue_notices
from flagdesk.site.platforms import register_platform

from .factories import approved_item, reported_item, social_platform

pytestmark = pytest.mark.django_db


def page(client, item) -> str:
    return client.get(reverse("cases:item-detail", args=[item.id])).content.decode()


def test_an_analyst_sets_the_platform_of_an_unknown_item_on_its_page(client, users):
    social = social_platform(users["coordinator"])
    item = reported_item("https://cdn-social.test/img/1")
    client.force_login(users["analyst"])
    html = page(client, item)
    action = reverse("cases:item-platform", args=[item.id])
    assert f'action="{action}"' in html and "Set the platform by hand" in html
    assert '<option value="social">Social</option>' in html

    response = client.post(action, {"platform": "social", "note": "Social's CDN"}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("cases:item-detail", args=[item.id])
    html = response.content.decode()
    assert "The item is now on Social." in html
    assert "Set by hand by alice" in html and "before: unknown platform" in html
    assert "Social&#x27;s CDN" in html  # the note, on the timeline
    item.refresh_from_db()
    assert item.platform == social
    [event] = CaseEvent.objects.filter(item=item, kind=CaseEvent.Kind.PLATFORM)
    assert event.actor == users["analyst"] and event.data["how"] == "by_hand"


def test_the_page_says_when_a_registration_assigned_the_platform(client, users):
    item = reported_item("https://later.test/p/1")
    register_platform(
        actor=users["coordinator"],
        name="Later",
        domains=["later.test"],
        notice_address="a@later.test",
    )
    client.force_login(users["intake"])  # no form for intake, but the history shows
    html = page(client, item)
    assert "when later.test was registered" in html
    assert reverse("cases:item-platform", args=[item.id]) not in html


def test_no_form_once_the_platform_can_no_longer_change(client, users):
    social_platform(users["coordinator"])
    item, _ = approved_item(users, "https://social.test/p/1")
    client.force_login(users["analyst"])
    assert reverse("cases:item-platform", args=[item.id]) in page(client, item)
    queue_notices([item], actor=users["analyst"])
    assert reverse("cases:item-platform", args=[item.id]) not in page(client, item)


def test_a_refusal_is_shown_on_the_item_page(client, users):
    social_platform(users["coordinator"])
    social_platform(users["coordinator"], name="Other", domains=("other.test",))
    item, _ = approved_item(users, "https://social.test/p/2")
    transition(item, Item.Status.NOTIFIED, actor=users["analyst"])
    client.force_login(users["reviewer"])
    response = client.post(
        reverse("cases:item-platform", args=[item.id]), {"platform": "other"}, follow=True
    )
    assert "The platform can change only until a notice goes out" in response.content.decode()
    item.refresh_from_db()
    assert item.platform.slug == "social"


def test_an_unknown_choice_is_refused_with_a_message(client, users):
    item = reported_item("https://unknown.test/p/1")
    client.force_login(users["analyst"])
    response = client.post(
        reverse("cases:item-platform", args=[item.id]), {"platform": "nope"}, follow=True
    )
    assert "Choose one of the registered platforms." in response.content.decode()


@pytest.mark.parametrize("role", ["intake", "auditor", "admin", "partner"])
def test_other_roles_cannot_post_the_form(client, users, role):
    social_platform(users["coordinator"])
    item = reported_item("https://unknown.test/p/1")
    client.force_login(users[role])
    response = client.post(reverse("cases:item-platform", args=[item.id]), {"platform": "social"})
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.platform is None


def test_patch_sets_the_platform_and_answers_with_the_item(api, users):
    social_platform(users["coordinator"])
    item = reported_item("https://unknown.test/p/1")
    response = api("analyst").patch(f"/items/{item.id}", {"platform": "social"})
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(item.id) and body["platform"] == "social"
    assert body["events"][-1]["kind"] == "platform"
    assert api("reviewer").patch(f"/items/{item.id}", {"platform": "social"}).status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"platform": "nope"}, "platform"),
        ({"platform": None}, "platform"),
        ({"platform": ""}, "platform"),
        ({}, "body"),
        ({"identifiers": {"posted_at": "yesterday"}}, "identifiers.posted_at"),
    ],
)
def test_patch_refuses_what_it_cannot_apply_with_422(api, users, body, field):
    social_platform(users["coordinator"])
    item = reported_item("https://unknown.test/p/1")
    response = api("analyst").patch(f"/items/{item.id}", body)
    assert response.status_code == 422
    assert field in response.json()["error"]["fields"]
    item.refresh_from_db()
    assert item.platform is None


def test_patch_of_a_notified_item_is_409(api, users):
    social_platform(users["coordinator"])
    social_platform(users["coordinator"], name="Other", domains=("other.test",))
    item, _ = approved_item(users, "https://social.test/p/3")
    transition(item, Item.Status.NOTIFIED, actor=users["analyst"])
    response = api("analyst").patch(f"/items/{item.id}", {"platform": "other"})
    assert response.status_code == 409 and response.json()["error"]["code"] == "conflict"


@pytest.mark.parametrize(("role", "status"), [("intake", 403), ("auditor", 403), (None, 401)])
def test_patch_needs_an_assessor(api, users, role, status):
    social_platform(users["coordinator"])
    item = reported_item("https://unknown.test/p/1")
    assert api(role).patch(f"/items/{item.id}", {"platform": "social"}).status_code == status


def test_patch_of_an_unknown_item_is_404(api, users):
    response = api("analyst").patch(f"/items/{uuid.uuid4()}", {"platform": "social"})
    assert response.status_code == 404
