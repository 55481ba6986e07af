"""The platform registry pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from flagdesk.cases.tests.factories import reported_item, social_platform
from flagdesk.platforms.models import Platform

pytestmark = pytest.mark.django_db


def test_list_shows_domains_channel_languages_and_item_count(client, users):
    social_platform(users["coordinator"], domains=("social.test", "soc.test"))
    reported_item("https://social.test/a")
    reported_item("https://soc.test/b")
    client.force_login(users["analyst"])
    response = client.get(reverse("platforms:platform-list"))
    html = response.content.decode()
    assert "social.test" in html and "soc.test" in html
    assert "dsa@social.test" in html and "en, fr" in html
    [row] = response.context["platforms"]
    assert row.item_count == 2
    assert reverse("platforms:platform-add") not in html  # analysts cannot add


def test_coordinator_adds_a_platform(client, users):
    client.force_login(users["coordinator"])
    response = client.post(
        reverse("platforms:platform-add"),
        {
            "name": "Video Site",
            "domains": "video.test\nvid.test",
            "notice_address": "dsa@video.test",
            "languages": "nl, en",
            "is_vlop": "on",
        },
    )
    assert response.status_code == 302
    platform = Platform.objects.get(name="Video Site")
    assert sorted(platform.domains.values_list("domain", flat=True)) == ["vid.test", "video.test"]
    assert platform.languages == ["nl", "en"] and platform.is_vlop


def test_add_shows_service_errors(client, users):
    social_platform(users["coordinator"])
    client.force_login(users["admin"])
    response = client.post(
        reverse("platforms:platform-add"),
        {"name": "Copy", "domains": "social.test", "notice_address": "a@b.test", "languages": "en"},
    )
    assert response.status_code == 200
    assert "domains" in response.context["form"].errors


def test_add_validates_languages(client, users):
    client.force_login(users["coordinator"])
    response = client.post(
        reverse("platforms:platform-add"),
        {"name": "X", "domains": "x.test", "notice_address": "a@x.test", "languages": "english"},
    )
    assert "languages" in response.context["form"].errors


@pytest.mark.parametrize("role", ["analyst", "reviewer", "intake", "auditor"])
def test_other_roles_cannot_add(client, users, role):
    client.force_login(users[role])
    assert client.get(reverse("platforms:platform-add")).status_code == 403
