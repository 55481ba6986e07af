"""An intake officer's decisions on a mailed draft, through the services and the pages:
confirm (a report with channel email, the attachments' hashes on its items), merge into an
existing report, discard; two officers at once; who may open the intake mailbox."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from django.urls import reverse

from flagdesk.audit.models import AuditEntry
from flagdesk.core.errors import Conflict
from flagdesk.intake.mail_intake.services import (
    confirm_draft,
    discard_draft,
    merge_draft,
    take_mail,
)
from flagdesk.intake.models import MailedReport, Report
from flagdesk.intake.services import ReportSubmission, submit_report
from flagdesk.intake.tests.mail_samples import mail, picture
from flagdesk.matching.models import ItemSignal

pytestmark = pytest.mark.django_db

_uid = iter(range(1, 10_000))


def draft(raw: bytes | None = None, **kwargs: Any) -> MailedReport:
    raw = raw or mail(next(_uid), **kwargs)
    taken = take_mail(raw, mailbox="test", uidvalidity=1, uid=next(_uid), size=len(raw))
    assert taken is not None
    return taken


def submission(url: str = "https://social.test/p/mail-1") -> ReportSubmission:
    return ReportSubmission(urls=[url], role="victim", language="fr")


def test_confirming_makes_an_email_report_with_the_hashes_on_its_items(users):
    d = draft(files=[("p.png", "image/png", picture(5))])

    submitted = confirm_draft(d, submission(), actor=users["intake"])

    report = submitted.report
    assert report.channel == Report.Channel.EMAIL and report.is_anonymous
    d.refresh_from_db()
    assert (d.status, d.report, d.handled_by) == ("confirmed", report, users["intake"])
    (item,) = submitted.items
    signals = ItemSignal.objects.filter(item=item, source=ItemSignal.Source.INTAKE)
    assert {s.signal_type for s in signals} == {"pdq", "md5", "sha256"}
    assert all(s.thumbnail == "" for s in signals)  # nothing of the picture stays
    assert AuditEntry.objects.filter(action="intake_mail.confirmed").count() == 1


def test_the_slower_of_two_officers_is_told_and_stores_nothing(users):
    d = draft()
    stale = MailedReport.objects.get(pk=d.pk)
    confirm_draft(d, submission(), actor=users["intake"])

    with pytest.raises(Conflict, match="already handled"):
        discard_draft(stale, actor=users["coordinator"], reason="spam")
    with pytest.raises(Conflict):
        confirm_draft(stale, submission("https://social.test/p/other"), actor=users["analyst"])

    assert Report.objects.count() == 1
    assert MailedReport.objects.get(pk=d.pk).handled_by == users["intake"]


def test_a_refused_confirmation_stores_nothing_and_leaves_the_draft_pending(users):
    d = draft()
    with pytest.raises(Exception, match="correct"):
        confirm_draft(d, replace(submission(), urls=[]), actor=users["intake"])
    d.refresh_from_db()
    assert d.status == "pending" and not Report.objects.exists()


def test_merging_adds_the_text_urls_and_hashes_to_the_report(users):
    earlier = submit_report(submission("https://social.test/p/first")).report
    d = draft(files=[("p.png", "image/png", picture(6))])

    merge_draft(
        d,
        earlier,
        actor=users["intake"],
        urls=["https://social.test/p/second"],
        text=d.body,
    )

    d.refresh_from_db()
    assert (d.status, d.report) == ("merged", earlier)
    assert earlier.items.count() == 2 and earlier.messages.count() == 1
    assert ItemSignal.objects.filter(item__in=earlier.items.all()).count() == 6


def test_discarding_keeps_the_reason(users):
    d = draft()
    discard_draft(d, actor=users["intake"], reason="spam")
    d.refresh_from_db()
    assert (d.status, d.discard_reason) == ("discarded", "spam")


def test_the_mailbox_lists_pending_drafts_first_and_counts_them(client, users):
    handled = draft(subject="Old news")
    discard_draft(handled, actor=users["intake"], reason="spam")
    draft(subject="Fresh report")
    client.force_login(users["intake"])

    page = client.get(reverse("intake:mail-intake-list")).content.decode()

    assert page.index("Fresh report") < page.index("Old news")


def test_opening_a_draft_shows_its_text_and_is_audited(client, users):
    d = draft()
    client.force_login(users["intake"])

    page = client.get(reverse("intake:mail-intake-detail", args=[d.id])).content.decode()

    assert "photos intimes" in page and "jo.example@mail.test" in page
    entry = AuditEntry.objects.get(action="intake_mail.read")
    assert entry.target == f"mailed_report:{d.id}" and entry.actor == users["intake"]


def test_confirming_through_the_page_keeps_the_sender_when_they_agree(client, users):
    d = draft()
    client.force_login(users["intake"])
    url = reverse("intake:mail-intake-detail", args=[d.id])

    response = client.post(
        url,
        {
            "action": "confirm",
            "urls": ["https://social.test/p/mail-1"],
            "language": "fr",
            "role": "victim",
            "description": "Photos publiées sans accord.",
            "keep_contact": "on",
            "reporter_name": "Jo Example",
        },
    )

    assert response.status_code == 302
    report = Report.objects.get()
    assert report.reporter_email == "jo.example@mail.test" and not report.is_anonymous
    assert report.reference in client.get(url).content.decode()


def test_merging_into_an_unknown_report_says_so(client, users):
    d = draft()
    client.force_login(users["intake"])
    response = client.post(
        reverse("intake:mail-intake-detail", args=[d.id]),
        {"action": "merge", "reference": "R-0000-0000", "include_text": "on"},
    )
    assert response.status_code == 200
    assert "No report with this reference." in response.content.decode()
    assert MailedReport.objects.get(pk=d.pk).status == "pending"


def test_a_second_decision_on_the_page_gets_a_clear_message(client, users):
    d = draft()
    discard_draft(d, actor=users["coordinator"], reason="spam")
    client.force_login(users["intake"])
    url = reverse("intake:mail-intake-detail", args=[d.id])

    response = client.post(url, {"action": "discard", "discard_reason": "not_abuse"}, follow=True)

    assert "already handled" in response.content.decode()
    assert MailedReport.objects.get(pk=d.pk).discard_reason == "spam"


@pytest.mark.parametrize("role", ["auditor", "admin", "partner"])
def test_roles_without_the_mailbox_get_a_styled_refusal(client, users, role):
    d = draft()
    client.force_login(users[role])
    for url in (
        reverse("intake:mail-intake-list"),
        reverse("intake:mail-intake-detail", args=[d.id]),
    ):
        response = client.get(url)
        assert response.status_code == 403
        assert "<html" in response.content.decode().lower()
    assert not AuditEntry.objects.filter(action="intake_mail.read").exists()


def test_the_demo_leaves_one_pending_draft_once(users):
    from flagdesk.intake import demo

    by_name = {u.username: u for u in users.values()}
    assert demo.load(by_name)["mailed_drafts"] == 1
    assert demo.load(by_name)["mailed_drafts"] == 0
    (d,) = MailedReport.objects.all()
    assert d.status == "pending" and d.urls[0]["url"].startswith("https://chirp.example/")


def test_a_report_out_of_the_officer_s_reach_cannot_be_named_for_a_merge(client, users):
    hidden = submit_report(submission("https://social.test/p/restricted")).report
    hidden.case.restricted_to.set([users["coordinator"]])
    d = draft()
    client.force_login(users["intake"])

    response = client.post(
        reverse("intake:mail-intake-detail", args=[d.id]),
        {"action": "merge", "reference": hidden.reference, "include_text": "on"},
    )

    assert "No report with this reference." in response.content.decode()
    assert MailedReport.objects.get(pk=d.pk).status == "pending"
    assert hidden.messages.count() == 0


def test_the_mailbox_page_asks_the_same_number_of_queries_for_more_drafts(
    client, users, django_assert_max_num_queries
):
    for _n in range(3):
        draft(files=[("p.png", "image/png", picture(7))])
    client.force_login(users["intake"])
    client.get(reverse("intake:mail-intake-list"))  # warm the session and caches
    with django_assert_max_num_queries(15):
        client.get(reverse("intake:mail-intake-list"))
    for _n in range(5):
        draft()
    with django_assert_max_num_queries(15):
        client.get(reverse("intake:mail-intake-list"))
