"""Whether a platform matches content by hash: set at registration, switched later, audited.
Notices to it then carry the items' known hashes (flagdesk/notices/tests)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from flagdesk.audit.models import AuditEntry
from flagdesk.cases.tests.factories import social_platform
from flagdesk.platforms.models import Platform

pytestmark = pytest.mark.django_db


def test_registration_records_it_and_the_list_shows_it(api, users):
    response = api("coordinator").post(
        "/platforms",
        {
            "name": "Hashy",
            "domains": ["hashy.test"],
            "notice_channel": {"type": "email", "address": "dsa@hashy.test"},
            "accepts_hash_matching": True,
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["accepts_hash_matching"] is True
    [listed] = [p for p in api("analyst").get("/platforms").json() if p["name"] == "Hashy"]
    assert listed["accepts_hash_matching"] is True


def test_patch_switches_it_for_coordinators_and_admins_only(api, users):
    platform = social_platform(users["coordinator"])
    response = api("admin").patch(f"/platforms/{platform.id}", {"accepts_hash_matching": True})
    assert response.status_code == 200, response.content
    assert response.json()["accepts_hash_matching"] is True
    assert Platform.objects.get(pk=platform.pk).accepts_hash_matching
    assert AuditEntry.objects.filter(action="platform.hash_matching").exists()
    refused = api("analyst").patch(f"/platforms/{platform.id}", {"accepts_hash_matching": False})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"
    missing = api("coordinator").patch(
        "/platforms/00000000-0000-0000-0000-000000000000", {"accepts_hash_matching": True}
    )
    assert missing.status_code == 404
    assert api("coordinator").patch(f"/platforms/{platform.id}", {}).status_code == 422


def test_the_list_page_switch(client, users):
    platform = social_platform(users["coordinator"])
    client.force_login(users["coordinator"])
    url = reverse("platforms:platform-hash-matching", args=[platform.id])
    page = client.post(url, {"accepts": "1"}, follow=True).content.decode()
    assert Platform.objects.get(pk=platform.pk).accepts_hash_matching
    assert "now carry the items" in page
    client.post(url, {"accepts": "0"})
    assert not Platform.objects.get(pk=platform.pk).accepts_hash_matching
    client.force_login(users["analyst"])
    assert client.post(url, {"accepts": "1"}).status_code == 403
    assert not Platform.objects.get(pk=platform.pk).accepts_hash_matching
