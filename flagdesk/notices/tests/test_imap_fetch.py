"""Reading platforms' replies from a real IMAP server (Dovecot, tests/imap_server.py)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import replace
from email.message import EmailMessage
from email.policy import SMTP

import pytest

from flagdesk.notices.replies import (
    MAX_BYTES,
    MailboxError,
    fetch_new,
    imap_url_config,
    parse_reply,
)


def reply(n: int, body: str = "We have received your report.") -> bytes:
    message = EmailMessage()
    message["From"] = "abuse@social.test"
    message["To"] = "replies@stopcv.test"
    message["Subject"] = f"Re: Notice N-7KQ3-M9X{n}"
    message["Message-ID"] = f"<reply-{n}@social.test>"
    message["In-Reply-To"] = "<N-7KQ3-M9XD.0123456789ab@stopcv.test>"
    message.set_content(body)
    return message.as_bytes(policy=SMTP)  # CRLF, as stored on the server


def test_new_messages_come_in_uid_order_and_stay_unread(imap_mailbox):
    uids = [imap_mailbox.append(reply(n)) for n in range(3)]
    config = imap_url_config(imap_mailbox.url)

    fetched = fetch_new(config, since_uid=0)

    assert [m.uid for m in fetched.messages] == sorted(uids)
    assert [parse_reply(m.raw).subject for m in fetched.messages] == [
        f"Re: Notice N-7KQ3-M9X{n}" for n in range(3)
    ]
    assert all(not m.is_partial and m.size == len(m.raw) for m in fetched.messages)
    assert fetched.uidvalidity > 0 and not fetched.has_more
    # BODY.PEEK: the mailbox still shows them unread to whoever else reads it.
    assert all("\\Seen" not in flags for _uid, flags in imap_mailbox.messages())


def test_nothing_new_after_the_last_uid(imap_mailbox):
    for n in range(3):
        imap_mailbox.append(reply(n))
    config = imap_url_config(imap_mailbox.url)
    first = fetch_new(config, since_uid=0)

    # "UID n:*" on the server includes the last message even when n is past it.
    again = fetch_new(config, since_uid=first.messages[-1].uid)

    assert again.messages == ()
    assert again.uidvalidity == first.uidvalidity


def test_only_messages_after_since_uid_and_at_most_limit(imap_mailbox):
    uids = [imap_mailbox.append(reply(n)) for n in range(4)]
    config = imap_url_config(imap_mailbox.url)

    page = fetch_new(config, since_uid=uids[0], limit=2)
    assert [m.uid for m in page.messages] == uids[1:3]
    assert page.has_more

    rest = fetch_new(config, since_uid=page.messages[-1].uid, limit=2)
    assert [m.uid for m in rest.messages] == uids[3:]
    assert not rest.has_more


def test_a_12_mb_message_is_fetched_only_up_to_the_limit(imap_mailbox):
    big = reply(9, "The content has been removed.\n" + "x" * (12 * 1024 * 1024))
    uid = imap_mailbox.append(big)
    config = imap_url_config(imap_mailbox.url)

    [message] = fetch_new(config, since_uid=0).messages

    assert message.uid == uid
    assert message.is_partial
    assert message.size >= len(big) > MAX_BYTES
    assert len(message.raw) == MAX_BYTES
    assert big.startswith(message.raw)
    parsed = parse_reply(message.raw, full_size=message.size)
    assert parsed.oversize and parsed.truncated
    assert parsed.subject == "Re: Notice N-7KQ3-M9X9"
    assert parsed.text.startswith("The content has been removed.")


def test_a_smaller_limit_cuts_smaller_messages(imap_mailbox):
    imap_mailbox.append(reply(1, "x" * 5000))
    [message] = fetch_new(imap_url_config(imap_mailbox.url), since_uid=0, max_bytes=1000).messages
    assert message.is_partial and len(message.raw) == 1000 and message.size > 5000


def test_another_mailbox_with_an_encoded_user_and_password(imap_server):
    user = "other@flagdesk.test"
    imap_server.clear("Platform Replies", user=user)
    uid = imap_server.append(reply(1), "Platform Replies", user=user)
    url = imap_server.url_for(user, "Platform Replies")
    assert "%40" in url and "%2F" in url and "%20" in url

    [message] = fetch_new(imap_url_config(url), since_uid=0).messages

    assert message.uid == uid


def test_a_non_ascii_password_and_mailbox_name(imap_server):
    imap_server.clear("Entw&APw-rfe", user="intl")
    imap_server.append(reply(1), "Entw&APw-rfe", user="intl")  # "Entwürfe" on the wire
    config = replace(imap_url_config(imap_server.url_for("intl")), mailbox="Entwürfe")

    assert len(fetch_new(config, since_uid=0).messages) == 1


def test_a_wrong_password_is_a_login_error_that_does_not_show_it(imap_server):
    config = replace(imap_url_config(imap_server.url), password="wrong-Secret-42")

    with pytest.raises(MailboxError) as raised:
        fetch_new(config, since_uid=0)

    assert raised.value.kind == "login"
    assert f"127.0.0.1:{imap_server.port}" in str(raised.value)
    assert "wrong-Secret-42" not in str(raised.value)
    assert imap_server.password not in str(raised.value)


def test_an_unknown_user_is_a_login_error(imap_server):
    config = replace(imap_url_config(imap_server.url), username="nobody-here")
    with pytest.raises(MailboxError) as raised:
        fetch_new(config, since_uid=0)
    assert raised.value.kind == "login"


def test_a_missing_mailbox_is_a_mailbox_error(imap_server):
    config = replace(imap_url_config(imap_server.url), mailbox="No Such Box")
    with pytest.raises(MailboxError) as raised:
        fetch_new(config, since_uid=0)
    assert raised.value.kind == "mailbox"
    assert imap_server.password not in str(raised.value)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_closed_port_is_a_connect_error():
    port = closed_port()
    config = imap_url_config(f"imap://u:secret-pw@127.0.0.1:{port}/")
    with pytest.raises(MailboxError) as raised:
        fetch_new(config, since_uid=0, timeout=5)
    assert raised.value.kind == "connect"
    assert f"127.0.0.1:{port}" in str(raised.value)
    assert "secret-pw" not in str(raised.value)


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts connections and never says a word."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield int(s.getsockname()[1])


def test_a_server_that_never_greets_is_a_timeout(silent_server):
    config = imap_url_config(f"imap://u:p@127.0.0.1:{silent_server}/")
    with pytest.raises(MailboxError) as raised:
        fetch_new(config, since_uid=0, timeout=0.5)
    assert raised.value.kind == "timeout"


@pytest.fixture
def http_server() -> Iterator[int]:
    """Something else on the port: answers every connection with an HTTP error."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()

    def answer() -> None:
        while True:
            try:
                conn, _addr = server.accept()
            except OSError:
                return
            with conn:
                conn.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    try:
        yield int(server.getsockname()[1])
    finally:
        server.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
        server.close()
        thread.join(timeout=5)


def test_a_server_that_does_not_speak_imap_is_a_protocol_error(http_server):
    config = imap_url_config(f"imap://u:p@127.0.0.1:{http_server}/")
    with pytest.raises(MailboxError) as raised:
        fetch_new(config, since_uid=0, timeout=5)
    assert raised.value.kind == "protocol"


def test_imaps_to_a_plain_imap_port_is_a_tls_error(imap_server):
    config = replace(imap_url_config(imap_server.url), use_ssl=True)
    with pytest.raises(MailboxError) as raised:
        fetch_new(config, since_uid=0, timeout=5)
    assert raised.value.kind == "tls"
