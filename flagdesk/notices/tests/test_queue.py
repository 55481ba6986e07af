"""Queueing notices: who may, which items, one per platform, the TF marker and anonymity."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from flagdesk.cases.models import CaseEvent, Item
from flagdesk.cases.services import review_assessment, submit_assessment
from flagdesk.core.errors import Conflict, PermissionDenied, ValidationFailed
from flagdesk.notices.models import Notice, OutboxRow
from flagdesk.notices.services import queue_notices
from flagdesk.organisation.services import update_organisation

from .factories import REASONS, approved_item, designate, make_platform
from .qualified import FACTS_ON, SEXTORTION_REASONS, confirm_bases, csam_item, qualified_item

pytestmark = pytest.mark.django_db


def test_queue_freezes_one_notice_with_outbox_row_and_events(
    users, platform, django_capture_on_commit_callbacks
):
    item = approved_item(users)
    with django_capture_on_commit_callbacks() as callbacks:
        [notice] = queue_notices([item], actor=users["analyst"])
    assert len(callbacks) == 1  # the send task is enqueued only after commit
    assert notice.status == Notice.Status.QUEUED
    assert notice.recipient == "dsa@social.test"
    assert notice.sender == "flagger@flagdesk.example"
    assert notice.reference in notice.subject
    domain = "flagdesk.example"
    assert notice.message_id == f"<{notice.reference}.{notice.id.hex[:12]}@{domain}>"
    row = OutboxRow.objects.get(notice=notice)
    assert row.key == f"notice:{notice.id}"
    assert row.status == OutboxRow.Status.PENDING
    item.refresh_from_db()
    assert item.status == Item.Status.APPROVED  # notified only once the notice is sent
    assert CaseEvent.objects.filter(item=item, kind=CaseEvent.Kind.NOTICE_QUEUED).count() == 1


def test_body_and_payload_carry_every_art16_element(users, platform):
    item = approved_item(users, url="https://social.test/p/ncii-42")
    [notice] = queue_notices([item], actor=users["reviewer"])
    body = notice.body
    for expected in (
        notice.reference,
        "flagdesk demo organisation",
        "flagger@flagdesk.example",
        "https://social.test/p/ncii-42",
        "Content type: Image",
        "Belgian Criminal Code (1867), art. 417/9 — Non-consensual distribution",
        REASONS,
        "Category (DSA Transparency Database): Cyber violence",
        "Keywords (DSA Transparency Database): Non-consensual (intimate) material sharing",
        "bona fide belief",
        "accurate",
        "complete",
        "UTC",
        "art. 16(4)",
        "art. 16(5)",
        "redress",
        "automated means",
    ):
        assert expected in body, expected
    assert "trusted flagger" not in body.lower()
    assert "BE-CC-417/9" not in body  # flagdesk's code is for the JSON part
    payload = notice.payload
    assert payload["reference"] == notice.reference
    assert payload["notifier"] == {
        "name": "flagdesk demo organisation",
        "email": "flagger@flagdesk.example",
    }
    assert payload["trusted_flagger"] is False
    [entry] = payload["items"]
    assert entry["url"] == "https://social.test/p/ncii-42"
    assert entry["legal_bases"][0]["code"] == "BE-CC-417/9"
    assert entry["content_type"] == {"key": "CONTENT_TYPE_IMAGE", "label": "Image"}
    assert entry["tdb_category"] == {
        "key": "STATEMENT_CATEGORY_CYBER_VIOLENCE",
        "label": "Cyber violence",
    }
    assert [k["key"] for k in entry["tdb_keywords"]] == ["KEYWORD_NON_CONSENSUAL_IMAGE_SHARING"]
    assert entry["phenomenon"]["key"] == "ncii"
    assert entry["reasons"] == REASONS
    assert "bona fide belief" in payload["good_faith_statement"]


def test_frozen_text_is_not_rerendered(users, platform):
    item = approved_item(users)
    [notice] = queue_notices([item], actor=users["analyst"])
    body = notice.body
    update_organisation(
        actor=users["coordinator"], name="Renamed", email="new@renamed.test", designations=[]
    )
    notice.refresh_from_db()
    assert notice.body == body and "Renamed" not in notice.body


def test_notice_language_follows_the_platform(users):
    make_platform(users, name="Réseau", domain="reseau.test", languages=("es", "fr"))
    item = approved_item(users, domain="reseau.test")
    [notice] = queue_notices([item], actor=users["analyst"], confirm_language=True)
    assert notice.language == "fr"
    assert notice.payload["language"] == "fr"


def test_one_notice_per_platform(users, platform):
    make_platform(users, name="Video", domain="video.test")
    items = [
        approved_item(users),
        approved_item(users, domain="video.test"),
        approved_item(users),
    ]
    notices = queue_notices(items, actor=users["analyst"])
    assert sorted((n.platform.name, n.items.count()) for n in notices) == [
        ("Social", 2),
        ("Video", 1),
    ]


def test_trusted_flagger_marker_only_when_every_item_is_designated(users, platform):
    designate(users, ["ncii", "cyber_harassment"])
    items = [approved_item(users), approved_item(users, phenomenon="cyber_harassment")]
    [notice] = queue_notices(items, actor=users["analyst"])
    assert notice.is_trusted_flagger
    assert "trusted flagger under article 22 DSA" in notice.body
    assert "Designated by BIPT on 2025-07-03" in notice.body
    assert notice.payload["trusted_flagger_designations"][0]["authority"] == "BIPT"
    assert notice.sender == "notices@stopcv.test"
    assert "@stopcv.test>" in notice.message_id


def test_mixed_items_are_split_into_a_tf_and_an_ordinary_notice(users, platform):
    confirm_bases(users, "BE-LAW-2014-05-22-ART2")
    designate(users, ["ncii"])
    tf_item = approved_item(users)
    other = approved_item(users, phenomenon="gender_hate_speech")
    notices = queue_notices([tf_item, other], actor=users["analyst"])
    by_marker = {n.is_trusted_flagger: n for n in notices}
    assert set(by_marker) == {True, False}
    assert list(by_marker[True].items.all()) == [tf_item]
    assert list(by_marker[False].items.all()) == [other]
    assert "trusted flagger" not in by_marker[False].body.lower()


@pytest.mark.parametrize(
    "designation",
    [
        {"is_suspended": True},
        {"designated_on": dt.date.today() + dt.timedelta(days=30)},
    ],
)
def test_no_marker_when_the_designation_is_not_active(users, platform, designation):
    designate(users, ["ncii"], **designation)
    [notice] = queue_notices([approved_item(users)], actor=users["analyst"])
    assert not notice.is_trusted_flagger


def test_refuses_items_not_approved_naming_them(users, platform):
    approved = approved_item(users)
    pending = approved_item(users)
    Item.objects.filter(pk=pending.pk).update(status=Item.Status.AWAITING_REVIEW)
    pending.refresh_from_db()
    with pytest.raises(Conflict) as e:
        queue_notices([approved, pending], actor=users["analyst"])
    assert pending.url[:40] in str(e.value.message)
    assert approved.url not in str(e.value.message)
    assert not Notice.objects.exists()


def test_refuses_an_approved_item_whose_latest_assessment_is_not_reviewed(users, platform):
    item = approved_item(users)
    # A newer assessment waits for review: the item is no longer approved.
    submit_assessment(
        item,
        actor=users["analyst"],
        verdict="illegal",
        phenomenon="ncii",
        legal_bases=["BE-CC-417/9"],
        reasons=REASONS,
        facts_on=FACTS_ON,
    )
    item.refresh_from_db()
    with pytest.raises(Conflict):
        queue_notices([item], actor=users["analyst"])


def test_refuses_item_judged_not_illegal(users, platform):
    from flagdesk.intake.services import ReportSubmission, submit_report

    [item] = submit_report(ReportSubmission(urls=["https://social.test/ok"], role="other")).items
    assessment = submit_assessment(
        item, actor=users["analyst"], verdict="not_illegal", reasons="A joke, no offence."
    )
    review_assessment(assessment, actor=users["reviewer"], approve=True)
    item.refresh_from_db()
    with pytest.raises(Conflict):
        queue_notices([item], actor=users["analyst"])


def test_refuses_items_without_platform(users):
    item = approved_item(users, domain="nowhere.test")
    assert item.platform is None
    with pytest.raises(Conflict) as e:
        queue_notices([item], actor=users["analyst"])
    assert "no known platform" in str(e.value.message)


def test_refuses_a_second_open_notice_for_the_same_item(users, platform):
    item = approved_item(users)
    queue_notices([item], actor=users["analyst"])
    with pytest.raises(Conflict) as e:
        queue_notices([item], actor=users["analyst"])
    assert "already has an open notice" in str(e.value.message)
    assert list(e.value.fields) == ["item_ids"]


def test_a_failed_notice_can_be_queued_again(users, platform):
    item = approved_item(users)
    [first] = queue_notices([item], actor=users["analyst"])
    Notice.objects.filter(pk=first.pk).update(status=Notice.Status.FAILED)
    [second] = queue_notices([item], actor=users["analyst"])
    assert second.reference != first.reference


@pytest.mark.parametrize("role", ["intake", "admin", "auditor", "partner", "none"])
def test_only_casework_deciders_may_queue(users, platform, role):
    item = approved_item(users)
    with pytest.raises(PermissionDenied):
        queue_notices([item], actor=users[role])


def test_empty_selection_is_invalid(users):
    with pytest.raises(ValidationFailed):
        queue_notices([], actor=users["analyst"])


def test_anonymous_notice_for_csam_omits_the_notifier(users, platform, settings):
    settings.ANONYMOUS_SENDER = "no-reply@relay.test"
    item = csam_item(users, age_band="13-17")
    [notice] = queue_notices([item], actor=users["reviewer"], anonymous=True)
    assert notice.is_anonymous
    assert notice.payload["notifier"] is None
    assert "flagdesk demo organisation" not in notice.body
    assert "flagger@flagdesk.example" not in notice.body
    assert "2011/93/EU" in notice.body
    assert "bona fide belief" in notice.body


def test_anonymity_refused_for_ordinary_phenomena(users, platform):
    item = approved_item(users)
    with pytest.raises(ValidationFailed) as e:
        queue_notices([item], actor=users["analyst"], anonymous=True)
    assert "anonymous" in e.value.fields


def test_anonymity_refused_when_one_item_is_not_an_exception(users, platform, settings):
    settings.ANONYMOUS_SENDER = "no-reply@relay.test"
    csam, ncii = csam_item(users), approved_item(users)
    with pytest.raises(ValidationFailed) as e:
        queue_notices([csam, ncii], actor=users["analyst"], anonymous=True)
    assert ncii.url in e.value.fields["anonymous"][0]
    assert csam.case.reference not in str(e.value.message)


@pytest.mark.parametrize(("age_band", "allowed"), [("13-17", True), ("25-34", False)])
def test_sextortion_anonymity_only_for_a_minor_victim(users, platform, settings, age_band, allowed):
    settings.ANONYMOUS_SENDER = "no-reply@relay.test"
    item = qualified_item(
        users, phenomenon="sextortion", reasons=SEXTORTION_REASONS, age_band=age_band
    )
    if allowed:
        [notice] = queue_notices([item], actor=users["analyst"], anonymous=True)
        assert notice.is_anonymous
    else:
        with pytest.raises(ValidationFailed):
            queue_notices([item], actor=users["analyst"], anonymous=True)


def test_line_break_in_the_organisation_name_blocks_queueing(users, platform):
    update_organisation(
        actor=users["coordinator"],
        name="Evil\r\nBcc: someone@else.test",
        email="notices@stopcv.test",
        designations=[],
    )
    with pytest.raises(Conflict):
        queue_notices([approved_item(users)], actor=users["analyst"])
    assert not Notice.objects.exists()


def test_queued_at_uses_the_given_time(users, platform):
    now = timezone.now().replace(microsecond=0)
    [notice] = queue_notices([approved_item(users)], actor=users["analyst"], now=now)
    assert notice.queued_at == now
    assert now.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC") in notice.body


def test_cases_knows_which_notices_are_open():
    """cases cannot import notices (S1), so it keeps its own copy of the open statuses: an
    item in an open notice keeps its platform (cases/services/platform.py)."""
    from flagdesk.cases.services.platform import OPEN_NOTICE_STATUSES
    from flagdesk.notices.services.queueing import OPEN_STATUSES

    assert set(OPEN_NOTICE_STATUSES) == {str(s) for s in OPEN_STATUSES}
