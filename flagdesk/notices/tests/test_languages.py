"""Notices render in the platform's language, with the legally required wording (S15)."""

import dataclasses

import pytest
from django.core.management import call_command

from flagdesk.core import taxonomy
from flagdesk.core.errors import ValidationFailed
from flagdesk.notices.language import detect_language
from flagdesk.notices.services import preflight, queue_notices
from flagdesk.notices.services.rendering import GOOD_FAITH_WORDS

from .factories import REASONS, make_platform
from .qualified import REASONS_FR, REASONS_NL, qualified_item

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "heading"),
    [("fr", "notification"), ("nl", "melding"), ("de", "Meldung"), ("en", "Notice")],
)
def test_each_language_has_the_good_faith_words_and_is_translated(users, language, heading):
    make_platform(users, name=f"Social {language}", domain=f"{language}.test", languages=[language])
    item = qualified_item(users, domain=f"{language}.test")
    [notice] = queue_notices([item], actor=users["analyst"], confirm_language=True)
    assert notice.language == language
    for word in GOOD_FAITH_WORDS[language]:
        assert word in notice.body
    assert heading.lower() in notice.body.splitlines()[0].lower()


# --- second wave: basis labels, the reasons' language, Content-Language ----------------------


def test_a_french_notice_cites_the_basis_in_french(users, monkeypatch):
    """Instrument, article and label in the notice's language; the code in the JSON only.
    The registry entry is pinned here so the test does not follow the legal texts' edits."""
    registry = dict(taxonomy.legal_bases())
    registry["BE-CC-417/9"] = dataclasses.replace(
        registry["BE-CC-417/9"],
        instrument={"en": "Belgian Criminal Code (1867)", "fr": "Code pénal (1867)"},
        article="417/9",
        labels={"en": "Non-consensual distribution", "fr": "Diffusion non consentie"},
    )
    monkeypatch.setattr(taxonomy, "legal_bases", lambda: registry)
    make_platform(users, name="Réseau", domain="reseau.test", languages=["fr"])
    item = qualified_item(users, domain="reseau.test", reasons=REASONS_FR)
    [notice] = queue_notices([item], actor=users["analyst"])
    assert "  - Code pénal (1867), art. 417/9 — Diffusion non consentie\n" in notice.body
    assert "BE-CC-417/9" not in notice.body and "Non-consensual distribution" not in notice.body
    assert notice.payload["items"][0]["legal_bases"] == [
        {
            "code": "BE-CC-417/9",
            "citation": "Code pénal (1867), art. 417/9",
            "label": "Diffusion non consentie",
        }
    ]


def test_the_registry_labels_are_used_in_each_language(users):
    basis = taxonomy.legal_bases()["BE-CC-417/9"]
    make_platform(users, name="Netwerk", domain="netwerk.test", languages=["nl"])
    item = qualified_item(users, domain="netwerk.test", reasons=REASONS_NL)
    [notice] = queue_notices([item], actor=users["analyst"])
    assert basis.label("nl") in notice.body  # Dutch once filled in, English until then


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (REASONS, "en"),
        (REASONS_FR, "fr"),
        (REASONS_NL, "nl"),
        ("Zie BE-CC-417/9.", None),
        ("", None),
    ],
)
def test_detect_language(text, language):
    assert detect_language(text) == language


def test_english_reasons_to_a_dutch_platform_need_a_confirmation(users):
    make_platform(users, name="Netwerk", domain="netwerk.test", languages=["nl"])
    english = qualified_item(users, domain="netwerk.test")
    dutch = qualified_item(users, domain="netwerk.test", reasons=REASONS_NL)
    checked = preflight([english, dutch], actor=users["analyst"], anonymous=False)
    [problem] = checked.problems
    assert (problem.key, problem.code) == (f"items.{english.id}.reasons", "reasons_language")
    assert "English" in problem.message and "Dutch" in problem.message
    with pytest.raises(ValidationFailed) as e:
        queue_notices([english, dutch], actor=users["analyst"])
    assert list(e.value.fields) == [f"items.{english.id}.reasons"]
    assert preflight(
        [english, dutch], actor=users["analyst"], anonymous=False, confirm_language=True
    ).ok
    [notice] = queue_notices([english, dutch], actor=users["analyst"], confirm_language=True)
    assert notice.language == "nl"


def test_the_api_takes_confirm_language(api, users):
    make_platform(users, name="Netwerk", domain="netwerk.test", languages=["nl"])
    item = qualified_item(users, domain="netwerk.test")
    refused = api("analyst").post("/notices", {"item_ids": [str(item.id)]})
    assert refused.status_code == 422
    assert list(refused.json()["error"]["fields"]) == [f"items.{item.id}.reasons"]
    sent = api("analyst").post("/notices", {"item_ids": [str(item.id)], "confirm_language": True})
    assert sent.status_code == 201, sent.content


def test_content_language_survives_into_the_received_mail(
    smtp_server, users, django_capture_on_commit_callbacks
):
    make_platform(users, name="Réseau", domain="reseau.test", languages=["fr"])
    item = qualified_item(users, domain="reseau.test", reasons=REASONS_FR)
    with django_capture_on_commit_callbacks(execute=True):
        [notice] = queue_notices([item], actor=users["analyst"])
    call_command("worker", burst=True)
    [mail] = smtp_server.messages
    assert mail["Content-Language"] == "fr"
    assert mail.get_body(preferencelist=("plain",))["Content-Language"] == "fr"
    assert b"\r\nContent-Language: fr\r\n" in smtp_server.raw[0]
    assert notice.language == "fr"
