"""Exactly once in effect: 500 notices go out through two ``flagdesk worker`` processes that
are killed with SIGKILL at random moments, and every notice still arrives, under its own
Message-ID (SMTP) or Idempotency-Key (API), any repeat a byte-identical copy (S11, S12).

The test process and the workers share one database: ``fresh_instance`` makes it (a SQLite
file, or a new PostgreSQL database on the run's server) and the test process's ``default``
connection is pointed at it for the duration of the test, so the items and notices are made
through the real services here and sent by the real worker loop there.

Half of the kills land mid-send on purpose: the server that receives a message looks up which
worker holds the connection and kills it before answering, so the platform has the notice and
the worker never heard. The lease (``FLAGDESK_OUTBOX_LEASE_SECONDS=3``) then expires and
another worker sends it again. The others hit whichever worker after a random number of
arrivals, wherever it is (claiming, sending, settling, idle). Failure messages carry the seed;
``FLAGDESK_KILL_SEED=<seed>`` replays a run's kill plan.
"""

from __future__ import annotations

import logging
import os
import random
import re
import signal
import subprocess
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import connections
from django.db.models import Count
from django.db.utils import load_backend

from conftest import PERSONAS, FreshInstance, ProcessOutput, SmtpServer
from flagdesk.accounts.models import User
from flagdesk.cases.models import CaseEvent
from flagdesk.core.env import database_config
from flagdesk.notices.models import DeliveryAttempt, Notice, OutboxRow
from flagdesk.notices.services import queue_notices
from flagdesk.notices.tests.factories import (
    LEGAL_BASES,
    REASONS,
    approved_item,
    confirm_verify_bases,
    designate,
    make_platform,
)
from flagdesk.platforms.services import set_channels
from tests.fakes.fake_platform import FakePlatform

NOTICES = 500  # half by email, half through the API
WORKERS = 2
LEASE_SECONDS = 3
MIN_KILLS = 10
DEADLINE_SECONDS = 240
SUMMARY_FILE = Path(tempfile.gettempdir()) / "flagdesk-kill-summary.txt"
MAIL_DOMAIN, API_DOMAIN = "mail-platform.test", "api-platform.test"


# The shared database


def _instance_database_url(instance: FreshInstance) -> str:
    default = f"sqlite:///{instance.var_dir / 'flagdesk.sqlite3'}"
    return instance.env.get("FLAGDESK_DATABASE_URL", default)


@pytest.fixture
def shared_database(fresh_instance: FreshInstance, django_db_blocker: Any) -> Iterator[str]:
    """This process's ``default`` connection on the fresh instance's database, which the worker
    processes use too; the test database of the session is left as it was.

    A new connection object rather than new settings on the old one: an in-memory SQLite test
    database ignores ``close()``, and would quietly stay the one in use.
    """
    config = connections.configure_settings(
        {"default": database_config(_instance_database_url(fresh_instance), Path.cwd())}
    )["default"]
    wrapper = load_backend(config["ENGINE"]).DatabaseWrapper(config, "default")
    previous = connections["default"]
    connections["default"] = wrapper
    try:
        with django_db_blocker.unblock():
            yield config["ENGINE"].rsplit(".", 1)[-1]
    finally:
        wrapper.close()
        connections["default"] = previous


# What the servers received, and killing the sender of a message before it hears back


def _socket_inodes(local_port: int, remote_port: int) -> set[str]:
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, remote = fields[1].rsplit(":", 1)[1], fields[2].rsplit(":", 1)[1]
            if int(local, 16) == local_port and int(remote, 16) == remote_port:
                inodes.add(fields[9])
    return inodes


def _socket_owner(peer_port: int, server_port: int, pids: tuple[int, ...]) -> int | None:
    """Which of ``pids`` holds the client end of the connection from ``peer_port``."""
    inodes = {f"socket:[{inode}]" for inode in _socket_inodes(peer_port, server_port)}
    for pid in pids:
        try:
            fds = list(Path(f"/proc/{pid}/fd").iterdir())
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(fd) in inodes:
                    return pid
            except OSError:
                continue
    return None


@dataclass
class Arrivals:
    """Counts messages as the servers record them and, when armed, kills their sender.

    ``events`` also counts workers becoming ready: the supervisor waits for either.
    """

    live_pids: tuple[int, ...] = ()
    count: int = 0
    events: int = 0
    armed: bool = False
    killed: list[int] = field(default_factory=list)  # pids killed mid-send
    _changed: threading.Condition = field(default_factory=threading.Condition)

    def arrived(self, peer_port: int, server_port: int) -> None:
        """Called by a server thread once it stored a message, before it answers."""
        with self._changed:
            self.count += 1
            self.events += 1
            if self.armed:
                pid = _socket_owner(peer_port, server_port, self.live_pids)
                if pid is not None:
                    os.kill(pid, signal.SIGKILL)
                    self.killed.append(pid)
                    self.armed = False
            self._changed.notify_all()

    def set_live(self, pids: list[int]) -> None:
        with self._changed:
            self.live_pids = tuple(pids)
            self.events += 1
            self._changed.notify_all()

    def wait_past(self, events: int, timeout: float) -> None:
        with self._changed:
            self._changed.wait_for(lambda: self.events > events, timeout)

    def kill_next_sender(self, timeout: float) -> int | None:
        """Arm, and wait for the next arrival's sender to be killed (None: nothing arrived)."""
        with self._changed:
            before = len(self.killed)
            self.armed = True
            fired = self._changed.wait_for(lambda: len(self.killed) > before, timeout)
            self.armed = False
            return self.killed[-1] if fired else None


class KillableFakePlatform(FakePlatform):
    """The fake platform API, reporting each request once recorded, before it answers."""

    def __init__(self, arrivals: Arrivals) -> None:
        super().__init__()
        self.arrivals = arrivals

    def _record(self, handler: Any, headers: dict[str, str], body: bytes, name: str) -> Any:
        record = super()._record(handler, headers, body, name)
        self.arrivals.arrived(handler.client_address[1], self.port)
        return record


def watch_smtp(server: SmtpServer, arrivals: Arrivals) -> None:
    """Wrap the fixture's DATA hook (aiosmtpd looks hooks up on the handler object for each
    connection, so an attribute on this instance is enough)."""
    store = server.handle_DATA

    async def handle_data(smtp: Any, session: Any, envelope: Any) -> str:
        answer = await store(smtp, session, envelope)
        arrivals.arrived(session.peer[1], server.port)
        return answer

    server.handle_DATA = handle_data  # type: ignore[method-assign]


# The workers


@dataclass
class Worker:
    process: subprocess.Popen[str]
    ready: bool = False


@dataclass
class Fleet:
    """The worker processes; a killed one is replaced at once, and counts as ready (worth
    killing) from its readiness line on, which a thread per worker waits for."""

    instance: FreshInstance
    arrivals: Arrivals
    workers: list[Worker] = field(default_factory=list)
    kills: int = 0
    mid_send: int = 0

    def start(self) -> None:
        worker = Worker(self.instance.popen("worker"))
        output = ProcessOutput(worker.process)

        def wait_until_ready() -> None:
            try:
                output.wait_for("worker.started")
            except AssertionError:
                return  # it died before it was ready; the deadline reports the stall
            worker.ready = True
            self._changed()

        self.workers.append(worker)
        threading.Thread(target=wait_until_ready, daemon=True).start()

    def _changed(self) -> None:
        self.arrivals.set_live([w.process.pid for w in self.workers if w.ready])

    def ready(self) -> list[Worker]:
        return [w for w in self.workers if w.ready and w.process.poll() is None]

    def replace(self, pid: int) -> None:
        [worker] = [w for w in self.workers if w.process.pid == pid]
        worker.process.wait(timeout=30)
        assert worker.process.returncode == -signal.SIGKILL, worker.process.returncode
        self.workers.remove(worker)
        self._changed()
        self.kills += 1
        self.start()

    def kill_any(self, rng: random.Random) -> None:
        victim = rng.choice(self.ready())
        os.kill(victim.process.pid, signal.SIGKILL)
        self.replace(victim.process.pid)

    def kill_mid_send(self) -> bool:
        pid = self.arrivals.kill_next_sender(timeout=5)
        if pid is None:
            return False
        self.mid_send += 1
        self.replace(pid)
        return True

    def stop(self) -> None:
        for worker in self.workers:
            if worker.process.poll() is None:
                worker.process.send_signal(signal.SIGTERM)
        for worker in self.workers:
            try:
                worker.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.process.kill()
                worker.process.wait()


# Data


def make_personas() -> dict[str, User]:
    return {
        role: User.objects.create_user(
            username, email=f"{username}@flagdesk.test", password="x" * 12, role=role
        )
        for role, username in PERSONAS.items()
        if role in ("analyst", "reviewer", "coordinator")
    }


def queue_everything(users: dict[str, User], api_url: str) -> list[Notice]:
    """One notice per approved item, each queued as its own click; half by email, half API."""
    designate(users, ["ncii"])
    confirm_verify_bases(users, LEGAL_BASES["ncii"])
    make_platform(users, name="Mail platform", domain=MAIL_DOMAIN)
    api_platform = make_platform(users, name="API platform", domain=API_DOMAIN)
    set_channels(
        api_platform,
        actor=users["coordinator"],
        channels=[{"kind": "api", "endpoint": api_url}],
    )
    notices = []
    for i in range(NOTICES):
        # Reasons of its own: the same text on every item would be checked against every
        # earlier one (the boilerplate check), which is slow, and a warning besides.
        reasons = f"Report {i} of the batch. {REASONS}"
        domain = (MAIL_DOMAIN, API_DOMAIN)[i % 2]
        item = approved_item(users, domain=domain, reasons=reasons, confirm=False)
        notices += queue_notices([item], actor=users["analyst"])
    return notices


@contextmanager
def quiet(logger: str) -> Iterator[None]:
    log = logging.getLogger(logger)
    level = log.level
    log.setLevel(logging.WARNING)
    try:
        yield
    finally:
        log.setLevel(level)


def row_statuses() -> dict[str, int]:
    rows = OutboxRow.objects.values("status").annotate(n=Count("id")).order_by("status")
    return {r["status"]: r["n"] for r in rows}


# Comparing repeats


def _message_id(mail: EmailMessage) -> str:
    return str(mail["Message-ID"]).strip()


def email_copy(raw: bytes, mail: EmailMessage) -> bytes:
    """The message as frozen: its bytes without the Date header and with the MIME boundary
    fixed, the two things ``build_message`` makes anew on every send."""
    boundary = mail.get_boundary()
    if boundary:
        raw = raw.replace(boundary.encode(), b"BOUNDARY")
    return re.sub(rb"(?m)^Date: .*\r?\n", b"", raw)


# The test


def test_killed_workers_never_lose_or_double_a_notice(
    shared_database: str,
    fresh_instance: FreshInstance,
    smtp_server: SmtpServer,
    settings: Any,
    record_property: Any,
) -> None:
    started = time.monotonic()
    seed = int(os.environ.get("FLAGDESK_KILL_SEED") or random.SystemRandom().randrange(10**9))
    rng = random.Random(seed)
    settings.URL_RESOLVER = "flagdesk.core.testing.test_resolver"
    settings.CHANNELS_ALLOW_LOOPBACK_HTTP = True
    arrivals = Arrivals()
    watch_smtp(smtp_server, arrivals)
    with KillableFakePlatform(arrivals) as platform:
        with quiet("flagdesk"):  # a line per notice queued here is of no use to anyone
            notices = queue_everything(make_personas(), platform.url)
        assert len(notices) == NOTICES
        queued = time.monotonic()
        fresh_instance.env |= {
            "FLAGDESK_EMAIL_URL": smtp_server.url,
            "FLAGDESK_CHANNELS_ALLOW_LOOPBACK_HTTP": "true",
            "FLAGDESK_OUTBOX_LEASE_SECONDS": str(LEASE_SECONDS),
            # What this process encrypted and signed, the workers must read.
            "FLAGDESK_FIELD_KEYS": ",".join(django_settings.FLAGDESK_FIELD_KEYS),
            "FLAGDESK_SECRET_KEY": django_settings.SECRET_KEY,
        }
        fleet = Fleet(fresh_instance, arrivals)
        # Kill after these many arrivals, spread over the first four fifths so that the last
        # kills still find work: half of them mid-send, half anywhere, in a random order.
        kills = rng.randint(MIN_KILLS + 2, 16)
        modes = [True] * (kills // 2) + [False] * (kills - kills // 2)
        rng.shuffle(modes)
        plan = list(zip(sorted(rng.sample(range(1, NOTICES * 4 // 5), kills)), modes, strict=True))
        deadline = started + DEADLINE_SECONDS
        try:
            for _ in range(WORKERS):
                fleet.start()
            while (statuses := row_statuses()) != {OutboxRow.Status.SENT: NOTICES}:
                if time.monotonic() > deadline:
                    pytest.fail(
                        f"seed {seed}: not all sent after {DEADLINE_SECONDS}s: rows {statuses}, "
                        f"{arrivals.count} arrivals, {fleet.kills} kills"
                    )
                seen = arrivals.events
                # An arrival, a worker ready, or a second without (a killed row waits for its
                # lease to expire).
                arrivals.wait_past(seen, timeout=1.0)
                if plan and arrivals.count >= plan[0][0] and fleet.ready():
                    _after, mid_send = plan.pop(0)
                    # Mid-send needs a message to arrive; without one, it kills anywhere.
                    if not (mid_send and fleet.kill_mid_send()):
                        fleet.kill_any(rng)
        finally:
            fleet.stop()
        sent = time.monotonic()
        received = platform.received

    assert fleet.kills >= MIN_KILLS, f"seed {seed}: only {fleet.kills} kills"
    by_channel: dict[str, list[Notice]] = defaultdict(list)
    for notice in Notice.objects.select_related("outbox").prefetch_related("items"):
        by_channel[notice.channel_kind].append(notice)
    assert {k: len(v) for k, v in by_channel.items()} == {"email": 250, "api": 250}

    # SMTP: every Message-ID arrived, nothing unknown arrived, repeats are copies.
    mails = list(zip(smtp_server.raw, smtp_server.messages, strict=True))
    expected_ids = {n.message_id: n for n in by_channel["email"]}
    ids = Counter(_message_id(mail) for _raw, mail in mails)
    assert set(ids) == set(expected_ids), f"seed {seed}: {set(ids) ^ set(expected_ids)}"
    copies: dict[str, set[bytes]] = defaultdict(set)
    for raw, mail in mails:
        copies[_message_id(mail)].add(email_copy(raw, mail))
        notice = expected_ids[_message_id(mail)]
        assert notice.reference in str(mail["Subject"]), "a notice went out under another ID"
    assert all(len(c) == 1 for c in copies.values()), f"seed {seed}: a repeat differs"

    # API: every key arrived, nothing unknown arrived, repeats are copies of the same notice.
    expected_keys = {n.outbox.key: n for n in by_channel["api"]}
    keys = Counter(r.idempotency_key for r in received)
    assert set(keys) == set(expected_keys), f"seed {seed}: {set(keys) ^ set(expected_keys)}"
    bodies: dict[str, set[bytes]] = defaultdict(set)
    for request in received:
        bodies[request.idempotency_key].add(request.body)
        notice = expected_keys[request.idempotency_key]
        assert request.json["notice_reference"] == notice.reference
    assert all(len(b) == 1 for b in bodies.values()), f"seed {seed}: a repeat differs"

    # The database: every notice sent once, one notice_sent event per item.
    assert {n.status for ns in by_channel.values() for n in ns} == {Notice.Status.SENT}
    events = Counter(
        (str(e.item_id), e.data["notice"])
        for e in CaseEvent.objects.filter(kind=CaseEvent.Kind.NOTICE_SENT)
    )
    pairs = {
        (str(i.pk), str(n.pk)) for ns in by_channel.values() for n in ns for i in n.items.all()
    }
    assert set(events) == pairs and set(events.values()) == {1}, f"seed {seed}"
    attempts = Counter(DeliveryAttempt.objects.values_list("outcome", flat=True))
    assert set(attempts) <= {DeliveryAttempt.Outcome.SENT, DeliveryAttempt.Outcome.PENDING}, (
        f"seed {seed}: {attempts}"
    )
    sent_attempts = Counter(
        DeliveryAttempt.objects.filter(outcome=DeliveryAttempt.Outcome.SENT).values_list(
            "notice_id", flat=True
        )
    )
    assert len(sent_attempts) == NOTICES and set(sent_attempts.values()) == {1}

    summary = (
        f"dispatch kill test ({shared_database}, seed {seed}): {fleet.kills} kills "
        f"({fleet.mid_send} mid-send), {NOTICES} notices, {sum(ids.values())} SMTP deliveries, "
        f"{sum(ids.values()) - len(ids)} repeats by Message-ID, "
        f"{sum(keys.values())} API deliveries, {sum(keys.values()) - len(keys)} repeats by "
        f"Idempotency-Key, {attempts[DeliveryAttempt.Outcome.PENDING]} interrupted attempts "
        f"of {sum(attempts.values())}; queueing {queued - started:.0f}s, "
        f"sending {sent - queued:.0f}s"
    )
    print(f"\n{summary}")  # noqa: T201 - the figures the issue asks to quote (run with -s)
    record_property("summary", summary)
    with SUMMARY_FILE.open("a") as out:
        out.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {summary}\n")
