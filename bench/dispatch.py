"""Notice dispatch: `flagdesk worker` processes sending queued notices by SMTP and a platform API.

    .venv/bin/python bench/dispatch.py [--notices 1000] [--workers 1,2,4] [--db sqlite,postgres]
                                       [--clicks 200] [--timeout 180] [--profile DIR]

For each database (a temp SQLite file; a throwaway PostgreSQL cluster from scripts/pg-test.sh)
and each worker count K, a fresh copy of one migrated database and one run in a child process:

1. Setup, not timed: the personas, the organisation, two platforms (one by email to an aiosmtpd
   server, one through its API to tests/fakes/fake_platform.py, both on 127.0.0.1 in a Python
   process of their own, so that queueing never holds their GIL) and the approved items, made
   by the real services (tests' factories); then K `flagdesk worker` processes.
2. Clicks: --clicks notices queued through the real queue_notices one click (transaction)
   after another, as fast as this process can, while the workers run; latency = arrival at the
   server minus the notice's `queued_at`, p50 and p95 ("clicks/s" is the pace reached).
3. Backlog: the workers are paused (SIGSTOP, at a moment none is inside a transaction),
   --notices notices are queued the same way, and the workers are resumed together (SIGCONT).
   Throughput = notices / (last `sent` - first claim), from the delivery log; "burst p95" is
   arrival counted from the resume: what a burst of that many notices queued at one instant
   waits.
4. After the burst: --clicks more clicks as in 2; "after p95" is their latency p95.

Lost = notices of all phases never received; repeats = receptions beyond the first of a
Message-ID or Idempotency-Key. The ratio column is each row's throughput over the 1-worker
SQLite row of the same run (the named baseline). Below the table, per row: where the backlog's
time went, from the delivery log. Each phase is bounded by --timeout (a backlog not sent by
then is marked); every worker, server and cluster is stopped, also on error or Ctrl-C. The exit
status is non-zero if a notice was lost or a row missed the throughput target. --profile DIR
runs each worker under cProfile, keeps the profiles under DIR and prints the top functions.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
HOST = "127.0.0.1"
# The targets for notice dispatch.
TARGET_PER_S = 100.0
TARGET_P95_S = 10.0
MAIL_DOMAIN, API_DOMAIN = "mail-platform.test", "api-platform.test"
MESSAGE_ID = re.compile(rb"(?mi)^Message-ID:[ \t]*(<[^>\r\n]+>)")

sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


# The parent: databases, one child process per (database, workers), the table


def base_env(database_url: str, var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLAGDESK_")}
    env.update(
        FLAGDESK_DATABASE_URL=database_url,
        FLAGDESK_VAR_DIR=str(var_dir),
        # The run's own keys, beside its var/ (never the checkout's keys/).
        FLAGDESK_KEY_DIR=str(var_dir.parent / f"{var_dir.name}-keys"),
        FLAGDESK_URL_RESOLVER="flagdesk.core.testing.test_resolver",  # no DNS
        FLAGDESK_CHANNELS_ALLOW_LOOPBACK_HTTP="true",  # the fake API is plain http on 127.0.0.1
        FLAGDESK_DEBUG="false",
    )
    return env


def migrate(env: dict[str, str]) -> None:
    subprocess.run(
        [str(VENV_BIN / "flagdesk"), "migrate", "--noinput", "-v", "0"],
        env=env,
        check=True,
        timeout=300,
    )


@contextmanager
def sqlite_databases(tmp: Path) -> Iterator[Callable[[], str]]:
    """Migrates one file, then hands out a copy of it per run."""
    template = tmp / "template.sqlite3"
    migrate(base_env(f"sqlite:///{template}", tmp / "var"))
    with sqlite3.connect(template) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    runs = iter(range(1, 1000))

    def new() -> str:
        path = tmp / f"run{next(runs)}.sqlite3"
        shutil.copyfile(template, path)
        return f"sqlite:///{path}"

    yield new


@contextmanager
def postgres_databases(tmp: Path) -> Iterator[Callable[[], str]]:
    """A throwaway cluster; one migrated database, copied (CREATE DATABASE ... TEMPLATE) per run."""
    import psycopg
    from intake import postgres_database  # bench/ is on sys.path: the same cluster helper

    with postgres_database() as url:
        server = url.rsplit("/", 1)[0]
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute("CREATE DATABASE bench_template")
            migrate(base_env(f"{server}/bench_template", tmp / "var"))
            runs = iter(range(1, 1000))

            def new() -> str:
                name = f"bench_run{next(runs)}"
                admin.execute(f"CREATE DATABASE {name} TEMPLATE bench_template")
                return f"{server}/{name}"

            yield new


def run_child(url: str, var_dir: Path, workers: int, args: argparse.Namespace) -> dict[str, Any]:
    argv = [
        str(VENV_BIN / "python"),
        __file__,
        "--child",
        f"--workers={workers}",
        f"--notices={args.notices}",
        f"--clicks={args.clicks}",
        f"--timeout={args.timeout}",
    ]
    if args.profile:  # one directory per run, so that runs do not add up
        argv.append(f"--profile={Path(args.profile) / f'{Path(url).name}-x{workers}'}")
    env = base_env(url, var_dir) | {"FLAGDESK_LOG_LEVEL": "WARNING"}
    done = subprocess.run(
        argv,
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        timeout=4 * args.timeout + 600,
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"the run with {workers} workers failed ({done.returncode})")
    for line in lines[:-1]:
        print(line)  # the profile, when asked for
    return json.loads(lines[-1])


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], p: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def print_table(results: list[dict[str, Any]], args: argparse.Namespace) -> None:
    from machine_info import machine_line

    baseline = next((r["rate"] for r in results if r["db"] == "sqlite" and r["workers"] == 1), None)
    header = (
        "db",
        "workers",
        "notices",
        "seconds",
        "notices/s",
        "lost",
        "repeats",
        "p50 s",
        "p95 s",
        "burst p95 s",
        "after p95 s",
        "clicks/s",
        "vs sqlite x1",
        "load",
    )
    rows = [header]
    for r in results:
        rows.append(
            (
                r["db"] + ("" if r["drained"] else " (timeout)"),
                str(r["workers"]),
                str(r["notices"]),
                f"{r['seconds']:.1f}",
                f"{r['rate']:.0f}",
                str(r["lost"]),
                str(r["repeats"]),
                f"{r['p50']:.2f}",
                f"{r['p95']:.2f}",
                f"{r['burst_p95']:.1f}",
                f"{r['after_p95']:.1f}",
                f"{r['click_rate']:.0f}",
                f"{r['rate'] / baseline:.2f}x" if baseline else "-",
                f"{r['load']:.1f}",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    print()
    print(machine_line())
    for row in rows:
        print("  ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True)))
    print(
        f"targets: >= {TARGET_PER_S:.0f} notices/s with 0 lost, p95 <= {TARGET_P95_S:.0f} s; "
        f"clicks phases: {args.clicks} notices each; 1 run per row; load: the 1-minute load "
        "average before the row (other work on the machine)"
    )
    print("where the time went (backlog phase; means per notice; busy = claim to sent over")
    print("workers x seconds; stale = tasks still queued when the backlog was all sent):")
    for r in results:
        print(
            f"  {r['db']} x{r['workers']}: claim->arrival email {r['send_email_ms']:.1f} ms, "
            f"API {r['send_api_ms']:.1f} ms; arrival->sent {r['settle_ms']:.1f} ms; "
            f"busy {r['busy']:.0%}; {r['tasks_per_notice']:.1f} tasks and "
            f"{r['attempts_per_notice']:.2f} attempts per notice; stale {r['stale_tasks']}"
        )


def parent(args: argparse.Namespace) -> int:
    workers = [int(w) for w in args.workers.split(",")]
    results: list[dict[str, Any]] = []
    for db in args.db.split(","):
        tmp = Path(tempfile.mkdtemp(prefix=f"flagdesk-bench-dispatch-{db}-"))
        try:
            databases = sqlite_databases(tmp) if db == "sqlite" else postgres_databases(tmp)
            try:
                with databases as new_database:
                    for k in workers:
                        result = run_child(new_database(), tmp / "var", k, args)
                        results.append(result | {"db": db})
                        print(f"{db} x{k}: {result['rate']:.0f} notices/s", file=sys.stderr)
            except (subprocess.CalledProcessError, FileNotFoundError) as e:
                if db != "postgres":
                    raise
                print(f"postgres skipped: {e}", file=sys.stderr)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    print_table(results, args)
    missed = [r for r in results if r["lost"] or not r["drained"] or r["rate"] < TARGET_PER_S]
    return 1 if missed or not results else 0


# The child: one (database, workers) run, Django configured for that database


class MailServer:
    """aiosmtpd on 127.0.0.1 keeping only (Message-ID, arrival time) per message."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.arrivals: list[tuple[str, float]] = []
        self.lock = threading.Lock()
        self.port = free_port()
        self.controller = Controller(self, hostname=HOST, port=self.port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        at = time.time()
        raw = envelope.original_content or envelope.content
        found = MESSAGE_ID.search(raw if isinstance(raw, bytes) else raw.encode())
        with self.lock:
            self.arrivals.append((found.group(1).decode() if found else "", at))
        return "250 2.0.0 OK"


@dataclass
class Worker:
    process: subprocess.Popen[str]
    ready: threading.Event


def start_worker(env: dict[str, str], profile: Path | None) -> Worker:
    command = [str(VENV_BIN / "flagdesk"), "worker"]
    if profile:
        output = profile / f"worker-{time.monotonic_ns()}.prof"
        command = [str(VENV_BIN / "python"), "-m", "cProfile", "-o", str(output), *command]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    ready = threading.Event()

    def drain() -> None:  # read every line, or the worker blocks on a full pipe
        assert process.stdout is not None
        for line in process.stdout:
            if "worker.started" in line:
                ready.set()

    threading.Thread(target=drain, daemon=True).start()
    return Worker(process, ready)


def in_transaction() -> bool:
    """Whether another connection is inside a transaction (a paused worker would block the
    clicks until it resumes)."""
    from django.db import connection

    if connection.vendor == "sqlite":
        probe = sqlite3.connect(connection.settings_dict["NAME"], timeout=0.2)
        probe.isolation_level = None
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
        except sqlite3.OperationalError:
            return True
        finally:
            probe.close()
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND state <> 'idle'"
        )
        return bool(cursor.fetchone()[0])


def pause(workers: list[Worker]) -> None:
    """SIGSTOP every worker at a moment none of them is inside a transaction."""
    for _ in range(100):
        for w in workers:
            w.process.send_signal(signal.SIGSTOP)
        for w in workers:  # the signal is asynchronous: wait until the process is stopped
            stat = Path(f"/proc/{w.process.pid}/stat")
            while stat.read_text().rsplit(")", 1)[1].split()[0] not in ("T", "t"):
                time.sleep(0.001)
        if not in_transaction():
            return
        for w in workers:
            w.process.send_signal(signal.SIGCONT)
        time.sleep(0.05)  # let it finish the transaction it was in, then try again
    raise RuntimeError("the workers never paused outside a transaction")


def stop_workers(workers: list[Worker]) -> None:
    for w in workers:
        if w.process.poll() is None:
            w.process.send_signal(signal.SIGCONT)
            w.process.send_signal(signal.SIGTERM)
    for w in workers:
        try:
            w.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            w.process.kill()
            w.process.wait()


def make_items(count: int, api_url: str) -> tuple[list[Any], Any]:
    """Approved items, alternately on the email platform and the API platform."""
    from flagdesk.accounts.models import User
    from flagdesk.notices.tests.factories import (
        LEGAL_BASES,
        REASONS,
        approved_item,
        confirm_verify_bases,
        designate,
        make_platform,
    )
    from flagdesk.platforms.services import set_channels

    users = {
        role: User.objects.create_user(name, email=f"{name}@bench.test", role=role)
        for role, name in (("analyst", "alice"), ("reviewer", "bob"), ("coordinator", "carol"))
    }
    designate(users, ["ncii"])
    confirm_verify_bases(users, LEGAL_BASES["ncii"])
    make_platform(users, name="Mail platform", domain=MAIL_DOMAIN)
    api = make_platform(users, name="API platform", domain=API_DOMAIN)
    set_channels(api, actor=users["coordinator"], channels=[{"kind": "api", "endpoint": api_url}])
    return [
        # Reasons of its own per item, as real ones are (and the boilerplate check stays fast).
        approved_item(
            users,
            domain=(MAIL_DOMAIN, API_DOMAIN)[i % 2],
            reasons=f"Report {i} of the benchmark. {REASONS}",
            confirm=False,
        )
        for i in range(count)
    ], users["analyst"]


def queue(items: list[Any], analyst: Any) -> tuple[list[Any], float]:
    """One click per item, as fast as possible; returns the notices and clicks per second."""
    from flagdesk.notices.services import queue_notices

    started = time.perf_counter()
    notices = [n for item in items for n in queue_notices([item], actor=analyst)]
    return notices, len(items) / (time.perf_counter() - started)


def wait_all_sent(notices: list[Any], deadline: float) -> bool:
    from flagdesk.notices.models import OutboxRow

    ids = [n.pk for n in notices]
    while time.monotonic() < deadline:
        unsent = OutboxRow.objects.filter(notice_id__in=ids).exclude(status=OutboxRow.Status.SENT)
        if not unsent.exists():
            return True
        time.sleep(0.1)  # completion check only: every figure comes from recorded timestamps
    return False


def serve() -> int:
    """The servers' own process, so that queueing in the driver never holds their GIL: prints
    ``READY <smtp port> <api url>``, serves until a line on stdin, then prints the arrival
    times by Message-ID (email) or Idempotency-Key (API) as JSON."""
    from tests.fakes.fake_platform import FakePlatform

    mail = MailServer()
    mail.controller.start()
    try:
        with FakePlatform() as fake:
            print(f"READY {mail.port} {fake.url}", flush=True)
            sys.stdin.readline()
            seen: dict[str, list[float]] = {}
            with mail.lock:
                received = list(mail.arrivals)
            for key, at in received:
                seen.setdefault(key, []).append(at)
            for request in fake.received:
                seen.setdefault(request.idempotency_key, []).append(request.received_at)
    finally:
        mail.controller.stop()
    print(json.dumps(seen), flush=True)
    return 0


@contextmanager
def servers() -> Iterator[tuple[str, str, Callable[[], dict[str, list[float]]]]]:
    """The SMTP server's URL, the API's URL, and a function that stops both and returns what
    arrived."""
    process = subprocess.Popen(
        [str(VENV_BIN / "python"), __file__, "--serve"],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        _ready, port, api_url = process.stdout.readline().split()

        def collect() -> dict[str, list[float]]:
            assert process.stdin is not None and process.stdout is not None
            process.stdin.write("stop\n")
            process.stdin.flush()
            return json.loads(process.stdout.readline())

        yield f"smtp://{HOST}:{port}", api_url, collect
    finally:
        process.kill()
        process.wait()


def ident(notice: Any) -> str:
    return notice.message_id if notice.channel_kind == "email" else notice.outbox.key


def profile_report(directory: Path) -> str:
    import io
    import pstats

    files = sorted(str(p) for p in directory.glob("worker-*.prof"))
    if not files:
        return ""
    out = io.StringIO()
    stats = pstats.Stats(*files, stream=out)
    stats.strip_dirs().sort_stats("cumulative").print_stats(40)
    stats.sort_stats("tottime").print_stats(25)
    return out.getvalue()


def child(args: argparse.Namespace) -> int:
    load = os.getloadavg()[0]
    with servers() as (email_url, api_url, collect):
        os.environ["FLAGDESK_EMAIL_URL"] = email_url
        os.environ["DJANGO_SETTINGS_MODULE"] = "flagdesk.settings"
        import django

        django.setup()
        from django_tasks_db.models import DBTaskResult

        from flagdesk.notices.models import DeliveryAttempt, Notice

        profile = Path(args.profile).resolve() if args.profile else None
        if profile:
            profile.mkdir(parents=True, exist_ok=True)
        worker_env = os.environ | {"FLAGDESK_LOG_LEVEL": "INFO"}  # INFO: the readiness line
        workers: list[Worker] = []
        try:
            items, analyst = make_items(args.notices + 2 * args.clicks, api_url)
            clicks_items, backlog_items = items[: args.clicks], items[args.clicks :]
            after_items = backlog_items[args.notices :]
            workers = [start_worker(worker_env, profile) for _ in range(args.workers)]
            for w in workers:
                if not w.ready.wait(120):
                    raise RuntimeError("a worker did not start within 120 s")
            # Clicks: queued one after another while the workers run.
            clicked, click_rate = queue(clicks_items, analyst)
            wait_all_sent(clicked, time.monotonic() + args.timeout)
            # Backlog: queued while the workers are paused, then released together.
            pause(workers)
            backlog, _rate = queue(backlog_items[: args.notices], analyst)
            released = time.time()
            for w in workers:
                w.process.send_signal(signal.SIGCONT)
            drained = wait_all_sent(backlog, time.monotonic() + args.timeout)
            # Tasks still waiting although their row is sent: they run before newer ones.
            stale = DBTaskResult.objects.ready().count()
            # Clicks again, right after the backlog went out.
            after, _rate = queue(after_items, analyst)
            wait_all_sent(after, time.monotonic() + args.timeout)
        finally:
            stop_workers(workers)
        seen = collect()

    every = list(
        Notice.objects.select_related("outbox").filter(
            pk__in=[n.pk for n in clicked + backlog + after]
        )
    )
    first = {n.pk: min(seen[ident(n)]) for n in every if ident(n) in seen}
    kind = {n.pk: n.channel_kind for n in every}

    def latencies(phase: list[Any]) -> list[float]:
        queued = {n.pk: n.queued_at.timestamp() for n in every}
        return [first[n.pk] - queued[n.pk] for n in phase if n.pk in first]

    backlog_ids = {n.pk for n in backlog}
    log = list(DeliveryAttempt.objects.filter(notice_id__in=backlog_ids))
    sent_log = [a for a in log if a.outcome == DeliveryAttempt.Outcome.SENT]
    seconds = (
        max(a.finished_at for a in sent_log) - min(a.started_at for a in log)
    ).total_seconds()
    arrived_log = [a for a in sent_log if a.notice_id in first]

    def mean_ms(values: list[float]) -> float:
        return statistics.fmean(values) * 1000 if values else float("nan")

    send = {
        channel: mean_ms(
            [
                first[a.notice_id] - a.started_at.timestamp()
                for a in arrived_log
                if kind[a.notice_id] == channel
            ]
        )
        for channel in ("email", "api")
    }
    settle = [a.finished_at.timestamp() - first[a.notice_id] for a in arrived_log]
    busy = sum((a.finished_at - a.started_at).total_seconds() for a in sent_log)
    counts = Counter({key: len(times) for key, times in seen.items()})
    total = len(every)
    result = {
        "load": load,
        "workers": args.workers,
        "notices": len(backlog),
        "drained": drained,
        "seconds": seconds,
        "rate": len(backlog) / seconds if seconds > 0 else 0.0,
        "lost": total - len(first),
        "repeats": sum(counts.values()) - len(counts),
        "p50": percentile(latencies(clicked), 50),
        "p95": percentile(latencies(clicked), 95),
        "burst_p95": percentile([first[pk] - released for pk in backlog_ids if pk in first], 95),
        "after_p95": percentile(latencies(after), 95),
        "click_rate": click_rate,
        "send_email_ms": send["email"],
        "send_api_ms": send["api"],
        "settle_ms": mean_ms(settle),
        "busy": busy / (seconds * args.workers) if seconds > 0 else 0.0,
        "tasks_per_notice": DBTaskResult.objects.count() / total,
        "stale_tasks": stale,
        "attempts_per_notice": DeliveryAttempt.objects.count() / total,
    }
    if profile:
        print(profile_report(profile))
    print(json.dumps(result))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notices", type=int, default=1000, help="notices in the backlog")
    parser.add_argument("--workers", default="1,2,4", help="worker counts, comma-separated")
    parser.add_argument("--db", default="sqlite,postgres", help="sqlite, postgres or both")
    parser.add_argument("--clicks", type=int, default=200, help="notices in the clicks phase")
    parser.add_argument("--timeout", type=float, default=180, help="seconds per phase")
    parser.add_argument("--profile", default="", help="profile the workers into this directory")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve()
    if args.child:
        args.workers = int(args.workers)
        return child(args)
    return parent(args)


if __name__ == "__main__":
    sys.exit(main())
