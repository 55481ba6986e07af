"""What a platform's moderator reads: labels in the text, codes only in the JSON part
(issue 8, point 23), and only the designated areas that apply to the notice's items."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from flagdesk.core import taxonomy
from flagdesk.notices.services import queue_notices
from flagdesk.organisation.services import DesignationInput, update_organisation

from .factories import approved_item, designate, make_platform
from .qualified import confirm_bases

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _bases_confirmed(users):
    """gender_hate_speech's basis is still marked "to be confirmed": a coordinator did."""
    confirm_bases(users, "BE-LAW-2014-05-22-ART2")


# What the text part must not show: TDB enum keys and the phenomenon codes of the taxonomy.
RAW_CODE = re.compile(r"CONTENT_TYPE_|STATEMENT_CATEGORY_|KEYWORD_|DECISION_|SOURCE_")
PHENOMENON_CODES = [p for p in taxonomy.phenomena() if p != "other"]
NINE_AREAS = [
    "gender_hate_speech",
    "incitement_violence_gender",
    "ncii",
    "sexual_deepfake",
    "cyber_harassment",
    "cyberstalking",
    "doxing",
    "sextortion",
    "cyberflashing",
]


def text_without_urls(body: str) -> str:
    return re.sub(r"https?://\S+", "", body)


def assert_no_codes(body: str) -> None:
    text = text_without_urls(body)
    assert not RAW_CODE.search(text), RAW_CODE.search(text)
    for code in PHENOMENON_CODES:
        assert not re.search(rf"\b{code}\b", text), code


@pytest.mark.parametrize("language", ["en", "fr", "nl", "de"])
def test_the_text_shows_labels_and_the_json_keeps_codes_and_labels(users, language):
    make_platform(users, name=f"P {language}", domain=f"{language}.test", languages=[language])
    items = [
        approved_item(users, domain=f"{language}.test", phenomenon="ncii"),
        approved_item(users, domain=f"{language}.test", phenomenon="gender_hate_speech"),
    ]
    # English reasons in every language: confirmed, the labels are what this test is about.
    [notice] = queue_notices(items, actor=users["analyst"], confirm_language=True)
    body = notice.body

    assert_no_codes(body)
    assert "BE-CC-417/9" not in body  # flagdesk's own code: JSON part only
    ncii, hate = taxonomy.phenomena()["ncii"], taxonomy.phenomena()["gender_hate_speech"]
    # Phenomena have labels in every language; the TDB's labels exist in English only.
    assert ncii.label(language) in body and hate.label(language) in body
    for key in (
        "CONTENT_TYPE_IMAGE",
        "CONTENT_TYPE_TEXT",
        "STATEMENT_CATEGORY_CYBER_VIOLENCE",
        "KEYWORD_NON_CONSENSUAL_IMAGE_SHARING",
        "KEYWORD_HATE_SPEECH",
        "KEYWORD_DISCRIMINATION",
    ):
        assert taxonomy.label(key) in body, key

    by_url = {entry["url"]: entry for entry in notice.payload["items"]}
    first, second = (by_url[i.url] for i in items)
    assert first["content_type"] == {"key": "CONTENT_TYPE_IMAGE", "label": "Image"}
    assert first["phenomenon"] == {"key": "ncii", "label": ncii.label(language)}
    assert second["tdb_category"]["key"] == "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH"
    assert second["tdb_category"]["label"] == "Illegal or harmful speech"
    assert [k["key"] for k in second["tdb_keywords"]] == [
        "KEYWORD_HATE_SPEECH",
        "KEYWORD_DISCRIMINATION",
    ]
    assert all(k["label"] for k in second["tdb_keywords"])
    assert first["legal_bases"][0]["code"] == "BE-CC-417/9"


def test_the_trusted_flagger_statement_names_only_the_areas_of_the_items(users, platform):
    designate(users, NINE_AREAS)
    items = [approved_item(users), approved_item(users, phenomenon="cyber_harassment")]
    [notice] = queue_notices(items, actor=users["analyst"])
    assert notice.is_trusted_flagger
    [line] = [line for line in notice.body.splitlines() if line.startswith("- Designated by")]

    phenomena = taxonomy.phenomena()
    assert line == (
        "- Designated by BIPT on 2025-07-03 for: "
        f"{phenomena['ncii'].label('en')}; {phenomena['cyber_harassment'].label('en')}"
    )
    assert_no_codes(notice.body)
    assert phenomena["doxing"].label("en") not in notice.body
    [designation] = notice.payload["trusted_flagger_designations"]
    assert [a["key"] for a in designation["areas"]] == NINE_AREAS  # complete in the JSON
    assert [a["key"] for a in designation["areas_in_notice"]] == ["ncii", "cyber_harassment"]
    assert designation["valid_until"] is None


def test_the_designation_validity_is_stated_when_it_ends(users):
    make_platform(users, name="Réseau", domain="reseau.test", languages=["fr"])
    update_organisation(
        actor=users["coordinator"],
        name="Stop Cyberviolence",
        email="notices@stopcv.test",
        designations=[
            DesignationInput(
                authority="BIPT",
                designated_on=dt.date(2025, 7, 3),
                valid_until=dt.date.today() + dt.timedelta(days=365),
                phenomena=["ncii", "doxing"],
            )
        ],
    )
    [notice] = queue_notices(
        [approved_item(users, domain="reseau.test")], actor=users["analyst"], confirm_language=True
    )
    until = (dt.date.today() + dt.timedelta(days=365)).isoformat()
    assert "2025-07-03" in notice.body and until in notice.body
    assert taxonomy.phenomena()["doxing"].label("fr") not in notice.body
    assert taxonomy.phenomena()["ncii"].label("fr") in notice.body
    assert notice.payload["trusted_flagger_designations"][0]["valid_until"] == until
