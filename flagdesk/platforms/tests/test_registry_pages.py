"""The coordinator's registry pages: the list with its channels, a platform's edit page (facts,
channels in order, the inbound secret), the JSON export and the import page."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from flagdesk.audit.models import AuditEntry
from flagdesk.cases.tests.factories import reported_item, social_platform
from flagdesk.core.taxonomy import phenomenon_choices
from flagdesk.platforms.models import Platform, PlatformChannel

pytestmark = pytest.mark.django_db

EDITORS = ["coordinator", "admin"]
OTHER_STAFF = ["analyst", "reviewer", "intake", "auditor"]
REFUSED = "You cannot open this page"


@pytest.fixture
def social(users) -> Platform:
    return social_platform(users["coordinator"])


def edit_url(platform: Platform) -> str:
    return reverse("platforms:platform-edit", args=[platform.id])


def facts_data(**overrides: Any) -> dict[str, Any]:
    """The facts form as a browser sends it (unticked boxes are simply absent)."""
    data: dict[str, Any] = {
        "form": "facts",
        "category": "social_network",
        "legal_entity": "Social Europe Ltd",
        "member_state": "ie",
        "is_vlop": "on",
        "tdb_name": "Social",
        "languages": ["en", "fr"],
        "escalation_contacts": "Trust & Safety lead\nlegal@social.test",
        "renotice_every_hours": "48",
        "sla_default": "24",
        "sla_ncii": "12",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def channels_data(*rows: dict[str, Any], initial: int = 0) -> dict[str, Any]:
    """The channels formset as a browser sends it: five rows, blank ones left empty."""
    data: dict[str, Any] = {
        "form": "channels",
        "channels-TOTAL_FORMS": "5",
        "channels-INITIAL_FORMS": str(initial),
        "channels-MIN_NUM_FORMS": "0",
        "channels-MAX_NUM_FORMS": "5",
    }
    for i in range(5):
        row = rows[i] if i < len(rows) else {}
        for field in ("kind", "address", "endpoint", "auth", "secret_ref", "language"):
            data[f"channels-{i}-{field}"] = row.get(field, "")
        data[f"channels-{i}-timeout_seconds"] = row.get("timeout_seconds", "")
        data[f"channels-{i}-ORDER"] = row.get("ORDER", "")
        if row.get("DELETE"):
            data[f"channels-{i}-DELETE"] = "on"
    return data


# Pages and permissions


@pytest.mark.parametrize("role", EDITORS)
def test_editors_open_every_registry_page(client, users, social, role):
    client.force_login(users[role])
    listing = client.get(reverse("platforms:platform-list")).content.decode()
    for link in (
        edit_url(social),
        reverse("platforms:platform-export"),
        reverse("platforms:platform-import"),
    ):
        assert f'href="{link}"' in listing
    edit = client.get(edit_url(social))
    assert edit.status_code == 200
    html = edit.content.decode()
    assert 'name="form" value="facts"' in html
    assert 'name="form" value="channels"' in html
    assert 'name="form" value="secret"' in html
    assert client.get(reverse("platforms:platform-import")).status_code == 200
    assert client.get(reverse("platforms:platform-export")).status_code == 200


def test_the_list_shows_category_member_state_badges_and_channels(client, users, social):
    other = social_platform(users["coordinator"], name="Quiet", domains=("quiet.test",))
    other.channels.all().delete()
    Platform.objects.filter(pk=social.pk).update(
        category="video", member_state="IE", is_vlop=True, is_vlose=True
    )
    client.force_login(users["analyst"])
    html = client.get(reverse("platforms:platform-list")).content.decode()
    assert "Video sharing" in html and ">IE<" in html
    assert ">VLOP<" in html and ">VLOSE<" in html
    assert 'Email → <span class="url">dsa@social.test</span>' in html
    assert "By hand" in html
    assert html.count("no verified channel: notices go by hand") == 1  # Quiet only
    # Analysts read the list but are offered no page that writes the registry.
    assert edit_url(social) not in html
    assert reverse("platforms:platform-export") not in html
    assert reverse("platforms:platform-import") not in html


@pytest.mark.parametrize("role", OTHER_STAFF)
def test_other_staff_get_the_styled_refusal(client, users, social, role):
    client.force_login(users[role])
    for url in (
        edit_url(social),
        reverse("platforms:platform-import"),
        reverse("platforms:platform-export"),
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        html = response.content.decode()
        # The staff page with its menu and the reason, not Django's bare "403 Forbidden".
        assert REFUSED in html and 'class="topbar"' in html and "Coordinator" in html, url
    secret = client.post(edit_url(social), {"form": "secret"})
    assert secret.status_code == 403
    social.refresh_from_db()
    assert social.inbound_secret == ""


def test_anonymous_visitors_are_sent_to_the_login_page(client, social):
    for url in (edit_url(social), reverse("platforms:platform-import")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


# Facts


def test_facts_are_saved_and_audited(client, users, social):
    client.force_login(users["coordinator"])
    response = client.post(edit_url(social), facts_data(accepts_hash_matching="on"))
    assert response.status_code == 302 and response["Location"] == edit_url(social)
    social.refresh_from_db()
    assert social.category == "social_network"
    assert social.legal_entity == "Social Europe Ltd"
    assert social.member_state == "IE"
    assert social.is_vlop and not social.is_vlose
    assert social.sla_hours == {"default": 24, "ncii": 12}
    assert social.renotice_every_hours == 48
    assert social.escalation_contacts == "Trust & Safety lead\nlegal@social.test"
    assert social.accepts_hash_matching
    facts = AuditEntry.objects.get(action="platform.facts")
    assert facts.actor == users["coordinator"] and facts.target == f"platform:{social.pk}"
    assert (
        facts.data["before"]["member_state"] == "" and facts.data["after"]["member_state"] == "IE"
    )
    assert AuditEntry.objects.filter(action="platform.hash_matching").count() == 1
    page = client.get(edit_url(social)).content.decode()
    assert "The facts about Social were saved." in page
    assert 'value="Social Europe Ltd"' in page


def test_saving_again_records_no_hash_matching_change(client, users, social):
    client.force_login(users["admin"])
    # An administrator keeps the registry but does not approve re-notices in advance.
    refused = client.post(edit_url(social), facts_data()).content.decode()
    assert "Only a coordinator can set automatic re-notices" in refused
    client.post(edit_url(social), facts_data(renotice_every_hours=""))
    client.post(
        edit_url(social), facts_data(renotice_every_hours="", legal_entity="Social Group SA")
    )
    assert not AuditEntry.objects.filter(action="platform.hash_matching").exists()
    assert AuditEntry.objects.filter(action="platform.facts").count() == 2


def test_only_the_facts_that_changed_are_sent(client, users, social):
    client.force_login(users["coordinator"])
    client.post(edit_url(social), facts_data())
    client.force_login(users["admin"])
    client.post(edit_url(social), facts_data(legal_entity="Social Group SA"))
    social.refresh_from_db()
    assert social.legal_entity == "Social Group SA"
    # The admin changed the legal entity, not the cadence carol set and approved.
    assert social.renotice_approved_by == users["coordinator"]
    last = AuditEntry.objects.filter(action="platform.facts").order_by("-seq").first()
    assert last.data["after"] == {"legal_entity": "Social Group SA"}


def test_a_bad_member_state_is_shown_on_its_field(client, users, social):
    client.force_login(users["coordinator"])
    response = client.post(edit_url(social), facts_data(member_state="I1"))
    assert response.status_code == 200
    form = response.context["facts"]
    assert form.errors["member_state"] == ["The two letters of an EU or EEA country, e.g. IE."]
    html = response.content.decode()
    assert "The facts were not saved." in html
    assert '<a href="#id_member_state">Member State of establishment</a>' in html
    social.refresh_from_db()
    assert social.member_state == "" and social.legal_entity == ""
    assert not AuditEntry.objects.filter(action="platform.facts").exists()


def test_a_renotice_under_a_day_is_refused_on_its_field(client, users, social):
    client.force_login(users["coordinator"])
    response = client.post(edit_url(social), facts_data(renotice_every_hours="6"))
    assert response.context["facts"].errors["renotice_every_hours"] == [
        "Empty, or at least 24 hours."
    ]


def test_the_sla_rows_are_labelled_in_the_readers_language(client, users, social, settings):
    client.force_login(users["coordinator"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    html = client.get(edit_url(social)).content.decode()
    for code, label in phenomenon_choices("fr"):
        assert f'<label for="id_sla_{code}">{escape(label)}</label>' in html


def test_newly_ticked_languages_come_after_the_saved_ones(client, users, social):
    Platform.objects.filter(pk=social.pk).update(languages=["fr", "en"])
    client.force_login(users["coordinator"])
    client.post(edit_url(social), facts_data(languages=["en", "fr", "nl"]))
    social.refresh_from_db()
    assert social.languages == ["fr", "en", "nl"]  # notices still go out in French


# Channels


def test_channels_are_saved_in_the_order_asked(client, users, social):
    client.force_login(users["coordinator"])
    data = channels_data(
        {"kind": "webform", "endpoint": "https://social.test/report", "ORDER": "3"},
        {"kind": "email", "address": "dsa@social.test", "language": "fr", "ORDER": "1"},
        {
            "kind": "api",
            "endpoint": "https://api.social.test/dsa/notices",
            "timeout_seconds": "30",
            "ORDER": "2",
        },
    )
    response = client.post(edit_url(social), data)
    assert response.status_code == 302, response.context and response.context["channels"].errors
    saved = list(social.channels.order_by("position"))
    assert [c.kind for c in saved] == ["email", "api", "webform"]
    assert saved[0].language == "fr" and saved[1].options == {"timeout_seconds": 30}
    assert all(c.verified_by == users["coordinator"] for c in saved)
    assert AuditEntry.objects.filter(action="platform.channels").exists()
    page = client.get(edit_url(social)).content.decode()
    assert "The channels of Social were saved." in page
    assert page.count("Verified by carol on") == 3


def test_removing_a_channel_keeps_the_others_in_order(client, users, social):
    client.force_login(users["coordinator"])
    client.post(
        edit_url(social),
        channels_data(
            {"kind": "email", "address": "dsa@social.test", "ORDER": "1"},
            {"kind": "email", "address": "legal@social.test", "ORDER": "2"},
            initial=1,
        ),
    )
    client.post(
        edit_url(social),
        channels_data(
            {"kind": "email", "address": "dsa@social.test", "ORDER": "1", "DELETE": True},
            {"kind": "email", "address": "legal@social.test", "ORDER": "2"},
            initial=2,
        ),
    )
    assert list(social.channels.values_list("address", flat=True)) == ["legal@social.test"]


def test_a_bad_api_endpoint_is_shown_on_row_two(client, users, social):
    client.force_login(users["coordinator"])
    response = client.post(
        edit_url(social),
        channels_data(
            {"kind": "email", "address": "new@social.test", "ORDER": "1"},
            {"kind": "api", "endpoint": "http://api.social.test/dsa", "ORDER": "2"},
        ),
    )
    assert response.status_code == 200
    rows = response.context["channels"].forms
    assert not rows[0].errors
    assert rows[1].errors["endpoint"] == [
        "The address must start with https://; notices are never sent unencrypted."
    ]
    assert "The channels were not saved." in response.content.decode()
    # Nothing was written: the channel made at registration is still the only one.
    assert list(social.channels.values_list("address", flat=True)) == ["dsa@social.test"]


def test_a_timeout_out_of_range_is_shown_on_its_field(client, users, social):
    client.force_login(users["coordinator"])
    response = client.post(
        edit_url(social),
        channels_data(
            {"kind": "api", "endpoint": "https://api.social.test/dsa", "timeout_seconds": "999"}
        ),
    )
    assert (
        "timeout_seconds must be a number from 1 to 120."
        in (response.context["channels"].forms[0].errors["timeout_seconds"][0])
    )


def test_the_page_says_secrets_are_never_entered_here(client, users, social):
    client.force_login(users["coordinator"])
    html = client.get(edit_url(social)).content.decode()
    assert "Never enter a password or token here." in html
    assert "<code>env:NAME</code>" in html and "<code>file:/path</code>" in html


# Inbound secret


def test_the_inbound_secret_is_shown_once(client, users, social):
    client.force_login(users["coordinator"])
    response = client.post(edit_url(social), {"form": "secret"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    social.refresh_from_db()
    secret = social.inbound_secret
    assert secret
    html = response.content.decode()
    assert secret in html
    assert "copy it now, it is not shown again" in html
    assert "/api/v1/inbound/social" in html
    assert "X-Flagdesk-Signature: sha256=" in html
    assert AuditEntry.objects.filter(action="platform.inbound_secret").count() == 1
    again = client.get(edit_url(social)).content.decode()
    assert secret not in again and "A secret is set." in again


# Export and import


def test_the_export_is_a_json_download(client, users, social):
    client.force_login(users["admin"])
    response = client.get(reverse("platforms:platform-export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"] == 'attachment; filename="flagdesk-platforms.json"'
    data = json.loads(response.content)
    [entry] = data["platforms"]
    assert data["version"] == 1 and entry["slug"] == "social"
    assert entry["domains"] == ["social.test"] and entry["channels"][0]["kind"] == "email"


def upload(content: bytes, name: str = "registry.json") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/json")


def test_a_bad_import_lists_every_problem_and_writes_nothing(client, users, social):
    registry = {
        "version": 1,
        "platforms": [
            {"name": "Fine", "slug": "fine", "domains": ["fine.test"], "languages": ["en"]},
            {"name": "Stateless", "member_state": "Ireland", "domains": ["stateless.test"]},
            {"name": "Squatter", "domains": ["social.test"]},
        ],
    }
    client.force_login(users["coordinator"])
    before = AuditEntry.objects.count()  # after the login, which is audited too
    response = client.post(
        reverse("platforms:platform-import"),
        {"form": "upload", "file": upload(json.dumps(registry).encode())},
    )
    assert response.status_code == 200
    problems = response.context["problems"]
    assert len(problems) == 2
    assert problems[0].startswith("Stateless: ") and problems[1].startswith("Squatter: ")
    assert "social.test already belongs to social." in problems[1]
    html = response.content.decode()
    assert "Nothing was imported." in html and "Stateless" in html and "Squatter" in html
    assert list(Platform.objects.values_list("slug", flat=True)) == ["social"]
    assert AuditEntry.objects.count() == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"name,domains\nX,x.test\n", "The file is not valid JSON (line 1)."),
        ('{"version": 1, "x": "é"}'.encode("latin-1"), "The file is not UTF-8 text"),
        (b" " * (5 * 1024 * 1024 + 1), "The file is larger than 5 MB"),
    ],
)
def test_an_unreadable_file_is_refused_clearly(client, users, content, message):
    client.force_login(users["coordinator"])
    response = client.post(
        reverse("platforms:platform-import"), {"form": "upload", "file": upload(content)}
    )
    assert response.status_code == 200
    [error] = response.context["form"].errors["file"]
    assert error.startswith(message)
    assert not Platform.objects.exists()


def test_a_file_that_is_no_registry_says_so(client, users):
    client.force_login(users["coordinator"])
    response = client.post(
        reverse("platforms:platform-import"),
        {"form": "upload", "file": upload(b'{"platforms": []}')},
    )
    assert response.context["problems"] == ["This is not a flagdesk platform registry (version 1)."]


def test_the_shipped_list_loads_and_adopts_a_waiting_item(client, users):
    waiting = reported_item("https://youtu.be/x")
    assert waiting.platform is None
    client.force_login(users["coordinator"])
    response = client.post(reverse("platforms:platform-import"), {"form": "seed"}, follow=True)
    assert response.redirect_chain == [(reverse("platforms:platform-list"), 302)]
    created = Platform.objects.count()
    assert created >= 25
    html = response.content.decode()
    assert (
        f"Registry imported. Platforms added: {created}; updated: 0; "
        "waiting items now on their platform: 1" in html
    )
    waiting.refresh_from_db()
    assert waiting.platform is not None and waiting.platform.slug == "youtube"
    # A seed enters no channel: every seeded platform says its notices go by hand.
    assert not PlatformChannel.objects.exists()
    assert html.count("no verified channel: notices go by hand") == created


def test_an_import_round_trips_an_export(client, users, social):
    client.force_login(users["coordinator"])
    exported = client.get(reverse("platforms:platform-export")).content
    response = client.post(
        reverse("platforms:platform-import"), {"form": "upload", "file": upload(exported)}
    )
    assert response.status_code == 302
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == [
        "Registry imported. Platforms added: 0; updated: 1; waiting items now on their platform: 0."
    ]
