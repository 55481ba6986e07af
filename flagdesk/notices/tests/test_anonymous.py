"""Anonymous notices (art. 16(2)(c) DSA) are anonymous everywhere, or are not sent at all.

The organisation below is "Stop Cyberviolence" <notices@stopcv.test>, designated for CSAM: an
anonymous notice must still name none of it, in any header, part or envelope, and must not
claim the trusted-flagger priority that is tied to the identity it withholds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from flagdesk.core.errors import ValidationFailed
from flagdesk.notices.models import Notice
from flagdesk.notices.services import preflight, queue_notices

from .factories import designate
from .qualified import SEXTORTION_REASONS, csam_item, qualified_item

pytestmark = pytest.mark.django_db

SENDER = "no-reply@hotline-relay.test"
MARKS = ("stop cyberviolence", "notices@stopcv.test", "stopcv.test", "stopcv")
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def anonymous_sender(settings):
    settings.ANONYMOUS_SENDER = SENDER
    return SENDER


def assert_unnamed(text: str, where: str) -> None:
    lowered = str(text).lower()
    for mark in MARKS:
        assert mark not in lowered, f"{where} names the organisation ({mark}): {text!r}"


def test_the_anonymous_mail_names_the_organisation_nowhere(
    smtp_server, users, platform, anonymous_sender, django_capture_on_commit_callbacks
):
    designate(users, ["csam", "ncii"])  # every item designated, and still no TF claim
    items = [csam_item(users), csam_item(users, age_band="13-17")]
    with django_capture_on_commit_callbacks(execute=True):
        [notice] = queue_notices(items, actor=users["reviewer"], anonymous=True)
    call_command("worker", burst=True)

    [mail] = smtp_server.messages
    [(mail_from, rcpt_to)] = smtp_server.envelopes
    assert mail_from == SENDER and rcpt_to == ["dsa@social.test"]  # MAIL FROM / Return-Path
    assert mail["From"] == SENDER and mail["Reply-To"] == SENDER
    assert mail["Sender"] is None
    assert mail["Message-ID"] == notice.message_id
    assert mail["Message-ID"].endswith("@hotline-relay.test>")
    for name, value in mail.items():
        assert_unnamed(value, f"header {name}")
    assert "trusted flagger" not in mail["Subject"].lower()

    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert_unnamed(text, "text part")
    assert "2011/93/EU" in text and "bona fide belief" in text
    assert "trusted flagger" not in text.lower()
    [attachment] = [
        p for p in mail.iter_attachments() if p.get_content_type() == "application/json"
    ]
    payload = json.loads(attachment.get_content())
    assert_unnamed(json.dumps(payload, ensure_ascii=False), "JSON part")
    assert payload["notifier"] is None and payload["reply_to"] is None
    assert payload["trusted_flagger"] is False and payload["trusted_flagger_designations"] == []
    assert payload["is_anonymous"] is True
    assert_unnamed(smtp_server.raw[0].decode("utf-8", "replace"), "raw message")

    notice.refresh_from_db()
    assert notice.status == Notice.Status.SENT
    assert not notice.is_trusted_flagger and notice.designations == []


def test_the_api_says_trusted_flagger_false(api, users, platform, anonymous_sender):
    designate(users, ["csam"])
    item = csam_item(users)
    response = api("analyst").post("/notices", {"item_ids": [str(item.id)], "anonymous": True})
    assert response.status_code == 201, response.content
    [created] = response.json()
    assert created["trusted_flagger"] is False
    detail = api("analyst").get(f"/notices/{created['id']}").json()
    assert detail["trusted_flagger"] is False and detail["anonymous"] is True


def test_without_an_anonymous_sender_anonymity_is_refused_naming_anonymous(
    api, users, platform, settings
):
    settings.ANONYMOUS_SENDER = ""
    item = csam_item(users)
    response = api("analyst").post("/notices", {"item_ids": [str(item.id)], "anonymous": True})
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert "FLAGDESK_ANONYMOUS_SENDER" in error["fields"]["anonymous"][0]
    assert not Notice.objects.exists()
    # Named, the same item goes out as usual.
    assert api("analyst").post("/notices", {"item_ids": [str(item.id)]}).status_code == 201


@pytest.mark.parametrize(
    "sender", ["no-reply@stopcv.test", "no-reply@mail.stopcv.test", "relay@other.stopcv.test"]
)
def test_a_sender_in_the_organisations_domain_is_refused(users, platform, settings, sender):
    designate(users, [])  # notices@stopcv.test
    settings.ANONYMOUS_SENDER = sender
    with pytest.raises(ValidationFailed) as e:
        queue_notices([csam_item(users)], actor=users["analyst"], anonymous=True)
    assert "own mail domain" in e.value.fields["anonymous"][0]


def test_a_sender_whose_domain_is_a_parent_of_the_organisations_is_refused(
    users, platform, settings
):
    from flagdesk.organisation.services import update_organisation

    update_organisation(
        actor=users["coordinator"],
        name="Stop Cyberviolence",
        email="notices@mail.stopcv.test",
        designations=[],
    )
    settings.ANONYMOUS_SENDER = "no-reply@stopcv.test"
    checked = preflight([csam_item(users)], actor=users["analyst"], anonymous=True)
    assert [p.code for p in checked.problems] == ["anonymous_sender"]


def test_reasons_naming_the_organisation_stop_the_anonymous_notice(
    users, platform, anonymous_sender
):
    designate(users, [])
    leaky = csam_item(
        users,
        reasons=(
            "Stop Cyberviolence analysts saw a child of about eight years in a sexual pose in "
            "this video; body proportions and face leave no doubt that a minor is depicted. "
            "Making it accessible is distributing child sexual abuse material (art. 417/44 CC)."
        ),
    )
    clean = csam_item(users, identifiers={"account": "reported via notices@stopcv.test"})
    with pytest.raises(ValidationFailed) as e:
        queue_notices([leaky, clean], actor=users["analyst"], anonymous=True)
    fields = e.value.fields
    assert "stop cyberviolence" in fields[f"items.{leaky.id}.reasons"][0]
    assert "notices@stopcv.test" in fields[f"items.{clean.id}.identifiers"][0]
    assert leaky.url in str(e.value.message)
    assert not Notice.objects.exists()
    # Sent under the organisation's name, the same text is fine.
    assert queue_notices([leaky, clean], actor=users["analyst"])


def test_ordinary_phenomena_may_not_be_anonymous(users, platform, anonymous_sender):
    item = qualified_item(users)
    checked = preflight([item], actor=users["analyst"], anonymous=True)
    assert not checked.can_be_anonymous
    assert [(p.key, p.code) for p in checked.problems] == [("anonymous", "anonymity_not_allowed")]


@pytest.mark.parametrize(
    ("age_band", "minor_depicted", "allowed"),
    [("", False, False), ("25-34", False, False), ("13-17", False, True), ("", True, True)],
)
def test_sextortion_may_be_anonymous_only_when_the_victim_is_a_minor(
    users, platform, anonymous_sender, age_band, minor_depicted, allowed
):
    item = qualified_item(
        users,
        phenomenon="sextortion",
        reasons=SEXTORTION_REASONS,
        age_band=age_band,
        minor_depicted=minor_depicted,
    )
    checked = preflight([item], actor=users["analyst"], anonymous=True)
    assert checked.ok is allowed, checked.problems
    assert checked.can_be_anonymous is allowed


@pytest.mark.parametrize(("value", "starts"), [("not an address", False), ("a@b.test", True)])
def test_the_setting_must_be_an_email_address(value, starts):
    env = {
        **os.environ,
        "FLAGDESK_ANONYMOUS_SENDER": value,
        "DJANGO_SETTINGS_MODULE": "flagdesk.settings",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (result.returncode == 0) is starts, result.stderr
    if not starts:
        assert "FLAGDESK_ANONYMOUS_SENDER must be an email address" in result.stderr
