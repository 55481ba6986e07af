"""A platform's re-check plan (``recheck_hours``) and its "content unavailable" patterns
(``unavailable_patterns``): edited by a coordinator on the platform's page or through the API,
checked by the registry's rules, audited, carried in the registry's export and import, and read
by the re-checks as saved."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from flagdesk.audit.models import AuditEntry
from flagdesk.cases.tests.factories import reported_item, social_platform
from flagdesk.core.errors import ValidationFailed
from flagdesk.core.taxonomy import phenomenon_choices
from flagdesk.monitoring.judge import Patterns
from flagdesk.monitoring.schedule import plan_hours
from flagdesk.platforms.models import Platform
from flagdesk.platforms.services import clean_facts, export_registry, import_registry
from flagdesk.platforms.services.registry import update_facts

pytestmark = pytest.mark.django_db

PATTERNS = "This content isn't available\r\n  URL:/login  \r\n\r\n# seen on a removed video\r\n"
SAVED_PATTERNS = "This content isn't available\nURL:/login\n\n# seen on a removed video"


@pytest.fixture
def social(users) -> Platform:
    return social_platform(users["coordinator"])


@pytest.fixture(autouse=True)
def _organisation_plan(settings):
    settings.MONITORING_RECHECK_HOURS = [1, 6, 24]
    settings.MONITORING_RECHECK_EVERY_HOURS = 24
    settings.MONITORING_WATCH_DAYS = 180


def edit_url(platform: Platform) -> str:
    return reverse("platforms:platform-edit", args=[platform.id])


def facts_data(**overrides: Any) -> dict[str, Any]:
    """The facts form as a browser sends it, the platform's other facts left as they are."""
    return {"form": "facts", "languages": ["en", "fr"], **overrides}


def facts_audits() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action="platform.facts").order_by("seq"))


# The edit page


def test_a_coordinator_sets_the_plan_and_patterns_and_sees_them_again(client, users, social):
    client.force_login(users["coordinator"])
    page = client.get(edit_url(social)).content.decode()
    assert "Re-check plan (hours after the notice)" in page
    assert "Empty: the organisation&#x27;s plan, 1, 6, 24." in page
    assert "every 24 hours, until 180 days after the notice" in page
    assert 'name="unavailable_patterns"' in page and 'aria-describedby="patterns-hint"' in page

    response = client.post(
        edit_url(social),
        facts_data(
            recheck_default="1, 6, 24",
            recheck_csam="1 2 6",  # spaces are as good as commas
            unavailable_patterns=PATTERNS,
        ),
    )
    assert response.status_code == 302, response.context and response.context["facts"].errors
    social.refresh_from_db()
    assert social.recheck_hours == {"default": [1, 6, 24], "csam": [1, 2, 6]}
    assert social.unavailable_patterns == SAVED_PATTERNS
    [audit] = facts_audits()
    assert audit.actor == users["coordinator"] and audit.target == f"platform:{social.pk}"
    assert audit.data["before"] == {"recheck_hours": {}, "unavailable_patterns": ""}
    assert audit.data["after"] == {
        "recheck_hours": {"default": [1, 6, 24], "csam": [1, 2, 6]},
        "unavailable_patterns": SAVED_PATTERNS,
    }

    page = client.get(edit_url(social)).content.decode()
    assert 'name="recheck_default" value="1, 6, 24"' in page
    assert 'name="recheck_csam" value="1, 2, 6"' in page
    assert '<input type="text" name="recheck_ncii" size' in page  # no plan of its own
    assert escape(SAVED_PATTERNS) in page

    # Sent again as the browser shows it (CRLF line breaks): nothing changed, nothing audited.
    again = client.post(
        edit_url(social),
        facts_data(
            recheck_default="1, 6, 24",
            recheck_csam="1, 2, 6",
            unavailable_patterns=SAVED_PATTERNS.replace("\n", "\r\n"),
        ),
    )
    assert again.status_code == 302
    assert len(facts_audits()) == 1

    # Emptied: the organisation's plan applies again, and no page is recognised as gone.
    client.post(edit_url(social), facts_data(unavailable_patterns=""))
    social.refresh_from_db()
    assert social.recheck_hours == {} and social.unavailable_patterns == ""
    assert facts_audits()[-1].data["after"] == {"recheck_hours": {}, "unavailable_patterns": ""}


def test_what_the_page_saves_is_what_the_re_checks_read(client, users, social):
    client.force_login(users["coordinator"])
    client.post(
        edit_url(social),
        facts_data(recheck_default="2, 12", recheck_ncii="1, 3", unavailable_patterns=PATTERNS),
    )
    social.refresh_from_db()
    item = reported_item("https://social.test/p/1", phenomenon="ncii")
    assert item.platform == social
    assert plan_hours(item) == [1, 3]
    item.phenomenon = "doxing"
    assert plan_hours(item) == [2, 12]
    assert Patterns.parse(social.unavailable_patterns) == Patterns(
        texts=("this content isn't available",), urls=("/login",)
    )


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("recheck_default", "soon", "Whole hours only, separated by commas, e.g. 1, 6, 24."),
        ("recheck_default", "1.5, 6", "Whole hours only, separated by commas, e.g. 1, 6, 24."),
        (
            "recheck_ncii",
            "24, 6",
            "Each hour once, from the earliest to the latest, e.g. 1, 6, 24.",
        ),
        ("recheck_ncii", "6, 6", "Each hour once, from the earliest to the latest, e.g. 1, 6, 24."),
        ("recheck_csam", "0, 1", "Each hour must be between 1 and 8760."),
        ("recheck_csam", "8761", "Each hour must be between 1 and 8760."),
        (
            "recheck_csam",
            ", ".join(str(h) for h in range(1, 22)),
            "At most 20 re-checks; after the last one, the item is checked again every 24 hours "
            "anyway.",
        ),
    ],
)
def test_a_bad_plan_is_shown_on_its_row(client, users, social, field, typed, message):
    client.force_login(users["coordinator"])
    response = client.post(edit_url(social), facts_data(**{field: typed}))
    assert response.status_code == 200
    assert response.context["facts"].errors == {field: [message]}
    html = response.content.decode()
    assert "The facts were not saved." in html
    # The summary names the table, since the response-time rows have the same phenomena.
    label = "Any phenomenon not listed below" if field == "recheck_default" else None
    label = label or dict(phenomenon_choices())[field.removeprefix("recheck_")]
    assert f'<a href="#id_{field}">Re-checks: {escape(label)}</a>: {escape(message)}' in html
    social.refresh_from_db()
    assert social.recheck_hours == {}
    assert not facts_audits()


def test_bad_patterns_are_shown_on_their_field_line_by_line(client, users, social):
    client.force_login(users["coordinator"])
    typed = "\r\n".join(["# notes are fine", "Removed", "off", ".*removed.*", "url:", "x" * 201])
    response = client.post(edit_url(social), facts_data(unavailable_patterns=typed))
    assert response.status_code == 200
    [error] = response.context["facts"].errors["unavailable_patterns"]
    assert error == (
        "Line 3: “off” is too short: it would match almost any page. Use at least 4 characters. "
        "Line 4: “.*removed.*” looks like a regular expression; patterns are plain text. Write "
        "the words the page shows, without .* or \\d. "
        "Line 5: “url:” needs the part of the address to look for, e.g. url:/login. "
        "Line 6: At most 200 characters per line."
    )
    assert '<a href="#id_unavailable_patterns">' in response.content.decode()
    social.refresh_from_db()
    assert social.unavailable_patterns == ""


def test_the_plan_rows_are_labelled_in_the_readers_language(client, users, social, settings):
    client.force_login(users["coordinator"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    html = client.get(edit_url(social)).content.decode()
    for code, label in phenomenon_choices("fr"):
        assert f'<label for="id_recheck_{code}">{escape(label)}</label>' in html


def test_other_staff_cannot_change_the_plan(client, users, social):
    client.force_login(users["analyst"])
    response = client.post(edit_url(social), facts_data(recheck_default="1"))
    assert response.status_code == 403
    social.refresh_from_db()
    assert social.recheck_hours == {}


# The API


def test_the_api_sets_shows_and_refuses_plans_and_patterns(api, users, social):
    url = f"/platforms/{social.id}"
    response = api("coordinator").patch(
        url,
        {
            "recheck_hours": {"default": [2, 12], "csam": [1]},
            "unavailable_patterns": "Page not found\nurl:/removed",
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["recheck_hours"] == {"default": [2, 12], "csam": [1]}
    assert body["unavailable_patterns"] == "Page not found\nurl:/removed"
    [listed] = api("analyst").get("/platforms").json()
    assert listed["recheck_hours"] == {"default": [2, 12], "csam": [1]}
    assert listed["unavailable_patterns"] == "Page not found\nurl:/removed"
    assert facts_audits()[-1].data["after"]["recheck_hours"] == {"default": [2, 12], "csam": [1]}

    refused = api("coordinator").patch(
        url, {"recheck_hours": {"nonsense": [1]}, "unavailable_patterns": "ab"}
    )
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["code"] == "invalid"
    assert error["fields"] == {
        "recheck_hours": "Unknown phenomenon: nonsense.",
        "unavailable_patterns": (
            "Line 1: “ab” is too short: it would match almost any page. Use at least 4 characters."
        ),
    }
    unordered = api("coordinator").patch(url, {"recheck_hours": {"default": [6, 1]}})
    assert unordered.json()["error"]["fields"] == {
        "recheck_hours": "default: Each hour once, from the earliest to the latest, e.g. 1, 6, 24."
    }
    not_hours = api("coordinator").patch(url, {"recheck_hours": {"default": ["soon"]}})
    assert not_hours.status_code == 422
    assert list(not_hours.json()["error"]["fields"]) == ["recheck_hours.default.0"]
    social.refresh_from_db()
    assert social.recheck_hours == {"default": [2, 12], "csam": [1]}
    assert social.unavailable_patterns == "Page not found\nurl:/removed"


def test_only_registry_editors_patch_the_plan(api, users, social):
    for role in ("analyst", "reviewer", "intake", "auditor", "partner"):
        response = api(role).patch(f"/platforms/{social.id}", {"recheck_hours": {"default": [1]}})
        assert response.status_code == 403, role
    social.refresh_from_db()
    assert social.recheck_hours == {}


# The registry's rules


@pytest.mark.parametrize(
    "plans",
    [
        {},
        {"default": [1, 6, 24]},
        {"default": [8760], "csam": [1, 2, 6], "ncii": list(range(1, 21))},
    ],
)
def test_valid_plans_are_kept_as_given(plans):
    assert clean_facts({"recheck_hours": plans}) == {"recheck_hours": plans}


@pytest.mark.parametrize(
    ("plans", "message"),
    [
        ([1, 6, 24], 'Hours per phenomenon, as an object: {"default": [1, 6, 24]}.'),
        (None, 'Hours per phenomenon, as an object: {"default": [1, 6, 24]}.'),
        ({"spam": [1]}, "Unknown phenomenon: spam."),
        ({"default": []}, "default: Give at least one hour, e.g. 1, 6, 24."),
        ({"default": 24}, "default: A list of whole hours, e.g. [1, 6, 24]."),
        ({"default": ["soon"]}, "default: Whole hours only, separated by commas, e.g. 1, 6, 24."),
        ({"default": [True]}, "default: Whole hours only, separated by commas, e.g. 1, 6, 24."),
        ({"default": [1.5]}, "default: Whole hours only, separated by commas, e.g. 1, 6, 24."),
        ({"csam": [0]}, "csam: Each hour must be between 1 and 8760."),
        ({"csam": [1, 8761]}, "csam: Each hour must be between 1 and 8760."),
        (
            {"csam": [1, 1, 2]},
            "csam: Each hour once, from the earliest to the latest, e.g. 1, 6, 24.",
        ),
        (
            {"csam": [6, 1]},
            "csam: Each hour once, from the earliest to the latest, e.g. 1, 6, 24.",
        ),
        (
            {"csam": list(range(1, 22))},
            "csam: At most 20 re-checks; after the last one, the item is checked again every "
            "24 hours anyway.",
        ),
    ],
)
def test_a_bad_plan_is_refused_naming_the_phenomenon(plans, message):
    with pytest.raises(ValidationFailed) as refused:
        clean_facts({"recheck_hours": plans})
    assert refused.value.fields == {"recheck_hours": message}
    assert str(refused.value.message) == "Some registry fields are not valid: recheck_hours."


@pytest.mark.parametrize(
    ("typed", "saved"),
    [
        (None, ""),
        ("", ""),
        ("\r\n  Sorry, this page isn't available.  \r\n\r\n", "Sorry, this page isn't available."),
        ("# notes only\n#\n", "# notes only\n#"),
        # Every line break the re-checks read as one is stored as one (and checked as such).
        ("Gone away\u2028Not here\rRemoved", "Gone away\nNot here\nRemoved"),
        (
            "url:/login\nURL: /unavailable\nurl:?removed=1",
            "url:/login\nURL: /unavailable\nurl:?removed=1",
        ),
        ("\n".join(f"pattern {n:02d}" for n in range(50)), None),
    ],
)
def test_usable_patterns_are_stored_trimmed(typed, saved):
    expected = typed if saved is None else saved
    assert clean_facts({"unavailable_patterns": typed}) == {"unavailable_patterns": expected}


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (["a list"], "Text, one pattern per line."),
        (
            "abc",
            "Line 1: “abc” is too short: it would match almost any page. Use at least 4 "
            "characters.",
        ),
        ("url:  ", "Line 1: “url:” needs the part of the address to look for, e.g. url:/login."),
        (
            "url:/p",
            "Line 1: “/p” is too short: it would match almost any page. Use at least 4 characters.",
        ),
        (
            "^Removed",
            "Line 1: “^Removed” looks like a regular expression; patterns are plain "
            "text. Write the words the page shows, without .* or \\d.",
        ),
        (
            "post \\d+ removed",
            "Line 1: “post \\d+ removed” looks like a regular expression; "
            "patterns are plain text. Write the words the page shows, without .* or \\d.",
        ),
        ("gone\x07away", "Plain text only: this holds control characters."),
        (
            "Removed video\u2028ab",
            "Line 2: “ab” is too short: it would match almost any page. Use at least 4 characters.",
        ),
        ("\n".join(f"pattern {n:02d}" for n in range(51)), "At most 50 patterns."),
        ("# " + "x" * 5000, "At most 5000 characters in all."),
    ],
)
def test_unusable_patterns_are_refused_saying_why(typed, message):
    with pytest.raises(ValidationFailed) as refused:
        clean_facts({"unavailable_patterns": typed})
    assert refused.value.fields == {"unavailable_patterns": message}


# Export and import


def test_the_export_carries_both_and_an_import_restores_them(client, users, social):
    update_facts(
        social,
        actor=users["coordinator"],
        recheck_hours={"default": [1, 6, 24], "ncii": [1, 2]},
        unavailable_patterns="This content isn't available\nurl:/login",
    )
    client.force_login(users["coordinator"])
    exported = client.get(reverse("platforms:platform-export")).content
    [entry] = json.loads(exported)["platforms"]
    assert entry["recheck_hours"] == {"default": [1, 6, 24], "ncii": [1, 2]}
    assert entry["unavailable_patterns"] == "This content isn't available\nurl:/login"

    update_facts(social, actor=users["coordinator"], recheck_hours={}, unavailable_patterns="")
    response = client.post(
        reverse("platforms:platform-import"),
        {"form": "upload", "file": SimpleUploadedFile("r.json", exported, "application/json")},
    )
    assert response.status_code == 302
    social.refresh_from_db()
    assert social.recheck_hours == {"default": [1, 6, 24], "ncii": [1, 2]}
    assert social.unavailable_patterns == "This content isn't available\nurl:/login"
    assert export_registry()["platforms"][0] == json.loads(exported)["platforms"][0]


def test_a_file_without_the_fields_leaves_them_alone(users, social):
    # An export made before these fields existed, or a hand-written entry.
    update_facts(
        social,
        actor=users["coordinator"],
        recheck_hours={"default": [2]},
        unavailable_patterns="Gone away",
    )
    registry = {"version": 1, "platforms": [{"name": "Social", "slug": "social", "tdb_name": "S"}]}
    import_registry(registry, actor=users["coordinator"])
    social.refresh_from_db()
    assert social.tdb_name == "S"
    assert social.recheck_hours == {"default": [2]} and social.unavailable_patterns == "Gone away"


def test_an_import_with_a_bad_plan_names_the_platform_and_writes_nothing(users, social):
    registry = {
        "version": 1,
        "platforms": [
            {"name": "Fine", "slug": "fine", "domains": ["fine.test"], "recheck_hours": {}},
            {
                "name": "Social",
                "slug": "social",
                "recheck_hours": {"default": [24, 6]},
                "unavailable_patterns": ".*removed.*",
            },
        ],
    }
    with pytest.raises(ValidationFailed) as refused:
        import_registry(registry, actor=users["coordinator"])
    problem = refused.value.fields["Social"]
    assert "recheck_hours: default: Each hour once, from the earliest to the latest" in problem
    assert "unavailable_patterns: Line 1: “.*removed.*” looks like a regular expression" in problem
    assert set(refused.value.fields) == {"Social"}
    assert not Platform.objects.filter(slug="fine").exists()
    social.refresh_from_db()
    assert social.recheck_hours == {} and social.unavailable_patterns == ""
