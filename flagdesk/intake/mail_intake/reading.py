"""One mail of the intake mailbox read into plain facts: who, what, which addresses, which files.

Anyone can send us anything, so nothing here raises on a mail and nothing trusts it: headers
lose their line breaks (no header injection reaches a page or a reply), HTML becomes plain
text with its scripts dropped (the notices' reader, ``parse_reply``, does both), charsets that
lie are replaced and noted, and every list is capped. Problems are recorded as codes with
their numbers (``{"code": "urls_capped", "found": 10000, "kept": 200}``), translated when shown.
"""

from __future__ import annotations

import email.header
import email.utils
import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.message import Message
from email.parser import BytesParser

from flagdesk.notices.language import detect_language
from flagdesk.notices.replies import MAX_TEXT, parse_reply

MAX_ATTACHMENTS = 10  # files hashed from one mail; the others are recorded as refused
MAX_ATTACHMENT_RECORDS = 50  # files recorded at all: a mail of 5,000 parts is not a list
MAX_URLS = 200  # addresses kept from one mail; the officer is told how many there were
MAX_HTML_SCAN = 2_000_000  # characters of an HTML part searched for links
MAX_NAME = 200
_URL = re.compile(r"""\bhttps?://[^\s<>"'`{}|\\^\[\]]+""", re.IGNORECASE)
_HREF = re.compile(r"""href\s*=\s*["']?\s*(https?://[^"'\s<>]+)""", re.IGNORECASE)
_TRAILING = ".,;:!?)]}'\">"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


@dataclass(frozen=True)
class RawAttachment:
    filename: str
    declared_type: str
    data: bytes


@dataclass(frozen=True)
class ReadMail:
    message_key: str
    sender_address: str = ""
    sender_name: str = ""
    subject: str = ""
    sent_at: datetime | None = None
    text: str = ""
    language: str = ""
    urls: tuple[str, ...] = ()
    urls_found: int = 0
    attachments: tuple[RawAttachment, ...] = ()
    attachments_found: int = 0
    problems: tuple[dict[str, object], ...] = field(default_factory=tuple)


def message_key(message_id: str, raw: bytes) -> str:
    """What identifies a mail across polls: its Message-ID, or its bytes when it has none."""
    return hashlib.sha256(message_id.encode() if message_id else raw).hexdigest()


def read_mail(raw: bytes, *, full_size: int, max_bytes: int) -> ReadMail:
    """Read one mail; never raises. A mail over ``max_bytes`` (``full_size``, the size the
    server gave) was fetched only partly: only its headers count, and it is refused."""
    oversize = full_size > max_bytes
    reply = parse_reply(raw, max_bytes=max(max_bytes, len(raw)), full_size=None)
    problems: list[dict[str, object]] = []
    if oversize:
        problems.append({"code": "oversize", "size": full_size, "limit": max_bytes})
    problems += [{"code": "note", "detail": p} for p in reply.problems]
    message = _parsed(raw, headers_only=oversize)
    name = _display_name(message) if message is not None else ""
    key = message_key(reply.message_id, raw)
    if oversize or message is None:
        return ReadMail(
            message_key=key,
            sender_address=reply.from_address,
            sender_name=name,
            subject=reply.subject,
            sent_at=reply.date,
            problems=tuple(problems),
        )
    if reply.truncated:
        problems.append({"code": "text_cut", "limit": MAX_TEXT})
    html = _html_parts(message)
    if html and "<script" in " ".join(h[:MAX_HTML_SCAN] for h in html).lower():
        problems.append({"code": "html_script"})
    elif html:
        problems.append({"code": "html"})
    found = _urls([reply.text, *(" ".join(_HREF.findall(h[:MAX_HTML_SCAN])) for h in html)])
    if len(found) > MAX_URLS:
        problems.append({"code": "urls_capped", "found": len(found), "kept": MAX_URLS})
    attachments, counted = _attachments(message)
    if counted > MAX_ATTACHMENTS:
        problems.append({"code": "attachments_capped", "found": counted, "kept": MAX_ATTACHMENTS})
    return ReadMail(
        message_key=key,
        sender_address=reply.from_address,
        sender_name=name,
        subject=reply.subject,
        sent_at=reply.date,
        text=reply.text,
        language=detect_language(f"{reply.subject}\n{reply.text}") or "",
        urls=tuple(found[:MAX_URLS]),
        urls_found=len(found),
        attachments=tuple(attachments),
        attachments_found=counted,
        problems=tuple(problems),
    )


def _parsed(raw: bytes, *, headers_only: bool) -> Message | None:
    try:
        return BytesParser(policy=policy.compat32).parsebytes(raw, headersonly=headers_only)
    except Exception:  # absurd nesting, a parser bug: parse_reply has noted it
        return None


def one_line(value: str, limit: int = MAX_NAME) -> str:
    """A header value fit for a page or a reply: no control character, no line break."""
    return " ".join(_CONTROL.sub(" ", value).split())[:limit]


def _decoded_header(value: str) -> str:
    try:
        chunks = email.header.decode_header(value)
    except Exception:
        return value
    out = []
    for chunk, charset in chunks:
        if isinstance(chunk, bytes):
            try:
                out.append(chunk.decode(charset or "utf-8", errors="replace"))
            except LookupError:
                out.append(chunk.decode("utf-8", errors="replace"))
        else:
            out.append(chunk)
    return "".join(out)


def _display_name(message: Message) -> str:
    """The sender's name as they wrote it, decoded, on one line."""
    try:
        value = message.get("From", "")
        name, _address = email.utils.parseaddr(one_line(str(value), 2000))
        return one_line(_decoded_header(name)).strip('"')
    except Exception:
        return ""


def _walk(message: Message) -> list[Message]:
    """Every leaf part, without recursion; ``parse_reply`` already noted absurd nesting."""
    leaves: list[Message] = []
    stack: list[tuple[Message, int]] = [(message, 0)]
    while stack and len(leaves) < 10_000:
        part, depth = stack.pop()
        children = part.get_payload() if part.is_multipart() else None
        if isinstance(children, list):
            if depth < 50:
                stack.extend((c, depth + 1) for c in reversed(children) if isinstance(c, Message))
            continue
        leaves.append(part)
    return leaves


def _is_body(part: Message) -> bool:
    return part.get_content_disposition() != "attachment" and part.get_content_type() in (
        "text/plain",
        "text/html",
    )


def _html_parts(message: Message) -> list[str]:
    texts = []
    for part in _walk(message):
        if _is_body(part) and part.get_content_type() == "text/html":
            try:
                payload = part.get_payload(decode=True)
            except Exception:  # parse_reply has noted the part it could not decode
                payload = None
            if isinstance(payload, bytes):
                charset = part.get_content_charset() or "utf-8"
                try:
                    texts.append(payload[: MAX_HTML_SCAN * 4].decode(charset, errors="replace"))
                except LookupError:
                    texts.append(payload[: MAX_HTML_SCAN * 4].decode("utf-8", errors="replace"))
    return texts


def _urls(texts: list[str]) -> list[str]:
    found: dict[str, None] = {}
    for text in texts:
        for match in _URL.finditer(text):
            url = match.group(0).rstrip(_TRAILING)
            if len(url) > 2000:
                continue
            found.setdefault(url)
    return list(found)


def _attachments(message: Message) -> tuple[list[RawAttachment], int]:
    """The files of the mail (every leaf that is not its text), the first
    ``MAX_ATTACHMENT_RECORDS`` of them, and how many there were."""
    files: list[RawAttachment] = []
    counted = 0
    for part in _walk(message):
        if _is_body(part):
            continue
        counted += 1
        if len(files) >= MAX_ATTACHMENT_RECORDS:
            continue
        try:
            filename = one_line(_decoded_header(part.get_filename() or ""))
        except Exception:
            filename = ""
        try:
            payload = part.get_payload(decode=True)
        except Exception:
            payload = None
        files.append(
            RawAttachment(
                filename=filename,
                declared_type=one_line(part.get_content_type(), 100),
                data=payload if isinstance(payload, bytes) else b"",
            )
        )
    return files, counted
