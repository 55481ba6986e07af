"""The demo's follow-through: the shipped platform registry, a platform reached by its web
form, and two platform replies in the answers mailbox (one recorded by itself, one waiting in
the triage list), so each follow-through page has something to show after ``make run``.

All fictional: the replies come from ``.example`` domains and quote a demo notice.
"""

from __future__ import annotations

import json
from email.message import EmailMessage
from email.utils import format_datetime

from django.utils import timezone

from flagdesk.accounts.models import User
from flagdesk.notices.models import Notice
from flagdesk.notices.services.inbound import ingest
from flagdesk.platforms.models import Platform
from flagdesk.platforms.services import SEED, set_channels

from .platforms import import_platforms

DEMO_MAILBOX = "demo"
WEBFORM_PLATFORM = "ForumHub"


def load_registry(carol: User) -> None:
    """Before the demo's notices: the shipped list, and ForumHub reached by its web form."""
    import_platforms(json.loads(SEED.read_text(encoding="utf-8")), actor=carol, keep_existing=True)
    forum = Platform.objects.get(name=WEBFORM_PLATFORM)
    set_channels(
        forum,
        actor=carol,
        channels=[{"kind": "webform", "endpoint": "https://forumhub.example/legal/report"}],
    )


def _mail(notice: Notice, *, sender: str, text: str, threaded: bool, n: int) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = notice.sender
    message["Subject"] = f"Re: {notice.subject}" if threaded else "Question about a report"
    message["Date"] = format_datetime(timezone.now())
    message["Message-ID"] = f"<demo-reply-{n}-{notice.reference}@{sender.rsplit('@', 1)[1]}>"
    if threaded:
        message["In-Reply-To"] = notice.message_id
    message.set_content(text)
    return bytes(message)


def load_replies(decided: list[Notice]) -> int:
    """Two replies about the first settled notice: its platform's acknowledgement (recorded
    by itself) and a mail from an unknown address naming it (left for a person)."""
    if not decided:
        return 0
    notice = decided[0]
    domain = notice.recipient.rsplit("@", 1)[1]
    mails = [
        _mail(
            notice,
            sender=f"legal@{domain}",
            text="Fictional demo reply: we have received your notice and will review it.",
            threaded=True,
            n=1,
        ),
        _mail(
            notice,
            sender="someone@unknown-sender.example",
            text=f"Fictional demo mail: is {notice.reference} about my account? It was removed.",
            threaded=False,
            n=2,
        ),
    ]
    for uid, raw in enumerate(mails, start=1):
        ingest(raw, mailbox=DEMO_MAILBOX, uidvalidity=1, uid=uid, size=len(raw), is_partial=False)
    return len(mails)
