"""Reading one reply mail safely: headers, readable text, the notice references in it."""

from __future__ import annotations

import email.header
import email.utils
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import Message
from email.parser import BytesParser
from html.parser import HTMLParser

from django.utils.translation import gettext as _

from flagdesk.core.references import ALPHABET

MAX_BYTES = 10 * 1024 * 1024
MAX_TEXT = 100_000  # characters of readable text kept from a reply
MAX_HTML = 2_000_000  # characters of HTML converted; more cannot add text we would keep
MAX_HEADER = 2_000  # characters kept of one header's value
MAX_IDS = 100  # message-ids kept from In-Reply-To and References
MAX_DEPTH = 200  # MIME nesting followed; anything deeper is skipped and noted
# A notice reference as flagdesk.core.references.new_reference("N") makes it: N-7KQ3-M9XD.
NOTICE_REFERENCE = re.compile(rf"\bN-[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}\b")
_ID_CHAR = r"[^<>\s\"\x00-\x1f\x7f]"
_MSG_ID = re.compile(rf"<({_ID_CHAR}{{1,250}}@{_ID_CHAR}{{1,250}})>")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_HEADER_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


@dataclass(frozen=True)
class Reply:
    """What could be read from one mail. ``text`` is plain text, never markup; ``truncated``
    says it is not the whole readable body (over ``MAX_TEXT``, or the mail was ``oversize``)."""

    message_id: str = ""
    from_address: str = ""
    from_domain: str = ""
    subject: str = ""
    date: datetime | None = None
    in_reply_to: str = ""
    references: tuple[str, ...] = ()
    text: str = ""
    truncated: bool = False
    oversize: bool = False
    problems: tuple[str, ...] = ()


def parse_reply(raw: bytes, *, max_bytes: int = MAX_BYTES, full_size: int | None = None) -> Reply:
    """Read one raw mail; never raises. Only the first ``max_bytes`` are parsed; ``oversize``
    is set when ``raw`` (or ``full_size``, the size of a mail fetched partially) is larger."""
    problems: list[str] = []
    oversize = len(raw) > max_bytes or (full_size is not None and full_size > max_bytes)
    data = raw[:max_bytes]
    if oversize:
        problems.append(
            _("The message is larger than %(limit)d bytes; only its beginning was read.")
            % {"limit": max_bytes}
        )
    if b"\x00" in data:
        problems.append(_("The message contains NUL bytes; they were removed."))
    parser = BytesParser(policy=policy.compat32)  # the most forgiving policy: nothing lazy
    try:
        message = parser.parsebytes(data)
    except Exception:  # RecursionError on absurd nesting, or a parser bug: keep the headers
        problems.append(_("The message structure could not be read; only its headers were."))
        try:
            message = parser.parsebytes(data, headersonly=True)
        except Exception:
            return Reply(truncated=True, oversize=oversize, problems=tuple(problems))
    try:
        return _read(message, problems, oversize)
    except Exception:  # the last resort that makes "never raises" true
        problems.append(_("The message could not be read."))
        return Reply(truncated=True, oversize=oversize, problems=tuple(_unique(problems)))


def _read(message: Message, problems: list[str], oversize: bool) -> Reply:
    headers = _Headers(message, problems)
    from_address = headers.address("From")
    text, truncated = _body_text(message, problems)
    defects = sorted({type(d).__name__ for part in _parts(message, problems) for d in part.defects})
    if defects:
        problems.append(_("Malformed MIME: %(defects)s.") % {"defects": ", ".join(defects)})
    return Reply(
        message_id=next(iter(_message_ids(headers.raw("Message-ID"))), ""),
        from_address=from_address,
        from_domain=from_address.rpartition("@")[2],
        subject=headers.text("Subject"),
        date=headers.date("Date"),
        in_reply_to=next(iter(_message_ids(headers.raw("In-Reply-To"))), ""),
        references=tuple(_message_ids(headers.raw("References"))),
        text=text,
        truncated=truncated or oversize,
        oversize=oversize,
        problems=tuple(_unique(problems)),
    )


class _Headers:
    """Header values read without trusting them: raw 8-bit bytes, bad encoded-words and
    unknown charsets are replaced, and no value keeps a control character or line break."""

    def __init__(self, message: Message, problems: list[str]) -> None:
        self.problems = problems
        self.values: dict[str, str] = {}
        for name, value in message.raw_items():
            key = str(name).strip().lower()
            if key not in self.values and isinstance(value, str):
                self.values[key] = value  # the first one: a second Subject is not ours to pick

    def raw(self, name: str) -> str:
        value = self.values.get(name.lower(), "")[: MAX_HEADER * 4]
        if any("\udc80" <= c <= "\udcff" for c in value):  # 8-bit bytes, surrogate-escaped
            value = _decode(value.encode("ascii", "surrogateescape"), "utf-8", self.problems)
        return value

    def text(self, name: str) -> str:
        value = self.raw(name)
        try:
            chunks = email.header.decode_header(value)
        except Exception:
            self.problems.append(_("The %(header)s header is malformed.") % {"header": name})
            chunks = [(value, None)]
        pieces = [
            chunk if isinstance(chunk, str) else _decode(chunk, charset or "utf-8", self.problems)
            for chunk, charset in chunks
        ]
        return _one_line("".join(pieces))[:MAX_HEADER]

    def address(self, name: str) -> str:
        # Parsed before decoding encoded-words: an encoded display name must not be able to
        # smuggle in an address of its own.
        try:
            _name, address = email.utils.parseaddr(_one_line(self.raw(name)))
        except Exception:
            address = ""
        local, at, domain = address.strip().lower().rpartition("@")
        domain = domain.rstrip(".")
        if not (at and local and domain) or re.search(r"[\s<>()\[\],;:\\\"@]", domain):
            if self.values.get(name.lower()):
                self.problems.append(_("The %(header)s address is malformed.") % {"header": name})
            return ""
        return f"{local}@{domain}"[:320]

    def date(self, name: str) -> datetime | None:
        value = _one_line(self.raw(name))
        if not value:
            return None
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except Exception:
            self.problems.append(_("The %(header)s header is malformed.") % {"header": name})
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)  # "-0000": UTC


def _one_line(value: str) -> str:
    return " ".join(_HEADER_CONTROL.sub(" ", value).split())


def _message_ids(value: str) -> list[str]:
    return _unique(f"<{m}>" for m in _MSG_ID.findall(value))[:MAX_IDS]


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _decode(data: bytes, charset: str, problems: list[str]) -> str:
    """Bytes in a declared charset; unknown charsets and bad bytes are replaced, and noted."""
    try:
        return data.decode(charset)
    except (LookupError, ValueError, TypeError):
        pass
    name = _one_line(charset)[:40]
    try:
        text = data.decode(charset, errors="replace")
    except (LookupError, ValueError, TypeError):
        problems.append(
            _("Unknown character set “%(charset)s”; the text was read as UTF-8.")
            % {"charset": name}
        )
        return data.decode("utf-8", errors="replace")
    problems.append(_("Some text was not valid %(charset)s; it was replaced.") % {"charset": name})
    return text


def _parts(message: Message, problems: list[str]) -> Iterator[Message]:
    """Every part, depth first, without recursion; parts nested deeper than MAX_DEPTH are
    skipped (and noted) instead of exhausting the stack."""
    stack: list[tuple[Message, int]] = [(message, 0)]
    too_deep = False
    while stack:
        part, depth = stack.pop()
        yield part
        children = part.get_payload() if part.is_multipart() else None
        if not isinstance(children, list):
            continue
        if depth >= MAX_DEPTH:
            too_deep = True
            continue
        stack.extend((c, depth + 1) for c in reversed(children) if isinstance(c, Message))
    if too_deep:
        problems.append(
            _("Parts nested more than %(depth)d deep were skipped.") % {"depth": MAX_DEPTH}
        )


def _body_text(message: Message, problems: list[str]) -> tuple[str, bool]:
    """The inline text/plain parts, else the inline text/html parts as text; (text, cut)."""
    plain: list[Message] = []
    html: list[Message] = []
    for part in _parts(message, problems):
        if part.is_multipart() or part.get_content_disposition() == "attachment":
            continue
        kind = part.get_content_type()
        if kind == "text/plain":
            plain.append(part)
        elif kind == "text/html":
            html.append(part)
    is_html = not plain
    # A character takes at most 4 bytes: decoding more than this could not add text we keep.
    limit = (MAX_HTML if is_html else MAX_TEXT) * 4
    texts: list[str] = []
    cut = False
    for part in plain or html:
        try:
            payload = part.get_payload(decode=True)
        except Exception:
            problems.append(_("A part of the message could not be decoded."))
            continue
        if not isinstance(payload, bytes):
            continue
        charset = part.get_content_charset() or "utf-8"
        if charset in ("us-ascii", "ascii"):
            charset = "utf-8"  # undeclared 8-bit text is nearly always UTF-8 nowadays
        cut = cut or len(payload) > limit
        text = _decode(payload[:limit], charset, problems)
        if is_html:
            cut = cut or len(text) > MAX_HTML
            text = html_to_text(text[:MAX_HTML], problems)
        texts.append(text)
        if sum(len(t) for t in texts) > MAX_TEXT:
            cut = True
            break
    text = _tidy("\n\n".join(texts))
    if len(text) > MAX_TEXT:
        return text[:MAX_TEXT], True
    return text, cut


def _tidy(text: str) -> str:
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


class _TextExtractor(HTMLParser):
    """Collects the text of an HTML document: no tag, attribute, script or style survives."""

    HIDDEN = frozenset("script style template head title noscript svg object iframe".split())
    BLOCKS = frozenset(
        "p div br li tr table h1 h2 h3 h4 h5 h6 blockquote pre section article header footer "
        "ul ol hr dt dd".split()
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag in self.BLOCKS:
            self.out.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BLOCKS:
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in self.BLOCKS:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.out.append(data)


def html_to_text(html: str, problems: list[str] | None = None) -> str:
    """Readable text of ``html``; scripts, styles and every tag are dropped, nothing runs."""
    parser = _TextExtractor()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # html.parser has raised on some malformed declarations
        if problems is not None:
            problems.append(_("The HTML part is malformed; only part of it was read."))
    return "".join(parser.out)


@dataclass(frozen=True)
class ReferenceMatch:
    """Which notice a reply is about, strongest evidence first: message-ids our mail carried
    (``In-Reply-To``, ``References``), then references in the subject, then in the body."""

    message_ids: tuple[str, ...] = ()
    subject_refs: tuple[str, ...] = ()
    body_refs: tuple[str, ...] = ()


def notice_references(reply: Reply, pattern: re.Pattern[str] = NOTICE_REFERENCE) -> ReferenceMatch:
    """Anyone can write any of these into a mail: the caller still checks that the notice was
    sent to the platform the reply comes from (``reply.from_domain``)."""
    ids = ([reply.in_reply_to] if reply.in_reply_to else []) + list(reply.references)
    return ReferenceMatch(
        message_ids=tuple(_unique(ids)),
        subject_refs=tuple(_unique(m.group(0) for m in pattern.finditer(reply.subject))),
        body_refs=tuple(_unique(m.group(0) for m in pattern.finditer(reply.text))),
    )
