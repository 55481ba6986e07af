"""Follow-through after a notice: reminders, re-notices and art. 20 complaints through the
first notice's channel, the four-eyes approval of escalations, the DSC file, and notices
submitted by hand on a platform's web form."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from flagdesk.audit.models import AuditEntry
from flagdesk.cases.models import CaseEvent, Item
from flagdesk.core.errors import Conflict, PermissionDenied, ValidationFailed
from flagdesk.notices.models import DeliveryAttempt, Notice, OutboxRow
from flagdesk.notices.services import confirm_submitted, queue_notices, record_response
from flagdesk.notices.services.follow_ups import (
    approve,
    complaint_deadline,
    follow_up,
    record_lodged,
)
from flagdesk.notices.sla import add_months
from flagdesk.notices.tasks import send_outbox_row
from flagdesk.platforms.services import set_channels

from .factories import approved_item, make_platform

pytestmark = pytest.mark.django_db

REASON = "The same picture is still online a week after our notice; nothing was answered."


@pytest.fixture
def sent(users, platform, smtp_server):
    items = [approved_item(users), approved_item(users)]
    [notice] = queue_notices(items, actor=users["analyst"])
    send_outbox_row.call(str(notice.outbox.id))
    notice.refresh_from_db()
    assert notice.status == Notice.Status.SENT
    smtp_server.messages.clear()
    return notice


def deliver(new: Notice) -> None:
    send_outbox_row.call(str(new.outbox.id))
    new.refresh_from_db()


def test_a_reminder_goes_at_once_through_the_same_channel_and_names_the_first_notice(
    users, sent, smtp_server
):
    reminder = follow_up(sent, kind="reminder", actor=users["analyst"])
    assert (reminder.status, reminder.previous, reminder.recipient) == (
        "queued",
        sent,
        sent.recipient,
    )
    deliver(reminder)
    [mail] = smtp_server.messages
    body = mail.get_body(("plain",)).get_content()
    assert sent.reference in mail["Subject"] and reminder.reference in mail["Subject"]
    assert f"sent you notice {sent.reference}" in body
    assert sent.sent_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC") in body
    # The first notice follows unchanged, so the platform reads what was approved.
    assert sent.body.strip() in body.replace("\r\n", "\n")
    assert mail["Message-ID"] != sent.message_id
    assert reminder.payload["follows"]["reference"] == sent.reference
    events = CaseEvent.objects.filter(kind=CaseEvent.Kind.NOTICE_QUEUED, data__follow_up="reminder")
    assert events.count() == 2


def test_a_second_reminder_waits_for_the_first_to_leave(users, sent):
    follow_up(sent, kind="reminder", actor=users["analyst"])
    with pytest.raises(Conflict, match="waiting to be sent"):
        follow_up(sent, kind="reminder", actor=users["analyst"])


def test_no_reminder_once_everything_is_decided(users, sent):
    record_response(
        sent,
        actor=users["analyst"],
        kind="decision",
        decision="removed",
        received_at=timezone.now(),
    )
    with pytest.raises(Conflict, match="decided on every item"):
        follow_up(sent, kind="reminder", actor=users["analyst"])


def test_a_renotice_needs_a_reason_and_another_reviewers_approval(users, sent, smtp_server):
    with pytest.raises(ValidationFailed) as refused:
        follow_up(sent, kind="renotice", actor=users["analyst"], reason="again")
    assert "reason" in refused.value.fields
    draft = follow_up(sent, kind="renotice", actor=users["reviewer"], reason=REASON)
    assert draft.status == "draft" and not hasattr(draft, "outbox")
    with pytest.raises(PermissionDenied) as same:
        approve(draft, actor=users["reviewer"])
    assert same.value.code == "four_eyes"
    with pytest.raises(PermissionDenied):
        approve(draft, actor=users["analyst"])  # an analyst does not approve escalations
    approved = approve(draft, actor=users["coordinator"])
    assert approved.status == "queued" and approved.approved_by == users["coordinator"]
    deliver(approved)
    body = smtp_server.messages[-1].get_body(("plain",)).get_content()
    assert REASON in body and "We notify them again" in body
    assert AuditEntry.objects.filter(action="notice.follow_up_approved").exists()
    with pytest.raises(Conflict):
        approve(approved, actor=users["coordinator"])


def test_a_complaint_quotes_the_refusal_and_is_open_for_six_months(users, sent, smtp_server):
    with pytest.raises(Conflict, match="did not refuse"):
        follow_up(sent, kind="complaint", actor=users["analyst"], reason=REASON)
    decided_at = timezone.now() - dt.timedelta(days=10)
    record_response(
        sent,
        actor=users["analyst"],
        kind="decision",
        decision="refused",
        received_at=decided_at,
        statement="The reported content does not violate our Community Standards.",
    )
    deadline = complaint_deadline(sent)
    assert deadline == add_months(decided_at, 6)
    draft = follow_up(sent, kind="complaint", actor=users["analyst"], reason=REASON)
    deliver(approve(draft, actor=users["reviewer"]))
    body = smtp_server.messages[-1].get_body(("plain",)).get_content()
    assert "article 20" in body and "does not violate our Community Standards" in body
    assert REASON in body
    late = deadline + dt.timedelta(minutes=1)
    with pytest.raises(Conflict, match="six months"):
        follow_up(sent, kind="complaint", actor=users["analyst"], reason=REASON, now=late)


def test_the_dsc_file_is_a_pdf_with_the_whole_history(users, sent, api):
    record_response(
        sent, actor=users["analyst"], kind="acknowledgement", received_at=timezone.now()
    )
    reminder = follow_up(sent, kind="reminder", actor=users["analyst"])
    deliver(reminder)
    created = api("analyst").post(
        f"/notices/{sent.id}/follow-ups", {"kind": "dsc_complaint", "reason": REASON}
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["kind"], body["previous"], body["status"], body["approved"]) == (
        "dsc_complaint",
        sent.reference,
        "draft",
        False,
    )
    dsc = Notice.objects.get(pk=body["id"])
    from flagdesk.notices.documents import dsc_file_html

    html = dsc_file_html(dsc)
    assert "DRAFT" in html and sent.reference in html and reminder.reference in html
    assert REASON in html and sent.body.splitlines()[0] in html
    pdf = api("analyst").get(f"/notices/{sent.id}/follow-ups/{dsc.id}")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert api("reviewer").post(f"/notices/{dsc.id}/approve").json()["approved"] is True
    assert "DRAFT" not in dsc_file_html(Notice.objects.get(pk=dsc.pk))
    lodged = api("coordinator").post(f"/notices/{dsc.id}/lodged", {"dsc_reference": "BIPT-2026-77"})
    assert lodged.status_code == 200 and lodged.json()["status"] == "sent"
    with pytest.raises(Conflict):
        record_lodged(dsc, actor=users["coordinator"], dsc_reference="again")


def test_follow_up_api_errors(users, sent, api):
    assert api("analyst").post(f"/notices/{sent.id}/follow-ups", {"kind": "x"}).status_code == 422
    short = api("analyst").post(f"/notices/{sent.id}/follow-ups", {"kind": "renotice"})
    assert short.status_code == 422 and "reason" in short.json()["error"]["fields"]
    assert (
        api("admin").post(f"/notices/{sent.id}/follow-ups", {"kind": "reminder"}).status_code == 403
    )
    other = follow_up(sent, kind="reminder", actor=users["analyst"])
    missing = api("analyst").get(f"/notices/{other.id}/follow-ups/{sent.id}")
    assert missing.status_code == 404


def test_a_web_form_notice_waits_for_the_analyst_and_settles_once(users, smtp_server, api):
    platform = make_platform(users, name="Formy", domain="formy.test")
    set_channels(
        platform,
        actor=users["coordinator"],
        channels=[{"kind": "webform", "endpoint": "https://formy.test/legal/report"}],
    )
    item = approved_item(users, domain="formy.test")
    [notice] = queue_notices([item], actor=users["analyst"])
    assert notice.outbox.status == OutboxRow.Status.MANUAL
    assert notice.recipient == "https://formy.test/legal/report"
    send_outbox_row.call(str(notice.outbox.id))  # a worker finds nothing to do
    assert smtp_server.messages == []
    bad = api("analyst").post(f"/notices/{notice.id}/submitted", {"platform_reference": "a\nb"})
    assert bad.status_code == 422
    done = api("analyst").post(f"/notices/{notice.id}/submitted", {"platform_reference": "T-881"})
    assert done.status_code == 200, done.content
    notice.refresh_from_db()
    assert (notice.status, notice.platform_reference) == ("sent", "T-881")
    assert Item.objects.get(pk=item.pk).status == Item.Status.NOTIFIED
    [attempt] = DeliveryAttempt.objects.filter(notice=notice)
    assert attempt.outcome == "sent" and "alice" in attempt.worker
    again = api("analyst").post(f"/notices/{notice.id}/submitted", {"platform_reference": "T-2"})
    assert again.status_code == 409
    with pytest.raises(ValidationFailed):
        confirm_submitted(
            notice,
            actor=users["analyst"],
            platform_reference="x",
            submitted_at=timezone.now() + dt.timedelta(hours=1),
        )


def test_the_attempt_log_is_in_the_api(users, sent, api):
    log = api("analyst").get(f"/notices/{sent.id}").json()["attempt_log"]
    assert [(a["channel"], a["outcome"]) for a in log] == [("email", "sent")]


def test_automatic_renotices_follow_the_platforms_cadence(users, sent, smtp_server):
    from flagdesk.notices.services.follow_ups import auto_renotices
    from flagdesk.platforms.services import update_facts

    assert auto_renotices() == 0  # no cadence set
    update_facts(sent.platform, actor=users["coordinator"], renotice_every_hours=48)
    Notice.objects.filter(pk=sent.pk).update(sent_at=timezone.now() - dt.timedelta(hours=47))
    assert auto_renotices() == 0
    Notice.objects.filter(pk=sent.pk).update(sent_at=timezone.now() - dt.timedelta(hours=49))
    later = timezone.now()
    assert auto_renotices(now=later) == 1
    [renotice] = sent.follow_ups.all()
    assert (renotice.kind, renotice.status, renotice.approved_by) == (
        "renotice",
        "queued",
        users["coordinator"],
    )
    assert "48 hours" in renotice.reason
    deliver(renotice)
    assert (
        "re-notified automatically" in smtp_server.messages[-1].get_body(("plain",)).get_content()
    )
    assert auto_renotices(now=later) == 0  # once per notice
    record_response(
        renotice, actor=users["analyst"], kind="decision", decision="removed", received_at=later
    )
    assert auto_renotices(now=later + dt.timedelta(days=30)) == 0  # decided: nothing follows


def test_the_notice_page_offers_only_the_follow_ups_the_notice_allows(users, sent, client):
    from django.urls import reverse

    from flagdesk.notices.services.follow_ups import available

    assert available(sent) == ["reminder", "renotice", "dsc_complaint"]
    client.force_login(users["analyst"])
    page = client.get(reverse("notices:notice-detail", args=[sent.id])).content.decode()
    assert 'value="reminder"' in page and 'value="complaint"' not in page
    record_response(
        sent,
        actor=users["analyst"],
        kind="decision",
        decision="refused",
        received_at=timezone.now(),
        statement="No violation.",
    )
    assert available(Notice.objects.get(pk=sent.pk)) == ["renotice", "complaint", "dsc_complaint"]
    posted = client.post(
        reverse("notices:follow-up", args=[sent.id]), {"kind": "complaint", "reason": REASON}
    )
    draft = Notice.objects.get(kind="complaint")
    assert posted.url == reverse("notices:notice-detail", args=[draft.id])
    page = client.get(posted.url).content.decode()
    assert "Waiting for approval" in page and "You cannot approve it" in page
    client.force_login(users["reviewer"])
    client.post(reverse("notices:approve", args=[draft.id]))
    assert Notice.objects.get(pk=draft.pk).status == "queued"
