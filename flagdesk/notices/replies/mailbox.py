"""Reading an IMAP mailbox: new messages since a UID, each capped in size, never marked read."""

from __future__ import annotations

import base64
import contextlib
import imaplib
import re
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from django.utils.translation import gettext as _

from .mail import _HEADER_CONTROL, MAX_BYTES, _one_line

DEFAULT_IMAP_PORTS = {"imap": 143, "imaps": 993}


@dataclass(frozen=True)
class ImapConfig:
    host: str
    port: int
    username: str
    password: str = field(repr=False)
    mailbox: str = "INBOX"
    use_ssl: bool = False


def imap_url_config(url: str) -> ImapConfig:
    """``imap://user:pass@host:port/MAILBOX`` or ``imaps://`` (TLS from the start); user and
    password percent-encoded, port 143/993 and mailbox INBOX by default. A URL that cannot
    be used raises ``ValueError`` saying why (never quoting the password)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        raise ValueError(_("The IMAP URL is not valid.")) from None
    if parts.scheme not in DEFAULT_IMAP_PORTS:
        raise ValueError(_("An IMAP URL starts with imap:// or imaps://."))
    if not parts.hostname:
        raise ValueError(_("The IMAP URL names no server."))
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:
        raise ValueError(_("The port of the IMAP URL must be a number from 1 to 65535."))
    if parts.query or parts.fragment:
        raise ValueError(
            _("An IMAP URL has no ?query or #fragment; percent-encode ? and # in a password.")
        )
    username, password = unquote(parts.username or ""), unquote(parts.password or "")
    if not username or not password:
        raise ValueError(_("The IMAP URL needs a user name and a password: imap://user:pass@host/"))
    mailbox = unquote(parts.path.lstrip("/")) or "INBOX"
    if any(_HEADER_CONTROL.search(value) for value in (username, password, mailbox)):
        raise ValueError(_("The IMAP URL contains a control character or line break."))
    return ImapConfig(
        host=parts.hostname,
        port=port or DEFAULT_IMAP_PORTS[parts.scheme],
        username=username,
        password=password,
        mailbox=mailbox,
        use_ssl=parts.scheme == "imaps",
    )


class MailboxError(Exception):
    """The mailbox could not be read; ``kind`` is connect, timeout, tls, login, mailbox or
    protocol. The message names the server and the failure, never the password."""

    def __init__(self, config: ImapConfig, kind: str, detail: str = "") -> None:
        self.kind, self.host, self.port = kind, config.host, config.port
        sentences = {
            "connect": _("Could not connect to the IMAP server %(server)s."),
            "timeout": _("The IMAP server %(server)s did not answer in time."),
            "tls": _("The TLS connection to the IMAP server %(server)s failed."),
            "login": _("The IMAP server %(server)s refused the user name or password."),
            "mailbox": _("The IMAP server %(server)s could not open the mailbox."),
            "protocol": _("The IMAP server %(server)s gave an unexpected answer."),
        }
        sentence = sentences.get(kind, sentences["protocol"])
        message = sentence % {"server": f"{config.host}:{config.port}"}
        detail = _one_line(detail.replace(config.password, "***") if config.password else detail)
        super().__init__(f"{message} ({detail[:200]})" if detail else message)


@dataclass(frozen=True)
class FetchedMessage:
    uid: int
    raw: bytes
    size: int  # the whole message's size on the server (RFC822.SIZE)
    is_partial: bool  # only the first max_bytes were fetched: parse_reply(raw, full_size=size)


@dataclass(frozen=True)
class Fetched:
    """New messages in UID order. A ``uidvalidity`` other than last time's means the mailbox
    was recreated: the UIDs remembered from before mean nothing any more."""

    uidvalidity: int
    messages: tuple[FetchedMessage, ...]
    has_more: bool = False  # more than ``limit`` new messages: fetch again from the last UID


def fetch_new(
    config: ImapConfig,
    *,
    since_uid: int,
    limit: int = 200,
    timeout: float = 20,
    max_bytes: int = MAX_BYTES,
    oversize_bytes: int | None = None,
) -> Fetched:
    """Messages with a UID above ``since_uid`` (at most ``limit``, oldest first), read
    without marking them seen; one over ``max_bytes`` is fetched only that far
    (``is_partial``), or only its first ``oversize_bytes`` when given (enough for its
    headers: the intake mailbox refuses such a mail but keeps who sent it).
    Raises ``MailboxError`` for any connection, login or protocol failure."""
    if since_uid < 0 or limit < 1 or max_bytes < 1:
        raise ValueError("since_uid >= 0, limit >= 1 and max_bytes >= 1")
    head = min(oversize_bytes or max_bytes, max_bytes)
    imap = _connect(config, timeout)
    try:
        return _fetch(imap, config, since_uid, limit, max_bytes, head)
    except MailboxError:
        raise
    except TimeoutError as e:
        raise MailboxError(config, "timeout") from e
    except (imaplib.IMAP4.error, OSError, ValueError, IndexError) as e:
        raise MailboxError(config, "protocol", type(e).__name__) from e
    finally:
        _close(imap)


def _connect(config: ImapConfig, timeout: float) -> imaplib.IMAP4:
    try:
        if config.use_ssl:
            context = ssl.create_default_context()
            imap: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                config.host, config.port, ssl_context=context, timeout=timeout
            )
        else:
            imap = imaplib.IMAP4(config.host, config.port, timeout=timeout)
    except ssl.SSLError as e:
        raise MailboxError(config, "tls", type(e).__name__) from e
    except TimeoutError as e:
        raise MailboxError(config, "timeout") from e
    except OSError as e:
        raise MailboxError(config, "connect", type(e).__name__) from e
    except imaplib.IMAP4.error as e:  # a greeting that is not IMAP's
        raise MailboxError(config, "protocol", type(e).__name__) from e
    try:
        if config.username.isascii() and config.password.isascii():
            imap.login(_quote(config.username), config.password)
        else:  # imaplib's LOGIN is ASCII-only; AUTHENTICATE PLAIN carries UTF-8
            secret = f"\0{config.username}\0{config.password}".encode()
            imap.authenticate("PLAIN", lambda _challenge: secret)
    except BaseException as e:
        _close(imap)
        if isinstance(e, imaplib.IMAP4.abort):
            raise MailboxError(config, "protocol", type(e).__name__) from e
        if isinstance(e, imaplib.IMAP4.error):
            raise MailboxError(config, "login") from e
        if isinstance(e, TimeoutError):
            raise MailboxError(config, "timeout") from e
        if isinstance(e, OSError):
            raise MailboxError(config, "connect", type(e).__name__) from e
        raise
    return imap


def _close(imap: imaplib.IMAP4) -> None:
    # LOGOUT catches its own errors, then closes the socket, which can still fail; either
    # way the answer (or the error worth reporting) is already in hand.
    with contextlib.suppress(OSError):
        imap.logout()


def _fetch(
    imap: imaplib.IMAP4, config: ImapConfig, since_uid: int, limit: int, max_bytes: int, head: int
) -> Fetched:
    typ, data = imap.select(_quote(imap_utf7(config.mailbox)), readonly=True)
    if typ != "OK":
        raise MailboxError(config, "mailbox", _text(data))
    _name, values = imap.response("UIDVALIDITY")
    if not values or not values[-1]:
        raise MailboxError(config, "protocol", "no UIDVALIDITY")
    uidvalidity = int(values[-1])
    typ, data = imap.uid("SEARCH", f"UID {since_uid + 1}:*")
    if typ != "OK":
        raise MailboxError(config, "protocol", _text(data))
    # "n:*" always includes the highest UID, even when that is below n.
    found = {int(u) for d in data if isinstance(d, bytes) for u in d.split()}
    uids = sorted(u for u in found if u > since_uid)
    wanted = uids[:limit]
    sizes = _sizes(imap, config, wanted)
    messages = []
    for uid in wanted:
        size = sizes.get(uid, 0)
        # A partial fetch keeps a 50 MB mail from being downloaded to read its first lines.
        item = f"BODY.PEEK[]<0.{head}>" if size > max_bytes else "BODY.PEEK[]"
        typ, data = imap.uid("FETCH", str(uid), f"({item})")
        if typ != "OK":
            raise MailboxError(config, "protocol", _text(data))
        raw = _literal(data, uid)
        if raw is None:
            continue  # expunged in the meantime
        size = max(size, len(raw))
        cut = head if size > max_bytes else max_bytes
        messages.append(FetchedMessage(uid, raw[:cut], size, size > max_bytes))
    return Fetched(uidvalidity, tuple(messages), has_more=len(uids) > limit)


def add_flags(config: ImapConfig, uids: Sequence[int], flags: str, *, timeout: float = 20) -> None:
    """Set ``flags`` (``"\\Seen $Taken"``) on the messages ``uids``: a mail taken in is marked
    so on the server, for the people who also read the mailbox with a mail client. Raises
    ``MailboxError`` like ``fetch_new``."""
    if not uids:
        return
    imap = _connect(config, timeout)
    try:
        typ, data = imap.select(_quote(imap_utf7(config.mailbox)))
        if typ != "OK":
            raise MailboxError(config, "mailbox", _text(data))
        typ, data = imap.uid("STORE", ",".join(map(str, uids)), "+FLAGS.SILENT", f"({flags})")
        if typ != "OK":
            raise MailboxError(config, "protocol", _text(data))
    except MailboxError:
        raise
    except TimeoutError as e:
        raise MailboxError(config, "timeout") from e
    except (imaplib.IMAP4.error, OSError, ValueError) as e:
        raise MailboxError(config, "protocol", type(e).__name__) from e
    finally:
        _close(imap)


def _sizes(imap: imaplib.IMAP4, config: ImapConfig, uids: list[int]) -> dict[int, int]:
    if not uids:
        return {}
    typ, data = imap.uid("FETCH", ",".join(map(str, uids)), "(RFC822.SIZE)")
    if typ != "OK":
        raise MailboxError(config, "protocol", _text(data))
    sizes = {}
    for line in data:
        head = line[0] if isinstance(line, tuple) else line
        if isinstance(head, bytes) and (m := re.search(rb"RFC822\.SIZE (\d+)", head)):
            if (uid := _uid_of(head)) is not None:
                sizes[uid] = int(m.group(1))
    return sizes


def _literal(data: Sequence[object], uid: int) -> bytes | None:
    """The message in a FETCH answer: the literal whose line names ``uid``, or the only
    literal when the server sent UID after it."""
    literals = [d for d in data if isinstance(d, tuple) and len(d) == 2]
    for head, body in literals:
        if isinstance(head, bytes) and isinstance(body, bytes) and _uid_of(head) == uid:
            return body
    if len(literals) == 1 and isinstance(literals[0][1], bytes):
        return literals[0][1]
    return None


def _uid_of(head: bytes) -> int | None:
    m = re.search(rb"\bUID (\d+)", head)
    return int(m.group(1)) if m else None


def _text(data: Sequence[object]) -> str:
    return " ".join(d.decode("utf-8", "replace") for d in data if isinstance(d, bytes))


def _quote(text: str) -> str:
    """An IMAP quoted string: imaplib sends user names and mailboxes exactly as given."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def imap_utf7(name: str) -> str:
    """A mailbox name in IMAP's modified UTF-7 (RFC 3501 5.1.3): Entwürfe -> Entw&APw-rfe."""
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            encoded = base64.b64encode("".join(pending).encode("utf-16-be")).decode()
            out.append("&" + encoded.rstrip("=").replace("/", ",") + "-")
            pending.clear()

    for char in name:
        if " " <= char <= "~":
            flush()
            out.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    return "".join(out)
