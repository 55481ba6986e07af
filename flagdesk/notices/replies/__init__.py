"""Reading platforms' replies to our notices: one raw mail in, plain facts out.

Everything here is a pure function of its input (no database): ``parse_reply`` reads a mail
that anyone can send us, so it never raises and never trusts what it reads;
``notice_references`` says which notice a reply is about; ``classify`` guesses what kind of
answer it is, for an analyst to confirm. ``fetch_new`` reads new mails from an IMAP mailbox.
"""

from __future__ import annotations

from .classify import (
    ACKNOWLEDGEMENT,
    DECISION,
    INFORMATION_REQUEST,
    RULES,
    UNKNOWN,
    Classification,
    classify,
    parse_rule_table,
)
from .mail import (
    MAX_BYTES,
    MAX_TEXT,
    NOTICE_REFERENCE,
    ReferenceMatch,
    Reply,
    html_to_text,
    notice_references,
    parse_reply,
)
from .mailbox import (
    Fetched,
    FetchedMessage,
    ImapConfig,
    MailboxError,
    add_flags,
    fetch_new,
    imap_url_config,
    imap_utf7,
)

__all__ = [
    "ACKNOWLEDGEMENT",
    "DECISION",
    "INFORMATION_REQUEST",
    "MAX_BYTES",
    "MAX_TEXT",
    "NOTICE_REFERENCE",
    "RULES",
    "UNKNOWN",
    "Classification",
    "Fetched",
    "FetchedMessage",
    "ImapConfig",
    "MailboxError",
    "ReferenceMatch",
    "Reply",
    "add_flags",
    "classify",
    "fetch_new",
    "html_to_text",
    "imap_url_config",
    "imap_utf7",
    "notice_references",
    "parse_reply",
    "parse_rule_table",
]
