"""Sending a notice by email over real SMTP (docs/api.md "The notice email").

The message is built only from what was frozen when the notice was queued, so a retry sends
byte-for-byte the same text with the same Message-ID, which is what platforms deduplicate on.
"""

from __future__ import annotations

import json
import re
import smtplib
import ssl
from dataclasses import dataclass
from email.errors import MessageError
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from typing import ClassVar
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _

from flagdesk.core.errors import PermanentError, TransientError

from .base import ChannelConfigError, Delivery, NoticeChannel, Outgoing, has_line_break

DEFAULT_PORTS = {"smtp": 25, "smtps": 465, "smtp+tls": 587}


@dataclass(frozen=True)
class SmtpConfig:
    scheme: str
    host: str
    port: int
    username: str = ""
    password: str = ""


def parse_email_url(url: str) -> SmtpConfig:
    """``smtp://host:port``, ``smtps://`` (TLS from the start) or ``smtp+tls://`` (STARTTLS),
    each with optional ``user:pass@`` (percent-encoded)."""
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise PermanentError(_("The outgoing mail server setting (EMAIL_URL) is not valid."))
    return SmtpConfig(
        scheme=parts.scheme,
        host=parts.hostname,
        port=parts.port or DEFAULT_PORTS[parts.scheme],
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
    )


# Control characters other than tab: never valid in a header (RFC 5322), and some mail
# servers end a line at a NUL.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def refuse_header_injection(notice: Outgoing) -> None:
    """A CR or LF in a header would let its value add headers (or recipients) of its own."""
    for name, value in (
        ("Subject", notice.subject),
        ("From", notice.sender),
        ("To", notice.recipient),
        ("Message-ID", notice.message_id),
    ):
        if has_line_break(value):
            raise PermanentError(
                _("The %(header)s of this notice contains a line break; it was not sent.")
                % {"header": name}
            )
        if _CONTROL.search(value):
            raise PermanentError(
                _("The %(header)s of this notice contains a control character; it was not sent.")
                % {"header": name}
            )


def build_message(notice: Outgoing, *, date: str) -> EmailMessage:
    refuse_header_injection(notice)
    try:
        message = _compose(notice, date=date)
        message.as_bytes()  # as smtplib will write it: a header it cannot write fails now
    except (ValueError, IndexError, MessageError) as e:
        # The email package cannot parse or encode an address or ID (a value no form lets
        # through); sending the same frozen notice again cannot help.
        raise PermanentError(
            _("The headers of this notice cannot be written; it was not sent.")
        ) from e
    return message


def _compose(notice: Outgoing, *, date: str) -> EmailMessage:
    message = EmailMessage(policy=SMTP)
    # From, Reply-To and the envelope sender are the notice's frozen sender: the organisation,
    # or for an anonymous notice FLAGDESK_ANONYMOUS_SENDER (never a Sender: header of ours).
    message["From"] = notice.sender
    message["To"] = notice.recipient
    message["Reply-To"] = notice.sender
    message["Subject"] = notice.subject
    # Platforms deduplicate on Message-ID, so a retry must reuse the ID frozen at queue time;
    # a new one would reach the platform as a second notice for the same items.
    message["Message-ID"] = notice.message_id
    message["Date"] = date
    message.set_content(notice.body, subtype="plain", charset="utf-8")
    payload = json.dumps(notice.payload, ensure_ascii=False, indent=2, sort_keys=True)
    message.add_attachment(
        payload.encode("utf-8"),
        maintype="application",
        subtype="json",
        filename=f"{notice.reference}.json",
    )
    # After the parts exist: set_content() clears every Content-* header set before it.
    message["Content-Language"] = notice.language
    text = message.get_body(preferencelist=("plain",))
    if text is not None:
        text["Content-Language"] = notice.language
    return message


def _smtp_error(code: int, what: str) -> TransientError | PermanentError:
    if 400 <= code < 500:
        return TransientError(
            _("The mail server deferred the %(what)s (code %(code)d); it will be retried.")
            % {"what": what, "code": code}
        )
    return PermanentError(
        _("The mail server refused the %(what)s (code %(code)d).") % {"what": what, "code": code}
    )


class EmailChannel(NoticeChannel):
    kind: ClassVar[str] = "email"

    def check_config(self) -> None:
        address = self.config.address.strip()
        problem = ""
        if not address:
            problem = _("Enter the platform's notice address.")
        elif has_line_break(self.config.address):
            problem = _("An address cannot contain a line break.")
        else:
            try:
                validate_email(address)
            except ValidationError:
                problem = _("“%(address)s” is not an email address.") % {"address": address[:254]}
        if problem:
            raise ChannelConfigError(problem, fields={"address": problem})

    def recipient(self) -> str:
        return self.config.address.strip()

    def send(self, notice: Outgoing) -> Delivery:
        sent_at = timezone.now()
        message = build_message(notice, date=format_datetime(sent_at, usegmt=True))
        config = parse_email_url(settings.EMAIL_URL)
        try:
            self._transmit(message, notice, config)
        except smtplib.SMTPRecipientsRefused as e:
            codes = [code for code, _msg in e.recipients.values()]
            raise _smtp_error(max(codes or [550]), _("recipient")) from e
        except smtplib.SMTPNotSupportedError as e:
            raise PermanentError(_("The mail server does not support STARTTLS.")) from e
        except smtplib.SMTPResponseException as e:
            raise _smtp_error(e.smtp_code, _("message")) from e
        except (smtplib.SMTPException, OSError) as e:
            # Connection refused or reset, timeouts, TLS handshake failures, server disconnects.
            raise TransientError(
                _("The mail server could not be reached (%(error)s); it will be retried.")
                % {"error": type(e).__name__}
            ) from e
        return Delivery(reference=notice.message_id, sent_at=sent_at)

    def _transmit(self, message: EmailMessage, notice: Outgoing, config: SmtpConfig) -> None:
        timeout = settings.EMAIL_TIMEOUT
        # EHLO names this machine, and the server writes that name into a Received: header. An
        # anonymous notice must not carry the organisation's host name, so it greets with its
        # sender's domain (the one of its From and Message-ID) instead.
        helo = notice.sender.rsplit("@", 1)[-1] if notice.is_anonymous else None
        smtp: smtplib.SMTP
        if config.scheme == "smtps":
            smtp = smtplib.SMTP_SSL(
                config.host,
                config.port,
                local_hostname=helo,
                timeout=timeout,
                context=ssl.create_default_context(),
            )
        else:
            smtp = smtplib.SMTP(config.host, config.port, local_hostname=helo, timeout=timeout)
        try:
            if config.scheme == "smtp+tls":
                smtp.starttls(context=ssl.create_default_context())
            if config.username:
                smtp.login(config.username, config.password)
            smtp.send_message(message, from_addr=notice.sender, to_addrs=[notice.recipient])
        except BaseException:
            smtp.close()
            raise
        # The message is accepted once DATA succeeded: a failing QUIT must not turn a
        # delivered notice into a retry.
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()
