"""Platforms' answers: reply mails read over IMAP from a real Dovecot, matched to notices only
with proof, hostile mails kept safely; the triage list; and the signed inbound API."""

from __future__ import annotations

import hashlib
import hmac
import json
from email.message import EmailMessage
from email.utils import format_datetime

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from flagdesk.cases.models import Item
from flagdesk.notices.models import InboundMail, MailboxCursor, Notice, NoticeResponse
from flagdesk.notices.services import queue_notices
from flagdesk.notices.services.inbound import poll_mailbox
from flagdesk.notices.tasks import send_outbox_row
from flagdesk.platforms.services import new_inbound_secret

from .factories import approved_item, make_platform

pytestmark = pytest.mark.django_db


@pytest.fixture
def mailbox(imap_mailbox, settings):
    settings.IMAP_URL = imap_mailbox.url
    return imap_mailbox


@pytest.fixture
def sent(users, platform, smtp_server):
    items = [approved_item(users), approved_item(users)]
    [notice] = queue_notices(items, actor=users["analyst"])
    send_outbox_row.call(str(notice.outbox.id))
    notice.refresh_from_db()
    return notice


def reply(
    notice: Notice,
    text: str,
    *,
    sender: str = "legal@social.test",
    subject: str | None = None,
    threaded: bool = True,
    html: str = "",
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = notice.sender
    message["Subject"] = subject if subject is not None else f"Re: {notice.subject}"
    message["Date"] = format_datetime(timezone.now())
    digest = hashlib.sha256(f"{text}{sender}{message['Subject']}".encode()).hexdigest()
    message["Message-ID"] = f"<{digest[:32]}@mx.test>"
    if threaded:
        message["In-Reply-To"] = notice.message_id
        message["References"] = notice.message_id
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    return bytes(message)


def status(notice: Notice) -> str:
    return Notice.objects.values_list("status", flat=True).get(pk=notice.pk)


def test_a_clear_decision_from_the_platform_is_recorded_by_itself(sent, mailbox):
    mailbox.append(reply(sent, "Hello,\n\nWe have removed the content you reported.\n\nTeam"))
    assert poll_mailbox() == 1
    mail = InboundMail.objects.get()
    assert (mail.state, mail.proof, mail.notice) == ("applied", "message_id", sent)
    assert status(sent) == "decided"
    response = NoticeResponse.objects.get(notice=sent)
    assert (response.source, response.recorded_by, response.mail) == ("mail", None, mail)
    assert "We have removed the content" in response.statement
    assert set(Item.objects.filter(notices=sent).values_list("status", flat=True)) == {"removed"}
    # Read again: nothing new, nothing recorded twice.
    assert poll_mailbox() == 0
    assert NoticeResponse.objects.count() == 1


def test_an_acknowledgement_matched_by_the_subject(sent, mailbox):
    mailbox.append(
        reply(
            sent,
            "Thank you for your report. We have received your notice and will review it.",
            subject=f"Your report {sent.reference}",
            threaded=False,
        )
    )
    poll_mailbox()
    assert InboundMail.objects.get().state == "applied"
    assert status(sent) == "acknowledged"


def test_a_reply_from_another_domain_waits_for_a_person(sent, mailbox):
    mailbox.append(reply(sent, "We have removed the content.", sender="someone@elsewhere.test"))
    poll_mailbox()
    mail = InboundMail.objects.get()
    assert mail.state == "needs_review" and "elsewhere.test" in mail.why
    assert status(sent) == "sent" and not NoticeResponse.objects.exists()


def test_a_forged_reference_to_another_platforms_notice_changes_nothing(
    users, sent, mailbox, smtp_server
):
    make_platform(users, name="Other", domain="other.test")
    other_item = approved_item(users, domain="other.test")
    [other] = queue_notices([other_item], actor=users["analyst"])
    send_outbox_row.call(str(other.outbox.id))
    # Social's domain, Other's notice: no proof it answers it.
    mailbox.append(
        reply(
            other,
            "We have removed the content.",
            sender="legal@social.test",
            threaded=False,
            subject=f"Re: {other.reference}",
        )
    )
    # A reply to Social's message that also names Other's notice in its subject.
    mailbox.append(
        reply(
            sent, "We have removed the content.", subject=f"Re: {sent.reference} {other.reference}"
        )
    )
    poll_mailbox()
    states = sorted(InboundMail.objects.values_list("state", flat=True))
    assert states == ["needs_review", "needs_review"]
    assert status(other) == "sent" and status(sent) == "sent"


def test_unclear_and_unmatched_mails_wait_and_hostile_ones_are_kept_safely(sent, mailbox):
    mailbox.append(reply(sent, "We will look into it, or not. Maybe removed, maybe not."))
    mailbox.append(reply(sent, "Please provide more information about the second URL."))
    unrelated = EmailMessage()
    unrelated["From"] = "spam@spam.test"
    unrelated["Subject"] = "Cheap watches"
    unrelated.set_content("Buy now")
    mailbox.append(bytes(unrelated))
    mailbox.append(
        reply(
            sent,
            "see html",
            html="<p>We have <b>removed</b> it</p><script>alert(document.cookie)</script>",
            subject="x",
            threaded=False,
        )
    )
    mailbox.append(
        b"From: legal@social.test\r\nSubject: =?broken?q?x\r\n"
        b'Content-Type: multipart/mixed; boundary="\r\n\r\n--\r\n\x00\x01garbage'
    )
    poll_mailbox()
    mails = {m.subject: m for m in InboundMail.objects.all()}
    assert mails["Cheap watches"].state == "unmatched"
    assert all(m.state in ("needs_review", "unmatched") for m in mails.values())
    html_mail = mails["x"]
    assert "<script>" not in html_mail.text and "alert" not in html_mail.text
    assert not NoticeResponse.objects.exists()


def test_a_huge_mail_is_read_in_part_and_waits(sent, mailbox):
    mailbox.append(reply(sent, "We have removed the content.\n" + "x" * (12 * 1024 * 1024)))
    poll_mailbox()
    mail = InboundMail.objects.get()
    assert mail.is_partial and mail.state == "needs_review"
    assert status(sent) == "sent"


def test_an_unreachable_mailbox_is_noted_and_polled_again(sent, settings):
    from conftest import free_port

    settings.IMAP_URL = f"imap://u:secret-pw@127.0.0.1:{free_port()}/INBOX"
    assert poll_mailbox() == 0
    cursor = MailboxCursor.objects.get()
    assert cursor.last_error and "secret-pw" not in cursor.last_error
    with pytest.raises(Exception) as failed:
        call_command("mailbox_poll")
    assert "secret-pw" not in str(failed.value)


def test_the_command_polls_once(sent, mailbox, capsys):
    mailbox.append(reply(sent, "We have removed the content you reported."))
    call_command("mailbox_poll")
    assert "1 new mail." in capsys.readouterr().out


def test_the_triage_list_confirms_and_sets_aside(users, sent, mailbox, client):
    mailbox.append(reply(sent, "We have removed it.", sender="x@elsewhere.test"))
    mailbox.append(reply(sent, "Unsubscribe me", sender="y@elsewhere.test", threaded=False))
    poll_mailbox()
    first = InboundMail.objects.get(from_address="x@elsewhere.test")
    second = InboundMail.objects.get(from_address="y@elsewhere.test")
    client.force_login(users["intake"])
    page = client.get(reverse("notices:mail-list"))
    assert page.status_code == 200 and "elsewhere.test" in page.content.decode()
    detail = client.get(reverse("notices:mail-detail", args=[first.id]))
    assert sent.reference in detail.content.decode()
    missing = client.post(
        reverse("notices:mail-detail", args=[first.id]),
        {"notice_reference": sent.reference, "kind": "decision", "decision": ""},
    )
    assert "Choose the decision" in missing.content.decode()
    done = client.post(
        reverse("notices:mail-detail", args=[first.id]),
        {"notice_reference": sent.reference, "kind": "decision", "decision": "removed"},
    )
    assert done.status_code == 302
    assert status(sent) == "decided"
    response = NoticeResponse.objects.get()
    assert (response.recorded_by, response.source) == (users["intake"], "mail")
    client.post(reverse("notices:mail-detail", args=[second.id]), {"action": "set_aside"})
    assert InboundMail.objects.get(pk=second.pk).state == "ignored"
    client.force_login(users["auditor"])
    assert client.get(reverse("notices:mail-list")).status_code == 403


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_the_signed_inbound_api(users, sent, client):
    secret = new_inbound_secret(sent.platform, actor=users["coordinator"])
    url = f"/api/v1/inbound/{sent.platform.slug}"
    body = json.dumps(
        {
            "notice_reference": sent.reference,
            "kind": "decision",
            "decision": "geo_blocked",
            "territorial_scope": ["BE"],
            "statement": "Restricted in Belgium.",
        }
    ).encode()

    def post(data: bytes, signature: str | None):
        headers = {"X-Flagdesk-Signature": signature} if signature else {}
        return client.post(url, data, content_type="application/json", headers=headers)

    assert post(body, None).status_code == 401
    assert post(body, sign("wrong", body)).status_code == 401
    assert post(body, sign(secret, body + b" ")).status_code == 401
    unknown = client.post(
        "/api/v1/inbound/no-such-platform",
        body,
        content_type="application/json",
        headers={"X-Flagdesk-Signature": sign(secret, body)},
    )
    assert unknown.status_code == 401  # tells nothing about which platforms exist
    lower = body.replace(sent.reference.encode(), sent.reference.lower().replace("-", " ").encode())
    done = post(lower, sign(secret, lower))  # the reference forgiven as typed
    assert done.status_code == 202, done.content
    assert done.json()["notice_status"] == "decided"
    again = post(lower, sign(secret, lower))
    assert again.status_code == 202 and again.json()["duplicate"] is True
    assert NoticeResponse.objects.filter(source="inbound_api").count() == 1
    assert set(Item.objects.filter(notices=sent).values_list("status", flat=True)) == {"restricted"}
    other = json.dumps({"notice_reference": "N-AAAA-AAAA", "kind": "acknowledgement"}).encode()
    assert post(other, sign(secret, other)).status_code == 404
    bad = json.dumps({"notice_reference": sent.reference, "kind": 7}).encode()
    assert post(bad, sign(secret, bad)).status_code == 422
    junk = b"not json"
    assert post(junk, sign(secret, junk)).status_code == 422


def test_a_reply_to_a_follow_up_is_recorded_on_the_follow_up(users, sent, mailbox, smtp_server):
    from flagdesk.notices.services.follow_ups import follow_up

    reminder = follow_up(sent, kind="reminder", actor=users["analyst"])
    send_outbox_row.call(str(reminder.outbox.id))
    reminder.refresh_from_db()
    # Its subject names the reminder and the notice it follows: one chain, no doubt.
    mailbox.append(reply(reminder, "We have removed the content you reported."))
    poll_mailbox()
    mail = InboundMail.objects.get()
    assert (mail.state, mail.notice) == ("applied", reminder)


def test_a_misconfigured_mailbox_url_is_noted_and_shown(users, settings, client):
    settings.IMAP_URL = "imap://127.0.0.1:1143/INBOX"  # no user, no password
    assert poll_mailbox() == 0
    client.force_login(users["intake"])
    page = client.get(reverse("notices:mail-list")).content.decode()
    assert "needs a user name and a password" in page
