"""Synthetic mails for the intake mailbox's tests: fictional senders, ``*.test`` addresses,
synthetic pictures (``matching.tests.media_samples``), never real material."""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP

from flagdesk.matching.tests.media_samples import png_bytes, png_header_bomb, synthetic_image

SENDER = "Jo Example <jo.example@mail.test>"
BODY = (
    "Bonjour, quelqu'un a publié des photos intimes de moi sans mon accord sur ce forum. "
    "Pouvez-vous les faire retirer s'il vous plaît ? https://social.test/p/mail-1 merci."
)


def mail(
    n: int = 1,
    *,
    body: str = BODY,
    html: str | None = None,
    subject: str = "Photos publiées sans accord",
    files: list[tuple[str, str, bytes]] = (),  # type: ignore[assignment]
    sender: str = SENDER,
    message_id: str | None = None,
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "report@hotline.test"
    message["Subject"] = subject
    message["Message-ID"] = message_id or f"<intake-{n}@mail.test>"
    if body:
        message.set_content(body)
    if html is not None:
        if body:
            message.add_alternative(html, subtype="html")
        else:
            message.set_content(html, subtype="html")
    for name, mime, data in files:
        maintype, subtype = mime.split("/", 1)
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes(policy=SMTP)


def picture(seed: int = 1) -> bytes:
    return png_bytes(synthetic_image(seed, (96, 96)))


def bomb() -> bytes:
    return png_header_bomb()


ZIP = b"PK\x03\x04" + bytes(200)
EXE = b"MZ\x90\x00" + bytes(200)


def raw_mail(headers: str, body: bytes) -> bytes:
    """A mail written by hand, for what EmailMessage refuses to produce."""
    return headers.replace("\n", "\r\n").encode("ascii") + b"\r\n" + body
