"""The intake mailbox against a real IMAP server (Dovecot, tests/imap_server.py): mails
become drafts once, hostile mails are refused safely, and attachments leave only hashes."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from flagdesk.intake.mail_intake.reading import MAX_URLS
from flagdesk.intake.mail_intake.services import (
    IntakeMailboxMisconfigured,
    intake_config,
    poll_intake_mailbox,
)
from flagdesk.intake.models import MailedReport
from flagdesk.intake.tests.mail_samples import EXE, ZIP, bomb, mail, picture, raw_mail

pytestmark = pytest.mark.django_db


@pytest.fixture
def intake_box(imap_mailbox: Any, settings: Any) -> Any:
    """The Dovecot INBOX as the intake mailbox; the answers mailbox is another one."""
    settings.INTAKE_IMAP_URL = imap_mailbox.url
    settings.IMAP_URL = imap_mailbox.url_for(mailbox="Answers")
    return imap_mailbox


def only() -> MailedReport:
    return MailedReport.objects.get()


def codes(draft: MailedReport) -> set[str]:
    return {p["code"] for p in draft.problems}


def test_a_plain_mail_becomes_a_pending_draft_with_its_url_and_language(intake_box):
    uid = intake_box.append(mail())

    result = poll_intake_mailbox()

    assert (result.taken, result.refused, result.error) == (1, 0, "")
    draft = only()
    assert draft.status == MailedReport.Status.PENDING and draft.uid == uid
    assert draft.sender_address == "jo.example@mail.test" and draft.sender_name == "Jo Example"
    assert draft.subject == "Photos publiées sans accord"
    assert "photos intimes" in draft.body and draft.language == "fr"
    assert [u["url"] for u in draft.urls] == ["https://social.test/p/mail-1"]
    # Stored, then flagged on the server for people who open the mailbox in a mail client.
    assert "$FlagdeskTaken" in intake_box.messages()[0][1]


def test_polling_again_takes_nothing_twice(intake_box):
    intake_box.append(mail(1))
    poll_intake_mailbox()
    intake_box.append(mail(2))
    intake_box.append(mail(1))  # delivered twice: the same Message-ID

    result = poll_intake_mailbox()

    assert result.taken == 1
    assert MailedReport.objects.count() == 2
    assert poll_intake_mailbox().taken == 0


def test_a_crash_before_the_cursor_moved_reads_the_mail_again_without_a_duplicate(intake_box):
    from flagdesk.notices.models import MailboxCursor

    intake_box.append(mail(1))
    poll_intake_mailbox()
    MailboxCursor.objects.update(last_uid=0)  # stored, but the cursor never saved

    assert poll_intake_mailbox().taken == 0
    assert MailedReport.objects.count() == 1


def test_an_html_only_mail_is_kept_as_text_without_its_script(intake_box):
    html = (
        "<html><head><script>alert('x')</script></head><body><p>Voir "
        '<a href="https://social.test/p/html-link">ce lien</a></p>'
        "<script>document.cookie</script></body></html>"
    )
    intake_box.append(mail(body="", html=html))

    poll_intake_mailbox()

    draft = only()
    assert "<" not in draft.body and "alert" not in draft.body and "cookie" not in draft.body
    assert "ce lien" in draft.body
    assert [u["url"] for u in draft.urls] == ["https://social.test/p/html-link"]
    assert "html_script" in codes(draft)


def test_a_picture_leaves_its_hashes_and_nothing_else(intake_box):
    data = picture(3)
    intake_box.append(mail(files=[("screenshot.png", "image/png", data)]))

    poll_intake_mailbox()

    (attachment,) = only().attachments.all()
    assert attachment.refusal == ""
    assert attachment.detected_type == "image/png" and attachment.kind == "image"
    assert attachment.size == len(data) and len(attachment.sha256) == 64 and attachment.pdq
    assert {s["signal_type"] for s in attachment.signals} == {"pdq", "md5", "sha256"}
    assert not hasattr(attachment, "data") and not hasattr(attachment, "thumbnail")


def test_archives_programs_and_bombs_are_refused_with_their_reason(intake_box):
    files = [
        ("photos.zip", "application/zip", ZIP),
        ("viewer.exe", "application/octet-stream", EXE),
        ("huge.png", "image/png", bomb()),
        ("notes.pdf", "application/pdf", b"%PDF-1.4\n" + bytes(100)),
    ]
    intake_box.append(mail(files=files))

    poll_intake_mailbox()

    draft = only()
    assert draft.status == MailedReport.Status.PENDING  # the mail itself is fine
    refusals = {a.filename: a.refusal for a in draft.attachments.all()}
    assert refusals == {
        "photos.zip": "archive",
        "viewer.exe": "executable",
        "huge.png": "media",
        "notes.pdf": "media",
    }
    assert all(len(a.sha256) == 64 and not a.signals for a in draft.attachments.all())
    details = {a.filename: a.refusal_detail for a in draft.attachments.all()}
    assert details["huge.png"]


def test_a_mail_over_the_size_cap_is_refused_but_its_sender_kept(intake_box, settings):
    settings.INTAKE_MAIL_MAX_BYTES = 50_000
    intake_box.append(mail(files=[("big.png", "image/png", bytes(80_000))]))

    result = poll_intake_mailbox()

    assert (result.taken, result.refused) == (0, 1)
    draft = only()
    assert draft.status == MailedReport.Status.REFUSED
    assert draft.sender_address == "jo.example@mail.test" and draft.body == ""
    assert not draft.attachments.exists()
    assert "oversize" in codes(draft)


def test_too_many_attachments_keeps_the_first_ones(intake_box):
    files = [(f"p{n}.png", "image/png", picture(n)) for n in range(12)]
    intake_box.append(mail(files=files))

    poll_intake_mailbox()

    draft = only()
    refusals = [a.refusal for a in draft.attachments.all()]
    assert refusals == [""] * 10 + ["too_many"] * 2
    assert "attachments_capped" in codes(draft)


def test_a_broken_charset_and_a_header_injection_are_read_safely(intake_box):
    headers = (
        "From: =?utf-8?q?Jo=0D=0ABcc=3A_victim=40mail.test?= <evil@mail.test>\n"
        "To: report@hotline.test\n"
        "Subject: =?utf-8?b?SGVsbG8NCkJjYzogeEBtYWlsLnRlc3Q=?=\n"
        "Message-ID: <broken-1@mail.test>\n"
        "Content-Type: text/plain; charset=x-no-such-charset\n"
    )
    intake_box.append(raw_mail(headers, b"Caf\xe9 https://social.test/p/charset \xff\xfe"))

    poll_intake_mailbox()

    draft = only()
    assert "\n" not in draft.subject and "\r" not in draft.subject
    assert draft.subject == "Hello Bcc: x@mail.test"
    assert "\n" not in draft.sender_name and draft.sender_address == "evil@mail.test"
    assert [u["url"] for u in draft.urls] == ["https://social.test/p/charset"]
    assert "note" in codes(draft)  # the unknown charset, noted


def test_ten_thousand_urls_are_capped_and_the_cap_said(intake_box):
    body = "\n".join(f"https://social.test/p/{n}" for n in range(10_000))
    intake_box.append(mail(body=body))

    poll_intake_mailbox()

    draft = only()
    # Only the first 100,000 characters of a text are read (and the officer is told).
    assert len(draft.urls) == MAX_URLS and draft.urls_found > MAX_URLS
    capped = next(p for p in draft.problems if p["code"] == "urls_capped")
    assert capped == {"code": "urls_capped", "found": draft.urls_found, "kept": MAX_URLS}
    assert "text_cut" in codes(draft)


def test_an_invalid_url_is_listed_with_its_reason(intake_box):
    intake_box.append(mail(body="See https://exa mple and http://localhost:99999/x and more."))

    poll_intake_mailbox()

    draft = only()
    assert draft.invalid_urls and all(u["reason"] for u in draft.invalid_urls)


def test_the_intake_mailbox_cannot_be_the_answers_mailbox(imap_mailbox, settings):
    settings.INTAKE_IMAP_URL = imap_mailbox.url
    settings.IMAP_URL = imap_mailbox.url
    with pytest.raises(IntakeMailboxMisconfigured, match="FLAGDESK_IMAP_URL"):
        intake_config()
    assert "FLAGDESK_IMAP_URL" in poll_intake_mailbox().error
    with pytest.raises(CommandError, match="FLAGDESK_IMAP_URL"):
        call_command("intake_mail_poll")


def test_the_command_reads_once_and_says_what_it_took(intake_box, capsys):
    intake_box.append(mail(1))
    call_command("intake_mail_poll")
    out = capsys.readouterr().out
    assert "1 new draft" in out and "1 waits" in out


def test_the_command_without_a_mailbox_says_so(settings):
    settings.INTAKE_IMAP_URL = ""
    with pytest.raises(CommandError, match="FLAGDESK_INTAKE_IMAP_URL"):
        call_command("intake_mail_poll")


def test_the_system_check_stops_the_start_when_both_mailboxes_are_one(settings):
    from flagdesk.intake.checks import intake_mailbox_check

    settings.INTAKE_IMAP_URL = "imap://intake:secret@127.0.0.1:1143/INBOX"
    settings.IMAP_URL = "imap://intake:other@127.0.0.1:1143/inbox"
    (error,) = intake_mailbox_check()
    assert error.id == "intake.E001" and "FLAGDESK_IMAP_URL" in error.msg
    settings.IMAP_URL = "imap://intake:secret@127.0.0.1:1143/Answers"
    assert intake_mailbox_check() == []


def test_malformed_mime_is_read_as_far_as_it_goes(intake_box):
    headers = (
        "From: jo.example@mail.test\n"
        "Subject: broken\n"
        "Message-ID: <malformed-1@mail.test>\n"
        'Content-Type: multipart/mixed; boundary="XX"\n'
    )
    body = (
        b"--XX\r\nContent-Type: text/plain\r\n\r\nSee https://social.test/p/mime\r\n"
        b"--XX\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n"
        b'Content-Disposition: attachment; filename="p.png"\r\n\r\n!!!not base64!!!\r\n'
    )  # no closing boundary
    intake_box.append(raw_mail(headers, body))

    assert poll_intake_mailbox().error == ""

    draft = only()
    assert [u["url"] for u in draft.urls] == ["https://social.test/p/mime"]
    (attachment,) = draft.attachments.all()
    assert attachment.refusal in ("media", "unreadable")
    assert "note" in codes(draft)
