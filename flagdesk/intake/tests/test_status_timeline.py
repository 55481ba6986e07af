"""Issue 14: what a victim sees of each address they reported, built through the real services
(intake, assessment, review, notice, the platform's answer, re-checks, follow-ups), on the
status page and in ``GET /api/v1/reports/{reference}``.

Each path of an address is walked as staff walk it; the reporter then looks with their
reference and receipt code. Neither the page nor the API may name a staff member, quote a note,
an assessment or the platform's verbatim statement, or show an address the report did not list.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from flagdesk.accounts.models import User
from flagdesk.cases.models import Assessment, Item
from flagdesk.cases.services import open_items, review_assessment, submit_assessment
from flagdesk.cases.tests.factories import REASONS, illegal_assessment, social_platform
from flagdesk.intake import public_timeline
from flagdesk.intake.messages import add_message
from flagdesk.intake.services import ReportSubmission, SubmittedReport, submit_report
from flagdesk.intake.status_wording import EVENT_TEXT, NEXT_STEP_TEXT, STATUS_TEXT
from flagdesk.monitoring.fetcher import Fetched
from flagdesk.monitoring.models import Watch
from flagdesk.monitoring.services.checks import record_check
from flagdesk.monitoring.services.watches import confirm_gone, start_watches
from flagdesk.notices.models import Notice, NoticeResponse
from flagdesk.notices.outbox import claim, mark_sent
from flagdesk.notices.services import queue_notices, record_response
from flagdesk.notices.services.follow_ups import approve, follow_up
from flagdesk.platforms.channels import Delivery

pytestmark = pytest.mark.django_db

STATUS = reverse("intake:report-status")
STATEMENT = "Internal note from the trust and safety desk: ticket 4471, handled by Quentin."
COMMENT = "Reviewed with care; the caption names her town."
REASON = "The platform refused although the image is plainly shared without consent."


@pytest.fixture
def platform(users: dict[str, User]) -> Any:
    return social_platform(users["coordinator"])


def reported(*urls: str, **fields: Any) -> SubmittedReport:
    values: dict[str, Any] = {"role": "victim", "phenomenon": "ncii", "language": "en", **fields}
    return submit_report(ReportSubmission(urls=list(urls), **values))


def approve_item(users: dict[str, User], item: Item) -> None:
    assessment = submit_assessment(item, actor=users["analyst"], **illegal_assessment())
    review_assessment(assessment, actor=users["reviewer"], approve=True, comment=COMMENT)


def send(notice: Notice, at: dt.datetime | None = None) -> Notice:
    row = claim(notice.outbox.pk, worker="test")
    assert row is not None
    mark_sent(row, Delivery("<t@social.test>", at or timezone.now()))
    notice.refresh_from_db()
    return notice


def notify(users: dict[str, User], item: Item) -> Notice:
    approve_item(users, item)
    [notice] = queue_notices([item], actor=users["analyst"])
    return send(notice)


def answer(users: dict[str, User], notice: Notice, decision: str, **fields: Any) -> None:
    record_response(
        notice,
        actor=users["intake"],
        kind=NoticeResponse.Kind.DECISION,
        decision=decision,
        received_at=timezone.now(),
        statement=STATEMENT,
        **fields,
    )


def look(client: Client, submitted: SubmittedReport, language: str = "en") -> tuple[str, Any]:
    """The status page's HTML and the API's JSON for the report, in ``language``."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.post(
        STATUS,
        {"reference": submitted.report.reference, "receipt_code": submitted.receipt_code},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert page.status_code == 200
    api = client.get(
        f"/api/v1/reports/{submitted.report.reference}",
        headers={"X-Receipt-Code": submitted.receipt_code, "Accept-Language": language},
    )
    assert api.status_code == 200, api.content
    return page.content.decode(), api.json()


def steps(body: Any, n: int = 0) -> list[str]:
    return [e["what"] for e in body["items"][n]["events"]]


def text(key: str, platform: str = "Social", language: str = "en") -> str:
    with translation.override(language):
        return str(EVENT_TEXT[key]) % {"platform": platform}


def assert_nothing_internal(users: dict[str, User], *shown: str) -> None:
    """No staff member, no note, no assessment, no verbatim statement of the platform."""
    for content in shown:
        for user in users.values():
            assert user.username not in content, user.username
            assert user.email not in content, user.email
        for internal in (STATEMENT, COMMENT, REASONS[:60], REASON):
            assert internal not in content


def test_received_then_assessed(client: Client, users, platform) -> None:
    submitted = reported("https://social.test/p/assessed")
    [item] = submitted.items
    html, body = look(client, submitted)
    assert steps(body) == ["received"]
    assert body["items"][0]["next_step"] == "assessment"
    submit_assessment(item, actor=users["analyst"], **illegal_assessment())
    html, body = look(client, submitted)
    assert steps(body) == ["received", "in_review"]
    assert body["items"][0]["status"] == "in_review"
    assert body["items"][0]["platform"] == "Social"
    assert escape(text("in_review")) in html
    assert_nothing_internal(users, html, json.dumps(body))


def test_sent_then_removed_by_the_platform(client: Client, users, platform) -> None:
    submitted = reported("https://social.test/p/removed")
    [item] = submitted.items
    notice = notify(users, item)
    html, body = look(client, submitted)
    assert steps(body) == ["received", "in_review", "notice_sent"]
    assert body["items"][0]["events"][2]["platform"] == "Social"
    assert body["items"][0]["next_step"] == "await_decision"
    answer(users, notice, "removed", ground="illegal", territorial_scope=["EU"])
    html, body = look(client, submitted)
    assert steps(body) == ["received", "in_review", "notice_sent", "removed"]
    [shown] = body["items"]
    assert shown["status"] == "removed" and shown["next_step"] == "watch"
    answer_out = shown["platform_answer"]
    assert answer_out["platform"] == "Social" and answer_out["decision"] == "removed"
    assert answer_out["ground"] == "illegal" and len(answer_out["territorial_scope"]) == 27
    assert escape(text("notice_sent")) in html and escape(text("removed")) in html
    assert str(STATUS_TEXT["removed"][0]) in html
    assert "the whole European Union" in html
    # The page shows dates in the organisation's time zone (near midnight UTC: the next day).
    assert notice.sent_at is not None
    assert timezone.localtime(notice.sent_at).date().isoformat() in html
    assert_nothing_internal(users, html, json.dumps(body))


def test_restricted_is_never_removed(client: Client, users, platform) -> None:
    submitted = reported("https://social.test/p/restricted")
    notice = notify(users, submitted.items[0])
    answer(
        users,
        notice,
        "geo_blocked",
        ground="terms",
        territorial_scope=["BE", "FR"],
        is_automated=False,
    )
    html, body = look(client, submitted)
    [shown] = body["items"]
    assert steps(body)[-1] == "restricted" and shown["status"] == "restricted"
    assert shown["platform_answer"]["decision"] == "geo_blocked"
    assert shown["platform_answer"]["territorial_scope"] == ["BE", "FR"]
    assert shown["platform_answer"]["automated"] is False
    assert shown["next_step"] == "restricted"
    assert "Blocked in some countries" in html and "BE, FR" in html
    assert "terms and conditions" in html and "a person decided" in html
    assert str(STATUS_TEXT["removed"][1]) not in html


def test_refused_then_a_complaint_then_removed(client: Client, users, platform) -> None:
    submitted = reported("https://social.test/p/refused")
    notice = notify(users, submitted.items[0])
    answer(users, notice, "refused")
    html, body = look(client, submitted)
    assert steps(body)[-1] == "refused" and body["items"][0]["status"] == "refused"
    assert body["items"][0]["next_step"] == "consider_options"
    assert escape(str(NEXT_STEP_TEXT["consider_options"])) in html
    complaint = follow_up(notice, kind="complaint", actor=users["analyst"], reason=REASON)
    _html, body = look(client, submitted)
    assert body["items"][0]["next_step"] == "follow_up_prepared"
    assert "complaint_sent" not in steps(body)  # a draft is not a step the victim sees
    approve(complaint, actor=users["reviewer"])
    send(complaint)
    html, body = look(client, submitted)
    assert steps(body)[-2:] == ["refused", "complaint_sent"]
    assert body["items"][0]["next_step"] == "await_complaint"
    assert escape(text("complaint_sent")) in html
    # The platform reverses its decision after the complaint: removed, told after the refusal.
    answer(users, complaint, "removed")
    _html, body = look(client, submitted)
    assert steps(body)[-3:] == ["refused", "complaint_sent", "removed"]
    assert body["items"][0]["platform_answer"]["decision"] == "removed"
    assert_nothing_internal(users, html, json.dumps(body))


def online(url: str) -> Fetched:
    body = b"<html>the same post</html>"
    import hashlib

    return Fetched(
        url=url,
        outcome="online",
        reason="ok",
        http_status=200,
        final_url=url,
        headers=(("Content-Type", "text/html"),),
        body=body,
        content_sha256=hashlib.sha256(body).hexdigest(),
    )


def test_removed_but_a_re_check_finds_it_still_online(client: Client, users, platform) -> None:
    submitted = reported("https://social.test/p/still")
    [item] = submitted.items
    notice = notify(users, item)
    assert start_watches() == 1
    watch = Watch.objects.get(item=item)
    record_check(watch.pk, online(item.url))
    answer(users, notice, "removed")
    record_check(watch.pk, online(item.url))
    item.refresh_from_db()
    assert item.status == Item.Status.STILL_ONLINE
    html, body = look(client, submitted)
    assert steps(body)[-2:] == ["removed", "still_online"]
    [shown] = body["items"]
    assert shown["status"] == "notified"  # the v1 public status of still_online
    assert shown["next_step"] == "follow_up"
    assert escape(text("still_online")) in html


def test_gone_on_a_re_check_confirmed_by_an_analyst(client: Client, users, platform) -> None:
    submitted = reported("https://social.test/p/gone")
    [item] = submitted.items
    notify(users, item)
    start_watches()
    watch = Watch.objects.get(item=item)
    record_check(watch.pk, Fetched(url=item.url, outcome="gone", reason="http_404"))
    confirm_gone(item, actor=users["analyst"], note="Checked by alice from home.")
    html, body = look(client, submitted)
    assert steps(body)[-1] == "gone_on_recheck"
    assert body["items"][0]["platform_answer"] is None  # no platform said anything
    assert "Checked by alice" not in html and "alice" not in json.dumps(body)


@pytest.mark.parametrize(
    ("verdict", "what"), [("not_illegal", "not_illegal"), ("out_of_scope", "out_of_scope")]
)
def test_not_actionable_says_why_in_general_terms(
    client: Client, users, platform, verdict: str, what: str
) -> None:
    submitted = reported("https://social.test/p/lawful")
    assessment = submit_assessment(
        submitted.items[0],
        actor=users["analyst"],
        verdict=verdict,
        phenomenon="ncii",
        content_type="image",
        reasons="Lawful criticism, written by alice in the assessment: not for the reporter.",
    )
    review_assessment(assessment, actor=users["reviewer"], approve=True, comment=COMMENT)
    html, body = look(client, submitted)
    assert steps(body)[-1] == what
    assert body["items"][0]["status"] == "not_actionable"
    assert body["items"][0]["next_step"] == "report_to_platform"
    assert escape(text(what)) in html and "written by alice" not in html
    assert Assessment.objects.filter(verdict=verdict).exists()


def test_only_the_addresses_this_report_listed_or_added(client: Client, users, platform) -> None:
    submitted = reported("https://social.test/p/mine")
    case = submitted.items[0].case
    # An address of the same case that this reporter never gave (staff found it).
    open_items(["https://social.test/p/not-mine"], phenomenon="ncii", into=case)
    # Another reporter of the same address, who adds a message to their own report.
    other = reported("https://social.test/p/mine", role="witness")
    add_message(other.report, text="I am the other reporter, Zoé.", urls=[])
    # This reporter adds an address later: theirs too, received when they added it.
    later = add_message(submitted.report, text="", urls=["https://social.test/p/added"])
    html, body = look(client, submitted)
    urls = [i["url"] for i in body["items"]]
    assert urls == ["https://social.test/p/mine", "https://social.test/p/added"]
    assert "not-mine" not in html and "not-mine" not in json.dumps(body)
    assert "Zoé" not in html and other.report.reference not in html
    # The other reporter's message is not a step of this reporter's timeline; theirs is.
    assert steps(body, 0) == ["received", "information_added"]
    added = body["items"][1]["events"][0]
    assert added["what"] == "received"
    assert added["at"][:19] == later.message.created_at.isoformat()[:19]


def test_the_timeline_reads_a_fixed_number_of_queries(
    users, platform, django_assert_max_num_queries
) -> None:
    one = reported("https://social.test/q/1")
    notify(users, one.items[0])
    many = reported(*(f"https://social.test/q/many-{n}" for n in range(6)))
    for item in many.items:
        notify(users, item)
    with django_assert_max_num_queries(8):
        public_timeline.report_timeline(one.report)
    with django_assert_max_num_queries(8):
        timeline = public_timeline.report_timeline(many.report)
    assert [i.status for i in timeline.items] == ["notified"] * 6


@pytest.mark.parametrize("language", ["fr", "nl", "de"])
def test_page_and_api_in_the_reporter_s_language(
    client: Client, users, platform, language: str
) -> None:
    submitted = reported("https://social.test/p/lang", language=language)
    notice = notify(users, submitted.items[0])
    answer(users, notice, "removed", ground="illegal")
    html, body = look(client, submitted, language)
    assert f'<html lang="{language}">' in html
    with translation.override(language):
        for expected in (
            text("notice_sent", language=language),
            text("removed", language=language),
            str(STATUS_TEXT["removed"][0]),
            str(NEXT_STEP_TEXT["watch"]),
            translation.gettext("Follow your report"),
        ):
            assert escape(expected) in html, expected
        # Translated already: the page is not English.
        assert translation.gettext("Follow your report") != "Follow your report"
    assert "Follow your report" not in html
    assert steps(body) == ["received", "in_review", "notice_sent", "removed"]  # codes, any language
