"""Nothing a reporter or a caller sends reaches the logs or Django's error reports (S17).

A report is submitted with recognisable (fictional) personal data through the real form and the
API, looked up with its receipt code, a login fails with a password, the API is called with a
bearer token, and a view fails with the victim's email in its exception; every logger writes at
DEBUG meanwhile. Then everything written, and every error mail, is searched for those values.
Once in this process (the configured handler's formatter and filters), once as a real server
(`flagdesk serve`) whose whole output is read.
"""

from __future__ import annotations

import io
import json
import logging
import re
import signal
import subprocess
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from django.core import mail
from django.test import Client

from conftest import FLAGDESK, ProcessOutput, free_port

# Fictional and recognisable: none of these strings occurs anywhere by chance.
NAME = "Zephyrine Quillfeather"
EMAIL = "zephyrine.quillfeather@example.org"
PHONE = "+32 470 98 76 54"
DESCRIPTION = "Photos from the Kestrelmoor party posted by an ex, code QX7-LUMEN"
URL = "https://social.example.test/u/zephyrine-quillfeather-private"
PASSWORD = "Opal-Harbour-Tangerine-41"
MISTYPED_PASSWORD = "Violet-Lantern-Gravel-73"  # typed into the user name box
FORGED_TOKEN = "Zq8vN4mKx2Lw9TtR5yHp3Jc7Bf6Ds1Ag"

PERSONAL = (NAME, EMAIL, PHONE, DESCRIPTION, URL)


def personal_fragments() -> list[str]:
    """The values and the recognisable parts of them (a logged host, a local part)."""
    return [*PERSONAL, "Quillfeather", "quillfeather", "Kestrelmoor", "QX7-LUMEN", "98 76 54"]


def leaks(text: str, secrets: list[str]) -> list[str]:
    return [s for s in secrets if s and s.lower() in text.lower()]


def form_report() -> dict[str, str]:
    return {
        "urls": URL,
        "phenomenon": "ncii",
        "description": DESCRIPTION,
        "role": "victim",
        "anonymous": "contact",
        "reporter_name": NAME,
        "reporter_email": EMAIL,
        "reporter_phone": PHONE,
        "has_consented": "on",
    }


def api_report() -> dict[str, Any]:
    return {
        "language": "en",
        "phenomenon": "ncii",
        "urls": [URL],
        "description": DESCRIPTION,
        "role": "victim",
        "reporter": {"anonymous": False, "name": NAME, "email": EMAIL, "phone": PHONE},
    }


@pytest.fixture
def written(settings) -> Iterator[io.StringIO]:
    """What the configured console handler would write, with every logger at DEBUG."""
    settings.PUBLIC_RATE_LIMIT = "1000/h"  # counted, as in production
    console = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(console.formatter)
    for log_filter in console.filters:
        handler.addFilter(log_filter)
    loggers = [logging.getLogger(), *map(logging.getLogger, logging.root.manager.loggerDict)]
    levels = [(logger, logger.level) for logger in loggers]
    root = logging.getLogger()
    root.addHandler(handler)
    own = [logger for logger in loggers if not logger.propagate]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    for logger in own:
        logger.addHandler(handler)
    try:
        yield buffer
    finally:
        root.removeHandler(handler)
        for logger in own:
            logger.removeHandler(handler)
        for logger, level in levels:
            logger.setLevel(level)


def test_reports_logins_and_tokens_leave_no_trace_in_the_logs(written, users, monkeypatch):
    from flagdesk.accounts.services import issue_token
    from flagdesk.intake import services as intake_services

    web = Client()
    assert web.post("/report", form_report()).status_code == 302
    created = Client().post("/api/v1/reports", api_report(), content_type="application/json")
    assert created.status_code == 201
    reference, receipt = created.json()["reference"], created.json()["receipt_code"]
    status = Client().get(f"/api/v1/reports/{reference}", headers={"X-Receipt-Code": receipt})
    assert status.status_code == 200
    page = Client().post("/report/status", {"reference": reference, "receipt_code": receipt})
    assert page.status_code == 200
    invalid = {**api_report(), "role": f"{EMAIL} is not a role"}
    assert Client().post("/api/v1/reports", invalid, "application/json").status_code == 422
    assert Client().post("/login", {"username": "alice", "password": PASSWORD}).status_code < 500
    refused = Client().post("/login", {"username": MISTYPED_PASSWORD, "password": PASSWORD})
    assert refused.status_code < 500
    token = issue_token(users["analyst"])
    answer = Client().get("/api/v1/items", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    forged = Client().get("/api/v1/items", headers={"Authorization": f"Bearer {FORGED_TOKEN}"})
    assert forged.status_code == 401

    # A bug whose exception quotes the victim's email, on the form and in the API.
    def failing(*args: Any, **kwargs: Any) -> None:
        raise ValueError(f"cannot store {EMAIL} for {NAME}")

    monkeypatch.setattr(intake_services, "submit_report", failing)
    unguarded = Client(raise_request_exception=False)
    assert unguarded.post("/report", form_report()).status_code == 500
    assert unguarded.post("/api/v1/reports", api_report(), "application/json").status_code == 500

    text = written.getvalue()
    assert "Internal Server Error: /report" in text and "api.internal_error" in text
    assert "ValueError (message withheld)" in text
    secrets = [*personal_fragments(), PASSWORD, MISTYPED_PASSWORD, token, FORGED_TOKEN, receipt]
    assert leaks(text, secrets) == [], text


def test_error_mails_carry_no_request_data(db, settings, monkeypatch):
    """Django mails ADMINS after a 500: no POST data, cookies, receipt code or message."""
    from flagdesk.intake import services as intake_services

    settings.ADMINS = [("Operations", "ops@flagdesk.test")]

    def failing(*args: Any, **kwargs: Any) -> None:
        raise ValueError(f"cannot store {EMAIL} for {NAME}")

    monkeypatch.setattr(intake_services, "submit_report", failing)
    web = Client(raise_request_exception=False, REMOTE_ADDR="203.0.113.77")
    web.cookies["flagdesk_receipt"] = "gAAAAA-receipt-cookie-value"
    response = web.post(
        "/report?lang=en",
        form_report(),
        headers={
            "X-Receipt-Code": "RCPT-SECRET-CODE",
            "Authorization": f"Bearer {FORGED_TOKEN}",
            "X-Forwarded-For": "198.51.100.88",
            "User-Agent": "Quillfeather-Phone/7.3",
            "Referer": f"https://search.example/?q={NAME}",
        },
    )
    assert response.status_code == 500
    [report] = mail.outbox
    body = report.body + "".join(str(a[1]) for a in report.alternatives)
    assert "ValueError" in body and "/report" in body  # it still says what broke, and where
    assert "reporter_email = '********************'" in body  # the field is named, not shown
    secrets = [
        *personal_fragments(),
        "RCPT-SECRET-CODE",
        FORGED_TOKEN,
        "gAAAAA-receipt-cookie-value",
        "203.0.113.77",  # the reporter's address, the one they forwarded, their browser
        "198.51.100.88",
        settings.SECRET_KEY,
    ]
    assert leaks(body, secrets) == [], body


def test_the_filter_blanks_credentials_whoever_logs_them(written):
    """The net under code we do not write: a library that logs headers or a body."""
    log = logging.getLogger("some.library")
    log.debug("headers %s", {"HTTP_AUTHORIZATION": f"Bearer {FORGED_TOKEN}"})
    log.info("retrying with Authorization: Bearer %s", FORGED_TOKEN)
    log.warning("X-Receipt-Code: RCPT-SECRET-CODE; Cookie: sessionid=abcdef123456")
    log.info("login", extra={"password": PASSWORD, "body": EMAIL.encode(), "attempt": 2})
    log.info("token.used", extra={"token_prefix": "fd_ab12"})  # an identifier, not a secret
    text = written.getvalue()
    assert leaks(text, [FORGED_TOKEN, "RCPT-SECRET-CODE", "abcdef123456", PASSWORD, EMAIL]) == []
    assert "attempt=2" in text and "password=[redacted]" in text and "body=[withheld]" in text
    assert "token_prefix=fd_ab12" in text


# --- the real server ---------------------------------------------------------------------


class Browser:
    """One visitor of the real server: its own cookies, redirects not followed."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.client = httpx.Client(base_url=base, timeout=60)

    def call(self, method: str, path: str, **kwargs: Any) -> tuple[int, str]:
        response = self.client.request(method, path, **kwargs)
        return response.status_code, response.text

    def csrf_form(self, path: str, fields: dict[str, str]) -> tuple[int, str]:
        _status, page = self.call("GET", path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, f"no CSRF token on {path}"
        return self.call("POST", path, data={**fields, "csrfmiddlewaretoken": token[1]})


def test_a_real_server_logging_at_debug_writes_none_of_it(fresh_instance):
    port = free_port()
    added = subprocess.run(
        [str(FLAGDESK), "user", "add", "dave", "--role", "analyst", "--token"],
        env=fresh_instance.env,
        stdin=subprocess.DEVNULL,  # no password: the account only needs its token
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert added.returncode == 0, added.stderr
    bearer = added.stdout.strip().splitlines()[-1].strip()  # docs/cli.md: the token is last
    fresh_instance.env |= {"FLAGDESK_LOG_LEVEL": "DEBUG", "FLAGDESK_BASE_URL": "http://127.0.0.1"}
    server = fresh_instance.popen("serve", "--port", str(port), "--workers", "1")
    output = ProcessOutput(server)
    try:
        output.wait_for("Booting worker")
        output.wait_for("worker.started")
        base = f"http://127.0.0.1:{port}"
        web = Browser(base)
        assert web.csrf_form("/report", form_report())[0] == 302
        status, created = Browser(base).call("POST", "/api/v1/reports", json=api_report())
        assert status == 201, created
        reference, receipt = json.loads(created)["reference"], json.loads(created)["receipt_code"]
        lookup = Browser(base).call(
            "GET", f"/api/v1/reports/{reference}", headers={"X-Receipt-Code": receipt}
        )
        assert lookup[0] == 200
        fields = {"reference": reference, "receipt_code": receipt}
        assert Browser(base).csrf_form("/report/status", fields)[0] == 200
        login = Browser(base).csrf_form("/login", {"username": "dave", "password": PASSWORD})
        assert login[0] < 500
        mistyped = {"username": MISTYPED_PASSWORD, "password": PASSWORD}
        assert Browser(base).csrf_form("/login", mistyped)[0] < 500
        items = Browser(base).call(
            "GET", "/api/v1/items", headers={"Authorization": f"Bearer {bearer}"}
        )
        assert items[0] == 200, items
        forged = Browser(base).call(
            "GET", "/api/v1/items", headers={"Authorization": f"Bearer {FORGED_TOKEN}"}
        )
        assert forged[0] == 401
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
        printed = output.rest(timeout=120)
    assert "Booting worker" in printed and "worker.started" in printed
    secrets = [*personal_fragments(), PASSWORD, MISTYPED_PASSWORD, bearer, FORGED_TOKEN, receipt]
    assert leaks(printed, secrets) == [], printed


def test_a_value_cannot_forge_a_log_line(written, client, db):
    """A path or a value with a line break stays on its own line (log injection)."""
    client.get("/staff/x%0A2026-12-07 12:00:00,000 ERROR flagdesk.audit audit.forged")
    logging.getLogger("some.library").warning("got %s", "a\r\nERROR flagdesk.audit forged")
    lines = written.getvalue().splitlines()
    assert any("audit.forged" in line for line in lines)  # the path was logged, on its line
    forged = [line for line in lines if line.startswith(("2026-12-07 12:00:00,000", "ERROR "))]
    assert forged == []
