"""Reporters hear back by mail when a platform decides, over a real SMTP server (aiosmtpd).

Camille (fictional) reported two posts and left her address: when the platform removes one
and refuses the other, she gets one mail in her language listing both, with what happens
next for the refusal and the status page, and never a staff name or her receipt code. The
scan runs as often as the worker likes, two workers may race, and she still hears of each
decision once; a reporter who stayed anonymous, never consented, left no address or had
their details erased hears nothing; an upgrade does not mail news of old decisions.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation

from flagdesk.cases.models import CaseEvent, Item
from flagdesk.cases.services import review_assessment, submit_assessment
from flagdesk.cases.tests.factories import illegal_assessment, social_platform
from flagdesk.cases.transitions import transition
from flagdesk.intake import outcome_mail, reporter_mail
from flagdesk.intake.erasure import erase_report
from flagdesk.intake.models import OutcomeScan, Report, ReporterMail, ReporterOutcome
from flagdesk.intake.outcome_mail import mail_outcomes, mail_report_outcomes, pending_outcomes
from flagdesk.intake.services import SubmittedReport
from flagdesk.intake.tasks import PERIODIC
from flagdesk.intake.tests.factories import submitted_report, with_contact
from flagdesk.notices.outbox import claim, mark_sent
from flagdesk.notices.services import queue_notices, record_response
from flagdesk.notices.services.responses import ItemDecisionInput
from flagdesk.platforms.channels import Delivery
from flagdesk.site.worker import WorkerLoop, periodic_jobs

pytestmark = pytest.mark.django_db

S = Item.Status
EMAIL = "camille@mail.example.test"
DANGER = "If you or someone else is in immediate danger, call 112."
HELLO = "Hello,"


@pytest.fixture(autouse=True)
def _installed(db: None) -> None:
    """The feature arrives before each story begins, as its migration's row says (a
    transactional test elsewhere in the run may have emptied the table)."""
    now = timezone.now()
    OutcomeScan.objects.update_or_create(
        name=outcome_mail.SCAN, defaults={"started_at": now, "scanned_to": now}
    )


def reported(*urls: str, language: str = "fr", **overrides: Any) -> SubmittedReport:
    """A report by Camille, who left her address and agreed to be contacted."""
    contact = with_contact(reporter_name="Camille Fictive", reporter_email=EMAIL, **overrides)
    return submitted_report(
        *(urls or ("https://social.test/p/outcome-1",)), language=language, **contact
    )


def notified(item: Item) -> Item:
    """Through the state machine to ``notified`` (as assessment, review and notice do)."""
    for status in (S.ASSESSING, S.AWAITING_REVIEW, S.APPROVED, S.NOTIFIED):
        transition(item, status, actor=None)
    return item


def decide(item: Item, status: str) -> CaseEvent:
    if item.status in (S.NEW,):
        notified(item)
    return transition(item, status, actor=None)


def deliver_all() -> None:
    """What the worker's send tasks do, for every mail waiting."""
    for pk in ReporterMail.objects.filter(status="queued").values_list("pk", flat=True):
        reporter_mail.send(pk)


def translated(text: str, language: str) -> str:
    with translation.override(language):
        return translation.gettext(text)


@pytest.mark.parametrize("language", ["fr", "nl", "de", "en"])
def test_a_removal_is_told_in_the_reporter_s_language(smtp_server, users, language):
    submitted = reported("https://social.test/p/lang-1", language=language)
    [item] = submitted.items
    decide(item, S.REMOVED)
    assert mail_outcomes() == 1
    deliver_all()
    [message] = smtp_server.wait_for(1)
    assert message["To"] == EMAIL
    assert message["Content-Language"] == language
    body = message.get_content()
    danger = translated(DANGER, language)
    assert danger in body and translated(HELLO, language) in body
    if language != "en":
        assert danger != DANGER  # really in the reporter's language, not in English
    assert item.url in body
    assert submitted.report.reference in body and submitted.report.reference in message["Subject"]
    assert settings_base_url() + reverse("intake:report-status") in body
    assert submitted.receipt_code not in body  # never the code
    for user in users.values():  # never a staff name
        assert user.username not in body.lower().split()
    mail = ReporterMail.objects.get()
    assert mail.kind == ReporterMail.Kind.REMOVED and mail.sent_by is None
    assert mail.status == "sent" and mail.body == ""  # the body goes once sent


def settings_base_url() -> str:
    from django.conf import settings

    return settings.BASE_URL.rstrip("/")


def _platform_decides(users: dict[str, Any], items: list[Item]) -> None:
    """The real path: assessed, reviewed, notified to the platform, which answers with a
    decision per item (the first removed, the second refused)."""
    for item in items:
        assessment = submit_assessment(item, actor=users["analyst"], **illegal_assessment())
        review_assessment(assessment, actor=users["reviewer"], approve=True, comment="Agreed.")
        item.refresh_from_db()
    [notice] = queue_notices(items, actor=users["analyst"])
    row = claim(notice.outbox.pk, worker="test")
    assert row is not None
    mark_sent(row, Delivery("<n@social.test>", timezone.now()))
    notice.refresh_from_db()
    record_response(
        notice,
        actor=users["intake"],
        kind="decision",
        received_at=timezone.now(),
        items=[
            ItemDecisionInput(items[0].id, "removed"),
            ItemDecisionInput(items[1].id, "refused"),
        ],
    )


def test_a_platform_s_decision_on_two_items_is_one_mail_listing_both(smtp_server, users):
    social_platform(users["coordinator"])
    submitted = reported("https://social.test/p/two-1", "https://social.test/p/two-2")
    first, second = sorted(submitted.items, key=lambda i: i.url)
    _platform_decides(users, [first, second])
    assert mail_outcomes() == 1
    deliver_all()
    [message] = smtp_server.wait_for(1)
    body = message.get_content()
    assert first.url in body and second.url in body
    assert "la plateforme a supprimé ce contenu" in body  # the removal, in French
    assert "a décidé de ne pas retirer ce contenu" in body  # the refusal
    assert "La suite :" in body  # what happens next, said for a refusal
    mail = ReporterMail.objects.get()
    assert mail.kind == ReporterMail.Kind.REFUSED  # the kind that needs telling what's next
    told = ReporterOutcome.objects.filter(mail=mail)
    assert {o.event.after for o in told} == {S.REMOVED, S.REFUSED}
    # The timeline says the reporter was told, on both items, never what the mail says.
    events = CaseEvent.objects.filter(kind=CaseEvent.Kind.REPORTER_MAIL)
    assert {e.item_id for e in events} == {first.pk, second.pk}
    assert all(e.data["kind"] == "refused" and e.actor is None for e in events)


def test_a_restriction_is_never_told_as_a_removal(smtp_server, users):
    [item] = reported("https://social.test/p/restricted-1", language="en").items
    decide(item, S.RESTRICTED)
    mail_outcomes()
    deliver_all()
    [message] = smtp_server.wait_for(1)
    body = message.get_content()
    assert "restricted" in message["Subject"].lower()
    assert "limited access" in body and "took this content down" not in body


def test_the_job_run_again_and_again_mails_each_decision_once(smtp_server, users):
    [item] = reported().items
    decide(item, S.REMOVED)
    assert mail_outcomes() == 1
    assert mail_outcomes() == 0
    deliver_all()
    assert mail_outcomes() == 0
    later = timezone.now() + dt.timedelta(minutes=3)
    assert mail_outcomes(now=later) == 0  # the overlap reads the event again: still once
    assert len(smtp_server.wait_for(1)) == 1
    assert ReporterMail.objects.count() == 1
    # A new decision on the same item (a reversal after a complaint) is news: one more mail.
    decide(item, S.REFUSED)
    assert mail_outcomes() == 1
    assert ReporterMail.objects.count() == 2


def test_two_workers_with_the_same_plan_mail_once(users):
    """Two workers scanned at the same moment: both planned to tell Camille; the second finds
    the first's rows and writes nothing."""
    [item] = reported().items
    decide(item, S.REMOVED)
    plan_a, plan_b = pending_outcomes(), pending_outcomes()
    assert plan_a == plan_b and len(plan_a) == 1
    [(report_id, events)] = plan_a.items()
    assert mail_report_outcomes(report_id, events) is not None
    assert mail_report_outcomes(report_id, plan_b[report_id]) is None
    assert ReporterMail.objects.count() == 1 == ReporterOutcome.objects.count()


def test_a_worker_that_saw_more_mails_only_what_is_left(users):
    submitted = reported("https://social.test/p/more-1", "https://social.test/p/more-2")
    first, second = submitted.items
    decide(first, S.REMOVED)
    slow = pending_outcomes()  # a worker read the first decision, then stalled
    decide(second, S.REFUSED)
    fast = pending_outcomes()  # another read both and mailed them
    report_id = submitted.report.pk
    mail = mail_report_outcomes(report_id, fast[report_id])
    assert mail is not None and mail.outcomes.count() == 2
    assert mail_report_outcomes(report_id, slow[report_id]) is None  # nothing left for it
    assert ReporterMail.objects.count() == 1


def test_the_database_refuses_telling_one_decision_twice(users):
    """What makes the race safe on any database: the rows and the Message-ID are unique, so
    a worker that read before the other committed fails, rolls back and reads again."""
    [item] = reported().items
    event = decide(item, S.REMOVED)
    report = Report.objects.get()
    mail_outcomes()
    mail = ReporterMail.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        ReporterOutcome.objects.create(report=report, event=event, mail=mail)
    with pytest.raises(IntegrityError), transaction.atomic():
        reporter_mail.queue_reporter_mail(
            report,
            to=EMAIL,
            subject="s",
            body="b",
            language="en",
            message_id=outcome_mail.outcome_message_id(report.pk, [event.pk]),
        )


@pytest.mark.parametrize(
    "who",
    [
        {"is_anonymous": True, "reporter_name": "", "reporter_email": "", "reporter_phone": ""},
        {"reporter_email": ""},  # a phone number only
    ],
    ids=["anonymous", "no email"],
)
def test_no_mail_to_a_reporter_who_cannot_be_written_to(users, who):
    submitted = submitted_report(
        "https://social.test/p/nobody-1", language="nl", **with_contact(**who)
    )
    decide(submitted.items[0], S.REMOVED)
    assert mail_outcomes() == 0
    assert not ReporterMail.objects.exists()


def test_no_mail_without_consent(users):
    submitted = reported()
    Report.objects.filter(pk=submitted.report.pk).update(has_consented=False)
    decide(submitted.items[0], S.REMOVED)
    assert mail_outcomes() == 0 and not ReporterMail.objects.exists()


def test_no_mail_once_the_reporter_s_details_are_erased(users):
    submitted = reported()
    erase_report(submitted.report, by="reporter")
    decide(submitted.items[0], S.REFUSED)
    assert mail_outcomes() == 0 and not ReporterMail.objects.exists()


def test_only_the_reporter_who_may_be_written_to_hears_of_a_shared_item(users):
    """Two reports of one post: the anonymous one gets nothing, Camille gets her mail."""
    url = "https://social.test/p/shared-1"
    submitted_report(url)  # anonymous witness
    camille = reported(url, language="de")
    [item] = camille.items
    assert item.reports.count() == 2
    decide(item, S.REMOVED)
    assert mail_outcomes() == 1
    assert ReporterMail.objects.get().report == camille.report


def test_an_upgrade_does_not_mail_news_of_old_decisions(users):
    """Decisions from before the feature arrived stay unmailed; later ones are mailed."""
    old = reported("https://social.test/p/old-1")
    decide(old.items[0], S.REMOVED)
    # The upgrade: the scan starts now (the migration makes this row with the time it ran).
    OutcomeScan.objects.all().delete()
    assert mail_outcomes() == 0
    upgrade = OutcomeScan.objects.get().started_at
    assert upgrade > old.report.created_at
    assert mail_outcomes(now=upgrade + dt.timedelta(minutes=1)) == 0  # still nothing old
    assert not ReporterMail.objects.exists()
    new = reported("https://social.test/p/new-1")
    decide(new.items[0], S.REMOVED)
    assert mail_outcomes() == 1
    assert ReporterMail.objects.get().report == new.report


def test_only_removal_restriction_and_refusal_are_told(users):
    submitted = reported()
    [item] = submitted.items
    notified(item)
    transition(item, S.STILL_ONLINE, actor=None)
    assert mail_outcomes() == 0


def test_a_failed_outcome_mail_can_be_written_again(smtp_server, users):
    """Its body was erased when it failed; it is written anew from the decisions it told."""
    from flagdesk.intake.reporter_updates import send_again

    [item] = reported(language="en").items
    decide(item, S.REMOVED)
    mail_outcomes()
    smtp_server.fail_next = [550]
    deliver_all()
    mail = ReporterMail.objects.get()
    assert mail.status == "failed" and mail.body == ""
    send_again(mail, actor=users["intake"])
    deliver_all()
    [message] = smtp_server.wait_for(1)
    assert item.url in message.get_content() and message["Message-ID"] == mail.message_id


def test_the_worker_runs_the_scan():
    assert "intake.outcome_mails" in [job.name for job in PERIODIC]
    assert "intake.outcome_mails" in [job.name for job in periodic_jobs()]


def test_a_burst_worker_tells_the_reporter(smtp_server, users, django_capture_on_commit_callbacks):
    """``flagdesk worker --burst``: its first round queues the mail, whose send task then
    runs; a second worker finds nothing more to say."""
    [item] = reported(language="en").items
    decide(item, S.REMOVED)
    with django_capture_on_commit_callbacks(execute=True):
        WorkerLoop(burst=True).run()
    WorkerLoop(burst=True).run()
    WorkerLoop(burst=True).run()
    assert len(smtp_server.wait_for(1)) == 1
    assert ReporterMail.objects.get().status == "sent"
