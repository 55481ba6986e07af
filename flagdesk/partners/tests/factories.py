"""Partners for tests: registered through the real services, linked to Pat (the partner
persona) when asked, with a tiny HTTP server on 127.0.0.1 that answers like a partner."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from flagdesk.accounts.models import User
from flagdesk.partners.models import Partner, Referral
from flagdesk.partners.services import PartnerFields, register_partner

SECRET = "shared-secret-for-tests-0123456789"


def make_partner(
    *,
    slug: str = "hotline-b",
    user: User | None = None,
    base_url: str = "https://hotline-b.test",
    token: str = "fdk_their_token",  # noqa: S107 - a test token
    secret: str = SECRET,
) -> Partner:
    partner, _ = register_partner(
        PartnerFields(name=f"Hotline {slug}", base_url=base_url, country="NL", phenomena=["ncii"]),
        actor=None,
        slug=slug,
        secret=secret,
    )
    partner.user = user
    partner.their_token = token
    partner.save()
    return partner


@dataclass
class Call:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class PartnerServer:
    """Answers each request with the next of ``answers`` (status, JSON), the last one again
    once they run out; records every call."""

    answers: list[tuple[int, Any]]
    calls: list[Call] = field(default_factory=list)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def partner_server(*answers: tuple[int, Any]) -> Iterator[PartnerServer]:
    state = PartnerServer(answers=list(answers) or [(200, {})])

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            state.calls.append(Call(self.command, self.path, dict(self.headers), body))
            index = min(len(state.calls), len(state.answers)) - 1
            status, payload = state.answers[index]
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _answer

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def referral_of(partner: Partner, url: str, reference: str = "REF-1") -> Referral:
    """A referral ``partner`` sent us, through the service the API calls."""
    from flagdesk.intake.models import Report
    from flagdesk.intake.services import ReportSubmission
    from flagdesk.partners.services import receive_referral

    submission = ReportSubmission(
        urls=[url], role="professional", channel=Report.Channel.REFERRAL, phenomenon="ncii"
    )
    received = receive_referral(
        partner, submission, partner_reference=reference, callback_url="", digest=reference
    )
    return received.referral
