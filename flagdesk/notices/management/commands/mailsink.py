"""``flagdesk mailsink``: a local SMTP server that files every message under var/mail/.

For demos and development only: ``make run`` starts it (``flagdesk serve --mail-sink``) so the
demo's notices reach a mailbox on this machine instead of retrying against a server that is
not there. It listens where ``FLAGDESK_EMAIL_URL`` points, and only on a loopback address.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from flagdesk.core import shutdown

log = logging.getLogger(__name__)


class FileMailbox:
    """aiosmtpd handler: one ``.eml`` file per accepted message."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.count = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.count += 1
        stamp = timezone.now().strftime("%Y%m%dT%H%M%S%f")
        path = self.directory / f"{stamp}-{self.count}.eml"
        content = envelope.original_content or b""
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        log.info("mailsink.received", extra={"file": path.name})
        return "250 2.0.0 Filed"


class Command(BaseCommand):
    help = "Run a local SMTP server (at FLAGDESK_EMAIL_URL) that files mail under var/mail/."

    def handle(self, *args: Any, **options: Any) -> None:
        parts = urlsplit(settings.EMAIL_URL)
        host, port = parts.hostname or "127.0.0.1", parts.port or 25
        if parts.scheme != "smtp" or host not in ("127.0.0.1", "localhost", "::1"):
            raise CommandError(
                f"mailsink only serves plain smtp:// on a loopback address, not {parts.scheme}://"
                f"{host}; point FLAGDESK_EMAIL_URL at e.g. smtp://127.0.0.1:1025"
            )
        directory = Path(settings.VAR_DIR) / "mail"
        directory.mkdir(parents=True, exist_ok=True)
        controller = Controller(FileMailbox(directory), hostname=host, port=port)
        try:
            controller.start()
        except (OSError, RuntimeError) as e:
            raise CommandError(f"cannot listen on {host}:{port}: {e}") from e
        self.stdout.write(f"mailsink: smtp://{host}:{port} -> {directory}")
        self.stdout.flush()
        shutdown.install()  # `flagdesk mailsink` already did, before Django started
        while not shutdown.wait(3600):
            pass
        controller.stop()
