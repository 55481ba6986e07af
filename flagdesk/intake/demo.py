"""The intake app's part of ``flagdesk demo``: one mail from the public waiting on the
Mailbox page, from a fictional sender about a fictional ``*.example`` address."""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP

from .mail_intake.services import take_mail
from .models import MailedReport

DEMO_MAILBOX = "demo"
DEMO_MESSAGE_ID = "<demo-intake-1@mail.example>"


def demo_mail() -> bytes:
    message = EmailMessage()
    message["From"] = "Sam Demo <sam.demo@mail.example>"
    message["To"] = "report@demo-flagdesk.example"
    message["Subject"] = "Fake profile using my photos"
    message["Message-ID"] = DEMO_MESSAGE_ID
    message.set_content(
        "Hello,\n\nsomeone made a profile with my photos and my name and is writing to my "
        "friends pretending to be me. This is the profile:\n\n"
        "https://chirp.example/demo_impostor\n\nCan you help me get it removed?\n\nSam"
    )
    return message.as_bytes(policy=SMTP)


def load() -> dict[str, int]:
    """One pending draft in the intake mailbox (taken once: the demo can be loaded again)."""
    raw = demo_mail()
    taken = take_mail(raw, mailbox=DEMO_MAILBOX, uidvalidity=1, uid=1, size=len(raw))
    pending = MailedReport.objects.filter(status=MailedReport.Status.PENDING).count()
    return {"mailed_drafts": pending if taken is not None else 0}
