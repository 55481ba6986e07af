"""The platform registry maintained by a coordinator: facts, channels in order, the inbound
secret, and the registry as JSON (the shipped seed, an export, an import), through the API and
the command line."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from flagdesk.audit.models import AuditEntry
from flagdesk.cases.tests.factories import reported_item
from flagdesk.platforms.models import Platform, PlatformChannel
from flagdesk.platforms.services import SEED, export_registry, notice_channel

pytestmark = pytest.mark.django_db


def seeded(api):
    response = api("coordinator").post("/platforms/import", json.loads(SEED.read_text()))
    assert response.status_code == 200, response.content
    return response.json()


def test_the_seed_registers_every_platform_without_a_channel(api, users):
    done = seeded(api)
    assert len(done["created"]) >= 25
    youtube = Platform.objects.get(slug="youtube")
    assert {"youtu.be", "youtube.com"} <= set(youtube.domains.values_list("domain", flat=True))
    # Never an invented address: notices to a seeded platform go by hand until a coordinator
    # enters a verified channel.
    assert not PlatformChannel.objects.exists()
    assert notice_channel(youtube).kind == "webform"
    assert api("coordinator").get("/platforms").json()[0]["notice_channel"]["type"] == "manual"


def test_short_links_and_cdn_hosts_resolve_to_their_platform(api, users):
    seeded(api)
    waiting = reported_item("https://t.co/AbCdEf")
    cdn = reported_item("https://scontent-bru2-1.xx.fbcdn.net/v/t39/photo.jpg")
    waiting.refresh_from_db()
    cdn.refresh_from_db()
    assert waiting.platform.slug == "x-twitter" or waiting.platform.domains.filter(domain="t.co")
    assert cdn.platform.domains.filter(domain="fbcdn.net").exists()


def test_importing_adopts_the_items_waiting_for_a_new_domain(api, users):
    item = reported_item("https://youtu.be/xyz")
    assert item.platform is None
    done = seeded(api)
    item.refresh_from_db()
    assert item.platform is not None and item.platform.slug == "youtube"
    assert done["adopted_items"] == 1


def test_a_second_import_changes_nothing_and_an_export_round_trips(api, users):
    seeded(api)
    before = export_registry()
    again = seeded(api)
    assert again["created"] == [] and len(again["updated"]) == len(before["platforms"])
    exported = api("coordinator").get("/platforms/export").json()
    assert exported == before == export_registry()


def test_an_import_is_all_or_nothing_and_names_every_problem(api, users):
    seeded(api)
    bad = {
        "version": 1,
        "platforms": [
            {"name": "Fine New", "slug": "fine-new", "domains": ["fine-new.test"]},
            {"name": "Thief", "domains": ["youtube.com"]},
            {"name": "Odd", "domains": ["odd.test"], "member_state": "Belgium"},
        ],
    }
    response = api("coordinator").post("/platforms/import", bad)
    assert response.status_code == 422
    fields = response.json()["error"]["fields"]
    assert set(fields) == {"Thief", "Odd"}
    assert "youtube.com" in fields["Thief"]
    assert not Platform.objects.filter(slug="fine-new").exists()


def test_not_a_registry_file_is_refused(api, users):
    response = api("coordinator").post("/platforms/import", {"platforms": []})
    assert response.status_code == 422
    assert "registry" in response.json()["error"]["message"]


def test_only_coordinators_and_admins_change_the_registry(api, users):
    platform = Platform.objects.create(name="P", slug="p")
    for role in ("analyst", "reviewer", "intake", "auditor", "partner"):
        assert api(role).post("/platforms/import", {"version": 1}).status_code == 403
        assert api(role).patch(f"/platforms/{platform.id}", {"vlop": True}).status_code == 403
        assert api(role).get("/platforms/export").status_code == 403
        secret = api(role).post(f"/platforms/{platform.id}/inbound-secret")
        assert secret.status_code == 403


def test_facts_are_validated_and_audited(api, users):
    platform = Platform.objects.create(name="P", slug="p", languages=["en"])
    response = api("coordinator").patch(
        f"/platforms/{platform.id}",
        {"member_state": "ie", "vlop": True, "sla_hours": {"default": 24, "ncii": 12}},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["member_state"], body["vlop"], body["sla_hours"]["ncii"]) == ("IE", True, 12)
    platform.refresh_from_db()
    assert platform.sla_hours_for("ncii") == 12 and platform.sla_hours_for("csam") == 24
    entry = AuditEntry.objects.filter(action="platform.facts").latest("seq")
    assert entry.data["after"]["member_state"] == "IE"

    response = api("coordinator").patch(
        f"/platforms/{platform.id}",
        {"sla_hours": {"nonsense": 3}, "renotice_every_hours": 2, "languages": ["xx"]},
    )
    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {
        "sla_hours",
        "renotice_every_hours",
        "languages",
    }


def test_channels_are_checked_when_saved_and_kept_in_order(api, users, monkeypatch, settings):
    platform = Platform.objects.create(name="P", slug="p", languages=["en"])
    url = f"/platforms/{platform.id}/channels"
    bad = {
        "channels": [
            {"type": "email", "address": "not an address"},
            {"type": "api", "endpoint": "http://platform.test/notices", "auth": "bearer"},
        ]
    }
    response = api("coordinator").post(url, bad)  # PUT only
    assert response.status_code == 405
    response = _put(api, url, bad)
    assert response.status_code == 422
    fields = response.json()["error"]["fields"]
    assert "channels.1.address" in fields and "channels.2.endpoint" in fields
    assert "channels.2.secret_ref" in fields
    assert not platform.channels.exists()

    monkeypatch.setenv("FLAGDESK_PLATFORM_P_TOKEN", "s3cret-value")
    good = {
        "channels": [
            {
                "type": "api",
                "endpoint": "https://platform.test/notices",
                "auth": "bearer",
                "secret_ref": "env:FLAGDESK_PLATFORM_P_TOKEN",
            },
            {"type": "email", "address": "dsa@platform.test"},
        ]
    }
    response = _put(api, url, good)
    assert response.status_code == 200, response.content
    assert [c["type"] for c in response.json()["channels"]] == ["api", "email"]
    assert "s3cret-value" not in response.content.decode()
    assert notice_channel(platform).kind == "api"
    # A secret missing on this machine: the next channel in order takes the notice.
    monkeypatch.delenv("FLAGDESK_PLATFORM_P_TOKEN")
    assert notice_channel(platform).kind == "email"
    entry = AuditEntry.objects.filter(action="platform.channels").latest("seq")
    assert "s3cret-value" not in json.dumps(entry.data)


def test_the_inbound_secret_is_shown_once_and_stored_encrypted(api, users):
    platform = Platform.objects.create(name="P", slug="p")
    secret = api("coordinator").post(f"/platforms/{platform.id}/inbound-secret").json()["secret"]
    assert len(secret) >= 40
    listed = api("coordinator").get("/platforms").json()[0]
    assert listed["has_inbound_secret"] is True and secret not in json.dumps(listed)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT inbound_secret FROM platforms_platform")
        [(stored,)] = cursor.fetchall()
    assert secret not in stored
    platform.refresh_from_db()
    assert platform.inbound_secret == secret


def test_the_command_line_seeds_exports_and_imports(users, tmp_path, capsys):
    call_command("platforms", "seed", "--user", "carol")
    out = tmp_path / "registry.json"
    call_command("platforms", "export", "-o", str(out))
    exported = json.loads(out.read_text())
    assert len(exported["platforms"]) >= 25
    call_command("platforms", "import", str(out), "--user", "carol")
    assert "Platforms added: 0;" in capsys.readouterr().out
    with pytest.raises(Exception, match="role"):
        call_command("platforms", "seed", "--user", "alice")


def _put(api, url, body):
    caller = api("coordinator")
    from django.test import Client

    return Client().put(
        f"/api/v1{url}",
        json.dumps(body),
        content_type="application/json",
        headers=caller.headers,
    )
