"""Registering a platform or a domain, on the pages and through the API, adopts the items
waiting for it (issue 8: "the new platform shows 0 items")."""

from __future__ import annotations

import pytest
from django.urls import reverse

from flagdesk.cases.models import CaseEvent
from flagdesk.cases.tests.factories import reported_item, social_platform
from flagdesk.platforms.models import Platform, PlatformDomain

pytestmark = pytest.mark.django_db

BODY = {
    "name": "New Site",
    "domains": ["newsite.test"],
    "notice_channel": {"type": "email", "address": "dsa@newsite.test"},
}


def test_registering_on_the_page_adopts_the_waiting_items(client, users):
    first = reported_item("https://newsite.test/p/1")
    second = reported_item("https://www.newsite.test/p/2")
    client.force_login(users["coordinator"])

    response = client.post(
        reverse("platforms:platform-add"),
        {
            "name": "New Site",
            "domains": "newsite.test",
            "notice_address": "dsa@newsite.test",
            "languages": "en",
        },
        follow=True,
    )

    html = response.content.decode()
    assert "Platform New Site registered. 2 waiting items now belong to New Site." in html
    [row] = response.context["platforms"]
    assert row.item_count == 2
    for item in (first, second):
        item.refresh_from_db()
        assert item.platform == row
    assert CaseEvent.objects.filter(kind=CaseEvent.Kind.PLATFORM).count() == 2


def test_a_coordinator_adds_a_domain_on_the_page_and_its_items_follow(client, users):
    platform = social_platform(users["coordinator"])
    item = reported_item("https://soc-img.test/p/1")
    client.force_login(users["admin"])
    url = reverse("platforms:platform-domains-add", args=[platform.id])
    page = client.get(url).content.decode()
    assert "social.test" in page and 'name="domains"' in page

    response = client.post(url, {"domains": "soc-img.test\nSOC-VID.test"}, follow=True)

    assert "Added to Social: soc-img.test, soc-vid.test." in response.content.decode()
    assert "1 waiting item now belongs to Social." in response.content.decode()
    assert sorted(platform.domains.values_list("domain", flat=True)) == [
        "soc-img.test",
        "soc-vid.test",
        "social.test",
    ]
    item.refresh_from_db()
    assert item.platform == platform


def test_a_domain_of_another_platform_is_refused_on_the_form(client, users):
    social = social_platform(users["coordinator"])
    other = social_platform(users["coordinator"], name="Other", domains=("other.test",))
    client.force_login(users["coordinator"])
    response = client.post(
        reverse("platforms:platform-domains-add", args=[other.id]), {"domains": "social.test"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["domains"] == ["Already registered."]
    assert "social.test (Social)" in response.content.decode()
    assert PlatformDomain.objects.get(domain="social.test").platform == social


def test_the_list_offers_adding_domains_to_editors_only(client, users):
    platform = social_platform(users["coordinator"])
    link = reverse("platforms:platform-domains-add", args=[platform.id])
    client.force_login(users["coordinator"])
    assert link in client.get(reverse("platforms:platform-list")).content.decode()
    client.force_login(users["analyst"])
    assert link not in client.get(reverse("platforms:platform-list")).content.decode()


@pytest.mark.parametrize("role", ["analyst", "reviewer", "intake", "auditor", "partner"])
def test_other_roles_cannot_add_domains(client, users, role):
    platform = social_platform(users["coordinator"])
    client.force_login(users[role])
    url = reverse("platforms:platform-domains-add", args=[platform.id])
    assert client.post(url, {"domains": "x.test"}).status_code == 403
    assert not PlatformDomain.objects.filter(domain="x.test").exists()


def test_the_api_registration_says_how_many_items_it_adopted(api, users):
    item = reported_item("https://newsite.test/p/1")
    response = api("coordinator").post("/platforms", BODY)
    assert response.status_code == 201
    assert response.json()["adopted_items"] == 1
    item.refresh_from_db()
    assert item.platform.slug == response.json()["slug"] == "new-site"


def test_the_api_adds_domains_and_adopts(api, users):
    platform = social_platform(users["coordinator"])
    item = reported_item("https://m.soc.test/p/1")
    response = api("admin").post(f"/platforms/{platform.id}/domains", {"domains": ["soc.test"]})
    assert response.status_code == 201
    body = response.json()
    assert body["id"] == str(platform.id) and body["adopted_items"] == 1
    assert body["domains"] == ["soc.test", "social.test"]
    item.refresh_from_db()
    assert item.platform == platform


@pytest.mark.parametrize(
    ("domains", "message"),
    [
        (["social.test"], "already registered: social.test (Social)"),
        (["https://soc.test/"], "is not a domain name"),
        (["soc test.test"], "is not a domain name"),
        (["co.uk"], "public suffix"),
        ([], None),
    ],
)
def test_the_api_refuses_bad_domains_with_422(api, users, domains, message):
    platform = social_platform(users["coordinator"], name="Other", domains=("other.test",))
    social_platform(users["coordinator"])
    response = api("coordinator").post(f"/platforms/{platform.id}/domains", {"domains": domains})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid" and "domains" in error["fields"]
    if message:
        assert message in error["message"]
    assert list(platform.domains.values_list("domain", flat=True)) == ["other.test"]


def test_a_domain_repeated_in_one_request_is_added_once(api, users):
    platform = social_platform(users["coordinator"])
    response = api("coordinator").post(
        f"/platforms/{platform.id}/domains", {"domains": ["soc.test", "SOC.test."]}
    )
    assert response.status_code == 201
    assert response.json()["domains"] == ["soc.test", "social.test"]


@pytest.mark.parametrize("role", ["analyst", "reviewer", "intake", "auditor", "partner"])
def test_only_coordinators_and_admins_add_domains_through_the_api(api, users, role):
    platform = social_platform(users["coordinator"])
    response = api(role).post(f"/platforms/{platform.id}/domains", {"domains": ["soc.test"]})
    assert response.status_code == 403
    assert api(None).post(f"/platforms/{platform.id}/domains", {}).status_code == 401
    assert not PlatformDomain.objects.filter(domain="soc.test").exists()


def test_an_unknown_platform_is_404(api, users):
    response = api("coordinator").post(
        "/platforms/00000000-0000-4000-8000-000000000000/domains", {"domains": ["x.test"]}
    )
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert not Platform.objects.exists()


def test_registering_a_path_of_a_shared_host_adopts_only_its_items(api, users, settings):
    settings.URL_RESOLVER = "flagdesk.core.testing.test_resolver"
    search = api("coordinator").post(
        "/platforms", {**BODY, "name": "Search", "domains": ["search.test"]}
    )
    assert search.status_code == 201
    place = reported_item("https://www.search.test/maps/place/1")
    result = reported_item("https://www.search.test/results?q=x")
    maps = api("coordinator").post(
        "/platforms", {**BODY, "name": "Maps", "domains": ["search.test/maps"]}
    )
    assert maps.status_code == 201, maps.content
    assert maps.json()["adopted_items"] == 1
    place.refresh_from_db()
    result.refresh_from_db()
    assert (place.platform.name, result.platform.name) == ("Maps", "Search")
    later = reported_item("https://search.test/maps/other")
    assert later.platform.name == "Maps"
