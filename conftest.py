"""Fixtures shared by every test: personas, a real SMTP server, headless Chromium (S22, S23).

- ``users``: the fixed personas, ``users["analyst"]`` is alice (see ``PERSONAS``).
- ``smtp_server``: aiosmtpd on 127.0.0.1; ``settings.EMAIL_URL`` points at it.
- ``chromium`` / ``browser_page``: Debian's /usr/bin/chromium driven by Playwright.
- ``live_url``: absolute URL on pytest-django's ``live_server`` for a path or a route name.
"""

from __future__ import annotations

import email.policy
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

    from flagdesk.accounts.models import User

pytest_plugins = ["tests.imap_server", "tests.tsa"]

PASSWORD = "correct horse battery"

# role -> username; "none" is a staff account without a role.
PERSONAS = {
    "analyst": "alice",
    "reviewer": "bob",
    "coordinator": "carol",
    "intake": "dave",
    "admin": "erin",
    "auditor": "frank",
    "partner": "pat",
    "none": "mallory",
}

# Personas cleared for cases involving minors (User.minors_clearance); need-to-know tests
# make their own uncleared colleagues.
MINORS_CLEARED = {"analyst", "reviewer", "coordinator"}

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Fixtures through which a test gets the database; the cache table lives there too.
_DB_FIXTURES = (
    "db",
    "transactional_db",
    "live_server",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(autouse=True)
def _test_settings(
    request: pytest.FixtureRequest, settings: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Fast password hashing, no public rate limit, and an empty cache in every test.

    Rate-limit tests set ``settings.PUBLIC_RATE_LIMIT`` back to a real rate.
    """
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.PUBLIC_RATE_LIMIT = "off"
    uses_db = request.node.get_closest_marker("django_db") or any(
        name in request.fixturenames for name in _DB_FIXTURES
    )
    if uses_db:
        # The cache is a database table: set the test database up first, then empty it.
        # (A test without database access cannot reach the cache, so it needs no clearing.)
        request.getfixturevalue("db")
        cache.clear()
    # Each test gets its own index snapshots, and no process-wide index outlives its database.
    from flagdesk.matching.index.store import reset_stores

    settings.MATCHING_INDEX_DIR = tmp_path_factory.mktemp("index")
    reset_stores()
    # Signed audit checkpoints outlive the test's database rollback: each test gets its own.
    settings.AUDIT_CHECKPOINT_DIR = tmp_path_factory.mktemp("checkpoints")
    # Keys a test generates or rotates land in its own directory, never the project's keys/.
    settings.KEY_DIR = tmp_path_factory.mktemp("keys")
    # Evidence captures likewise, and the fetcher resolves names from the test table only.
    settings.EVIDENCE_DIR = tmp_path_factory.mktemp("evidence")
    settings.URL_RESOLVER = "flagdesk.core.testing.test_resolver"
    settings.MONITORING_CONNECT_LOOPBACK_ONLY = True


@pytest.fixture(autouse=True)
def _language_reset() -> Iterator[None]:
    """LocaleMiddleware activates a request's language for the thread and leaves it active;
    a test calling code directly after one in French would otherwise get French."""
    yield
    from django.utils import translation

    translation.deactivate()


def persona_totp_key(username: str) -> str:
    """A persona's authenticator secret (hex): fixed, so a browser test can compute codes."""
    import hashlib

    return hashlib.sha1(f"flagdesk test persona {username}".encode()).hexdigest()  # noqa: S324


@pytest.fixture
def users(db: None) -> dict[str, User]:
    """The personas of STYLE.md S22, by role: ``users["reviewer"]`` is bob. Each has an
    authenticator set up (``persona_totp_key``), as every staff account must."""
    from flagdesk.accounts.models import TotpDevice, User

    personas = {
        role: User.objects.create_user(
            username,
            email=f"{username}@flagdesk.test",
            password=PASSWORD,
            role="" if role == "none" else role,
            # The hotline's case roles may open cases involving minors; intake may not.
            minors_clearance=role in MINORS_CLEARED,
        )
        for role, username in PERSONAS.items()
    }
    for user in personas.values():
        TotpDevice.objects.create(
            user=user, name="authenticator", confirmed=True, key=persona_totp_key(user.username)
        )
    return personas


def totp_code(username: str) -> str:
    """A code the persona's authenticator would show now, one the server has not accepted yet
    (it refuses a code twice, and a test may log the same persona in twice within 30 s)."""
    import time

    from flagdesk.accounts.models import TotpDevice

    device = TotpDevice.objects.get(user__username=username, confirmed=True)
    totp = device.totp()
    now_t = totp.t()
    step = max(now_t, device.last_t + 1)
    if step > now_t + device.tolerance:  # a third login within one step: forget the last one
        TotpDevice.objects.filter(pk=device.pk).update(last_t=now_t - device.tolerance - 1)
        step = now_t
    totp.time = time.time() + (step - now_t) * device.step
    return f"{totp.token():0{device.digits}d}"


class StaffClient(Client):
    """Django's test client whose ``force_login`` also passes the second factor, as a staff
    member's session does after entering a code (and counts as a fresh login for the pages
    that ask again). ``second_factor=False`` leaves the session at the password stage; the
    login, second-factor and re-authentication flows themselves are tested through their
    forms in flagdesk/accounts/tests."""

    def force_login(
        self, user: Any, backend: str | None = None, *, second_factor: bool = True
    ) -> None:
        super().force_login(user, backend)
        if not second_factor:
            return
        from django_otp import DEVICE_ID_SESSION_KEY

        from flagdesk.accounts.models import TotpDevice
        from flagdesk.accounts.services.twofactor import AUTH_AT

        device = TotpDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TotpDevice.objects.create(user=user, name="authenticator", confirmed=True)
        session = self.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session[AUTH_AT] = time.time()
        session.save()


@pytest.fixture
def client() -> StaffClient:
    """Replaces pytest-django's ``client`` with the ``StaffClient`` above."""
    return StaffClient()


# Replies for ``SmtpServer.fail_next``; any other code gets a generic text.
SMTP_FAILURES = {
    421: "421 4.3.2 Service not available, closing channel",
    450: "450 4.2.1 Mailbox busy, try again later",
    451: "451 4.3.0 Try again later",
    452: "452 4.3.1 Insufficient system storage",
    550: "550 5.7.1 Rejected",
    552: "552 5.3.4 Message too big",
    554: "554 5.0.0 Transaction failed",
}


@dataclass
class SmtpServer:
    """What the ``smtp_server`` fixture returns; lists grow as messages arrive.

    ``fail_next``: SMTP codes the server answers to the next DATA commands, one per message,
    without storing it (``smtp_server.fail_next = [451, 451]`` fails two sends, then accepts).
    """

    host: str
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)  # (mail from, rcpt to)
    fail_next: list[int] = field(default_factory=list)
    _arrived: threading.Condition = field(default_factory=threading.Condition, repr=False)

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.fail_next:
            code = self.fail_next.pop(0)
            return SMTP_FAILURES.get(code, f"{code} Failed on request of the test")
        data = envelope.original_content or envelope.content
        raw = data if isinstance(data, bytes) else data.encode()
        with self._arrived:
            self.raw.append(raw)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            self.messages.append(BytesParser(policy=email.policy.default).parsebytes(raw))
            self._arrived.notify_all()
        return "250 2.0.0 OK"

    def wait_for(self, count: int, timeout: float = 30.0) -> list[EmailMessage]:
        """Wait until ``count`` messages arrived (e.g. sent by a worker process); woken by
        each arrival, so ``timeout`` is only a safety net for a send that never comes."""
        with self._arrived:
            if not self._arrived.wait_for(lambda: len(self.messages) >= count, timeout):
                raise AssertionError(
                    f"expected {count} messages within {timeout}s, got {len(self.messages)}"
                )
        return self.messages


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[SmtpServer]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1, stopped after the test."""
    from aiosmtpd.controller import Controller

    for attempt in range(5):
        handler = SmtpServer(host="127.0.0.1", port=free_port())
        controller = Controller(handler, hostname=handler.host, port=handler.port)
        try:
            controller.start()
            break
        except OSError:  # the port was taken between free_port() and start()
            if attempt == 4:
                raise
    settings.EMAIL_URL = handler.url
    settings.EMAIL_HOST, settings.EMAIL_PORT = handler.host, handler.port
    # Django's mail too (pytest-django otherwise keeps it in memory): a test that starts the
    # server wants to see what really goes over SMTP.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """Debian's headless Chromium through Playwright (never ``playwright install``)."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: apt-get install chromium (make test does)"
        if os.environ.get("FLAGDESK_ALLOW_SKIP_BROWSER") == "1":
            pytest.skip(message)
        pytest.fail(message)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread, which makes Django refuse
    # ORM calls from the test ("async unsafe") although they run synchronously.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def browser_page(chromium: Browser) -> Iterator[Page]:
    """A fresh page in its own browser context (no cookies shared between tests)."""
    context = chromium.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def live_url(live_server: Any) -> Callable[..., str]:
    """``live_url("/path")`` or ``live_url("cases:queue", item_id)``: URL on the live server.

    Using it makes the test transactional (pytest-django's ``live_server``), so data the
    test creates is visible to the server thread.
    """

    def build(path_or_route: str, *args: Any, **kwargs: Any) -> str:
        if path_or_route.startswith("/"):
            path = path_or_route
        else:
            path = reverse(path_or_route, args=args or None, kwargs=kwargs or None)
        return f"{live_server.url}{path}"

    return build


BROWSER_TIMEOUT = 15_000


def log_in(page: Page, url: Callable[..., str], username: str) -> None:
    """Sign in through the login form as one of the personas (password ``PASSWORD``)."""
    from playwright.sync_api import expect

    page.goto(url("accounts:login"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form[action$='/login'] button[type=submit]").click()
    enter_code(page, username)
    expect(page.locator(".whoami")).to_contain_text(username, timeout=BROWSER_TIMEOUT)


def enter_code(page: Page, username: str) -> None:
    """After the password: the persona's authenticator code on the second-factor page."""
    from playwright.sync_api import expect

    expect(page.locator("input[name=code]")).to_be_visible(timeout=BROWSER_TIMEOUT)
    page.fill("input[name=code]", totp_code(username))
    page.locator("main form button[type=submit]").first.click()


def log_out(page: Page) -> None:
    from playwright.sync_api import expect

    page.locator("form[action$='/logout'] button[type=submit]").click()
    expect(page.locator(".whoami")).to_have_count(0, timeout=BROWSER_TIMEOUT)


@pytest.fixture
def matching_index_dir(settings: Any) -> Path:
    """The test's own index snapshot directory (set for every test by ``_test_settings``)."""
    return Path(settings.MATCHING_INDEX_DIR)


@pytest.fixture
def api(client: Any, users: dict[str, User]) -> type:
    """``api(role).get(path)``, ``.post``, ``.upload``, ``.patch``: calls with that persona's
    bearer token (``api(None)`` sends none)."""
    import json

    from django.core.serializers.json import DjangoJSONEncoder

    from flagdesk.accounts.services import issue_token as _issue_token

    class Caller:
        def __init__(self, role: str | None) -> None:
            self.headers = {"Authorization": f"Bearer {_issue_token(users[role])}"} if role else {}

        def get(self, path, **params):
            return client.get(f"/api/v1{path}", params, headers=self.headers)

        def post(self, path, body=None, **kwargs):
            if isinstance(body, dict | list):
                body = json.dumps(body, cls=DjangoJSONEncoder)  # dates as ISO text
            return client.post(
                f"/api/v1{path}",
                body,
                content_type=kwargs.pop("content_type", "application/json"),
                headers=self.headers,
            )

        def upload(self, path, **fields):
            return client.post(f"/api/v1{path}", fields, headers=self.headers)

        def patch(self, path, body):
            return client.patch(
                f"/api/v1{path}",
                json.dumps(body, cls=DjangoJSONEncoder),
                "application/json",
                headers=self.headers,
            )

    return Caller


@dataclass
class FreshInstance:
    """An installation as an operator makes it: its own var/ and an empty database of the
    backend under test, prepared by ``flagdesk migrate`` alone."""

    var_dir: Path
    env: dict[str, str]
    key_dir: Path

    def flagdesk(self, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        """Run ``flagdesk ARGS`` against this instance; fails the test on a non-zero exit."""
        done = subprocess.run(
            [str(FLAGDESK), *args], env=self.env, capture_output=True, text=True, timeout=timeout
        )
        assert done.returncode == 0, f"flagdesk {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        return done

    def python(self, script: Path, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        """Run a Python script with this instance's settings; fails the test if it fails."""
        done = subprocess.run(
            [sys.executable, str(script)],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert done.returncode == 0, f"{script.name}:\n{done.stdout}\n{done.stderr}"
        return done

    def popen(self, *args: str) -> subprocess.Popen[str]:
        """Start ``flagdesk ARGS`` with stdout and stderr merged into one text pipe."""
        return subprocess.Popen(
            [str(FLAGDESK), *args],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )


FLAGDESK = Path(sys.executable).with_name("flagdesk")


@pytest.fixture
def fresh_instance(tmp_path: Path) -> Iterator[FreshInstance]:
    """A new var/ directory and a new, empty database (SQLite file, or a new PostgreSQL
    database on the server of the run), migrated by ``flagdesk migrate`` and nothing else."""
    var_dir, key_dir = tmp_path / "var", tmp_path / "keys"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("FLAGDESK_") or key == "FLAGDESK_ALLOW_SKIP_BROWSER"
    }
    env |= {
        "FLAGDESK_VAR_DIR": str(var_dir),
        "FLAGDESK_KEY_DIR": str(key_dir),
        "FLAGDESK_URL_RESOLVER": "flagdesk.core.testing.test_resolver",
        "FLAGDESK_EMAIL_URL": "smtp://127.0.0.1:9",
    }
    server_url = os.environ.get("FLAGDESK_DATABASE_URL", "")
    dropper: Callable[[], None] | None = None
    if server_url.startswith(("postgres://", "postgresql://")):
        env["FLAGDESK_DATABASE_URL"], dropper = _new_postgres_database(server_url)
    instance = FreshInstance(var_dir=var_dir, env=env, key_dir=key_dir)
    try:
        instance.flagdesk("migrate", "--noinput", "-v0")
        yield instance
    finally:
        if dropper:
            dropper()


def _new_postgres_database(server_url: str) -> tuple[str, Callable[[], None]]:
    """A new empty database on the run's PostgreSQL server, and how to drop it."""
    import uuid
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    name = f"flagdesk_fresh_{uuid.uuid4().hex[:12]}"
    parts = urlsplit(server_url)
    admin = urlunsplit(parts._replace(path="/postgres"))

    def execute(sql: str) -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql)

    execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return urlunsplit(parts._replace(path=f"/{name}")), drop


class ProcessOutput:
    """Lines a child process prints, read by a thread so the test can wait for one of them.

    A test waits for a line the process prints once it is ready (a readiness signal), never
    for a guessed number of seconds: on a machine whose cores are busy, start-up takes longer.
    """

    def __init__(self, process: subprocess.Popen[str]) -> None:
        import queue

        self.process = process
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._queue.put(line)
        self._queue.put(None)

    def wait_for(self, text: str, timeout: float = 120) -> str:
        """The first line containing ``text``; fails if the process ends or ``timeout`` (a
        safety net for a hung process, not a guess at how long start-up takes) passes."""
        import queue

        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no line with {text!r} in {timeout}s: {self.lines}") from None
            if line is None:
                raise AssertionError(f"the process ended without printing {text!r}: {self.lines}")
            self.lines.append(line)
            if text in line:
                return line

    def rest(self, timeout: float = 60) -> str:
        """Everything printed until the process exits."""
        self.process.wait(timeout=timeout)
        while (line := self._queue.get(timeout=timeout)) is not None:
            self.lines.append(line)
        return "".join(self.lines)
