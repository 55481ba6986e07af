"""Re-checks after a notice: `flagdesk worker` processes checking URLs on a local server.

    .venv/bin/python bench/recheck.py [--urls 10000] [--hosts 50] [--workers 1,2]
                                      [--concurrency 2] [--interval 0.5] [--latency-ms 20]
                                      [--layout spread|clustered] [--slow-host-ms 0]
                                      [--captures 30] [--postgres URL|auto] [--timeout 600]
                                      [--profile DIR] [--quick]

The issue's targets: >= 10,000 checks/hour with 2 workers, memory flat over the run, and
screenshots per minute with a reused browser. Everything runs on 127.0.0.1:

1. A local HTTP server in a process of its own (a threaded ``http.server``, so that the
   benchmark's polling never holds its GIL) answers ``--hosts`` host names
   ``hNN.bench.test``, which ``bench_resolver`` resolves to 127.0.0.1 (the workers import it
   through ``PYTHONPATH``; ``FLAGDESK_MONITORING_ALLOW_LOOPBACK=true`` lets the safe fetcher
   connect). Each answer waits ``--latency-ms`` first (a remote site is not instant, and
   without it no two requests would ever overlap, so the politeness check below would have
   nothing to catch); ``--slow-host-ms`` makes one host (h00) answer that late instead, a
   slow or hanging site among healthy ones. A request ends when the client closes its
   connection, if that comes first. Of the paths, 1 in 10 is a 404 and 1 in 10 a 200 page
   with the platform's "no longer available" text, so both kinds of gone detection run; the
   rest are ~5 KB pages. The server logs every request's host, start and end.
2. A throwaway instance: its own ``FLAGDESK_VAR_DIR`` and ``FLAGDESK_KEY_DIR`` in a temp dir,
   SQLite (or ``--postgres``: a server URL on which throwaway databases are created and
   dropped, or ``auto`` for a cluster from scripts/pg-test.sh), migrated once, then filled by
   a setup child with the instance's environment: one platform per host (with its
   "unavailable" pattern), ``--urls`` cases with one notified item each (URL
   ``http://hNN.bench.test:<port>/p/<i>``, phenomenon ncii) and its ``Watch``, started an
   hour ago and due now. ``--layout spread`` puts consecutive due watches on consecutive
   hosts; ``clustered`` puts them in blocks of one host, as when a batch of notices to one
   platform went out together. Every row gets a fresh copy of that database.
3. Per worker count K: K `flagdesk worker` processes with the politeness limits
   (``--concurrency`` fetches at once per host, ``--interval`` seconds of rest per slot,
   ``MONITORING_WORKER_THREADS`` at its default), timed from the first worker's readiness
   line to the last ``Check`` recorded (its ``at``); the database is polled until every watch
   has a check, for at most ``--timeout`` seconds (a row cut short says so, and its rate is
   what it reached). Each worker's RSS is sampled every 0.25 s: at 10 % and at 100 % of the
   run, and its peak (VmHWM) before it is stopped. "CPU ms/check" is the workers' CPU time
   over the row per check; "machine busy" the share of both cores not idle (every process,
   other people's work included: the machine is shared). ``--profile DIR`` runs the workers
   under cProfile and prints their top functions.
4. Politeness, from the server's own log: the most requests one host had in flight at once
   (must be <= ``--concurrency``), and the most requests one host saw start within any
   ``--interval`` window (each slot rests that long between two fetches, so also <=
   ``--concurrency``).
5. Screenshots: ``--captures`` evidence captures of a small local page (HTML, a stylesheet,
   a picture) through the worker's own service (``run_due_capture``: claim, safe fetch,
   Chromium, screenshot, WARC, encrypted store, manifest), one after another in one process,
   with the process's browser reused (launched once, inside the timing), against the
   baseline of a fresh browser per capture (``capture.browser.shutdown()`` after each). One
   untimed capture first warms the disk cache and Playwright's import. No timestamp
   authority is configured (the capture records that it has no timestamp).

Ratios, all against figures of the same run: checks/hour over the 10,000/h target and over
the 1-worker row; captures per minute over the fresh-browser row. Exit status non-zero if a
row missed the target, repeated a check, broke a politeness limit, or a capture failed.
``--quick``: 500 URLs and 3 captures, a smoke run of well under a minute.
"""

from __future__ import annotations

import argparse
import bisect
import hashlib
import json
import os
import select
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
VENV_BIN = ROOT / ".venv" / "bin"
HOST = "127.0.0.1"
TARGET_PER_HOUR = 10_000.0
GONE_TEXT = "This post is no longer available."
CAPTURE_HOST = "capture.bench.test"
SLOW_HOST = "h00.bench.test"  # the one host that --slow-host-ms slows down
SAMPLE_SECONDS = 0.25
# How much an interval window may be shorter than --interval for the politeness check: the
# server stamps a request a little after the client took its slot, never before.
CLOCK_SLACK = 0.002

sys.path.insert(0, str(BENCH))


# The local server: 50 host names x N paths, in a process of its own


def host_name(h: int) -> str:
    return f"h{h:02d}.bench.test"


def page_for(path: str) -> tuple[int, str, bytes]:
    """(status, content type, body) for one path of any host."""
    if path.startswith("/p/") and path[3:].isdigit():
        i = int(path[3:])
        kind = (i // 7) % 10  # not i % 10: with 50 hosts, that would be one kind per host
        if kind == 0:
            return 404, "text/html", b"<!doctype html><title>Not found</title><p>Not found.</p>"
        if kind == 1:
            body = f"<!doctype html><title>Post {i}</title><main><p>{GONE_TEXT}</p></main>"
            return 200, "text/html; charset=utf-8", body.encode()
        words = " ".join(f"fictional-word-{(i * 7 + n) % 997}" for n in range(300))
        body = (
            f"<!doctype html><html><head><title>Post {i}</title></head><body>"
            f"<h1>Post {i} by a fictional person</h1><p>{words}</p></body></html>"
        )
        return 200, "text/html; charset=utf-8", body.encode()
    if path.startswith("/capture/page.html"):
        body = (
            "<!doctype html><html><head><title>A fictional post</title>"
            '<link rel="stylesheet" href="/capture/style.css"></head><body>'
            "<h1>A fictional post</h1><p>Synthetic text about a fictional person.</p>"
            '<img src="/capture/picture.png" width="200" height="150" alt="a green square">'
            "</body></html>"
        )
        return 200, "text/html; charset=utf-8", body.encode()
    if path == "/capture/style.css":
        return (
            200,
            "text/css",
            b"body { font-family: sans-serif; margin: 2em; } h1 { color: #234; }",
        )
    if path == "/capture/picture.png":
        return 200, "image/png", green_png()
    return 404, "text/plain", b"not found"


_png: bytes = b""


def green_png() -> bytes:
    """A synthetic 200 x 150 green picture (made once)."""
    global _png
    if not _png:
        import io

        from PIL import Image

        out = io.BytesIO()
        Image.new("RGB", (200, 150), (40, 140, 60)).save(out, "PNG")
        _png = out.getvalue()
    return _png


class Log:
    """Every request's (host, start, end), and each host's peak of requests in flight."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        # Across resets: a request still in flight when a row ends counts in the next one.
        self.in_flight: dict[str, int] = defaultdict(int)
        self.state: dict[str, Any] = {"requests": [], "peak": {}}

    def reset(self) -> dict[str, Any]:
        """The log so far; a new one starts now."""
        with self.lock:
            previous, self.state = self.state, {"requests": [], "peak": {}}
            return previous


def serve(latency: float, slow_host: float = 0.0) -> int:
    """Prints ``READY <port>``; on each ``stats`` line on stdin prints the log since the last
    one as JSON and starts a new one; ends at EOF or ``stop``."""
    log = Log()
    green_png()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"  # the fetcher asks for Connection: close anyway

        def do_GET(self) -> None:
            host = (self.headers.get("Host") or "").rsplit(":", 1)[0].lower()
            started = time.time()
            with log.lock:
                log.in_flight[host] += 1
                peak = log.state["peak"]
                peak[host] = max(peak.get(host, 0), log.in_flight[host])
            try:
                delay = slow_host if slow_host and host == SLOW_HOST else latency
                # The request is complete (a GET, no body): the socket becomes readable only
                # when the client closes it. A client that gave up (its fetch deadline) ends
                # the request; counting it in flight until our delay ran out would charge the
                # worker with a request it no longer makes.
                if delay and select.select([self.connection], [], [], delay)[0]:
                    self.close_connection = True
                    return
                status, content_type, body = page_for(self.path)
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:  # the client went away while we answered
                self.close_connection = True
            finally:
                ended = time.time()
                with log.lock:
                    log.in_flight[host] -= 1
                    log.state["requests"].append((host, started, ended))

        def log_message(self, format: str, *args: Any) -> None:
            pass

    ThreadingHTTPServer.request_queue_size = 256
    server = ThreadingHTTPServer((HOST, 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"READY {server.server_address[1]}", flush=True)
    for line in sys.stdin:
        if line.strip() == "stats":
            print(json.dumps(log.reset()), flush=True)
        elif line.strip() == "stop":
            break
    server.shutdown()
    return 0


@dataclass
class Server:
    process: subprocess.Popen[str]
    port: int

    def stats(self) -> dict[str, Any]:
        """The server's log since the last call (and a fresh one from now)."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write("stats\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())


@contextmanager
def bench_server(latency_ms: float, slow_host_ms: float) -> Iterator[Server]:
    process = subprocess.Popen(
        [
            str(VENV_BIN / "python"),
            __file__,
            "--serve",
            f"--latency-ms={latency_ms}",
            f"--slow-host-ms={slow_host_ms}",
        ],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    try:
        ready, port = process.stdout.readline().split()
        if ready != "READY":
            raise RuntimeError("the bench server did not start")
        yield Server(process, int(port))
    finally:
        process.kill()
        process.wait()


# The instance: environment, databases, the setup child


def base_env(database_url: str, var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLAGDESK_")}
    env.update(
        FLAGDESK_DATABASE_URL=database_url,
        FLAGDESK_VAR_DIR=str(var_dir),
        FLAGDESK_KEY_DIR=str(var_dir.parent / f"{var_dir.name}-keys"),  # never the checkout's
        FLAGDESK_URL_RESOLVER="bench_resolver.resolve",
        FLAGDESK_MONITORING_ALLOW_LOOPBACK="true",
        FLAGDESK_DEBUG="false",
        FLAGDESK_LOG_LEVEL="WARNING",
        PYTHONPATH=os.pathsep.join(p for p in (str(BENCH), env.get("PYTHONPATH", "")) if p),
    )
    return env


def migrate(env: dict[str, str]) -> None:
    subprocess.run(
        [str(VENV_BIN / "flagdesk"), "migrate", "--noinput", "-v", "0"],
        env=env,
        check=True,
        timeout=600,
    )


def fill(env: dict[str, str], args: argparse.Namespace, port: int) -> None:
    """The cases, items and due watches, made by a child with the instance's environment."""
    subprocess.run(
        [
            str(VENV_BIN / "python"),
            __file__,
            "--setup",
            f"--urls={args.urls}",
            f"--hosts={args.hosts}",
            f"--layout={args.layout}",
            f"--port={port}",
        ],
        env=env,
        cwd=ROOT,
        check=True,
        timeout=600,
    )


@dataclass
class Database:
    url: str
    vendor: str


@contextmanager
def sqlite_databases(
    tmp: Path, args: argparse.Namespace, port: int
) -> Iterator[Callable[[], Database]]:
    """One migrated and filled file, then a copy of it per row."""
    template = tmp / "template.sqlite3"
    env = base_env(f"sqlite:///{template}", tmp / "var")
    migrate(env)
    fill(env, args, port)
    with sqlite3.connect(template) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    runs = iter(range(1, 1000))

    def new() -> Database:
        path = tmp / f"run{next(runs)}.sqlite3"
        shutil.copyfile(template, path)
        return Database(f"sqlite:///{path}", "sqlite")

    yield new


@contextmanager
def postgres_server(spec: str) -> Iterator[str]:
    """The server's URL: the given one, or a throwaway cluster's (``auto``)."""
    if spec != "auto":
        yield spec
        return
    from intake import postgres_database  # bench/ is on sys.path: the same cluster helper

    with postgres_database() as url:
        yield url


@contextmanager
def postgres_databases(
    tmp: Path, args: argparse.Namespace, port: int
) -> Iterator[Callable[[], Database]]:
    """A migrated and filled template database, copied per row; all dropped at the end."""
    import psycopg

    with postgres_server(args.postgres) as url:
        server = url.rsplit("/", 1)[0]
        prefix = f"bench_recheck_{os.getpid()}"
        made: list[str] = []
        with psycopg.connect(url, autocommit=True) as admin:
            try:
                admin.execute(f"CREATE DATABASE {prefix}_template")
                made.append(f"{prefix}_template")
                env = base_env(f"{server}/{prefix}_template", tmp / "var")
                migrate(env)
                fill(env, args, port)
                runs = iter(range(1, 1000))

                def new() -> Database:
                    name = f"{prefix}_run{next(runs)}"
                    admin.execute(f"CREATE DATABASE {name} TEMPLATE {prefix}_template")
                    made.append(name)
                    return Database(f"{server}/{name}", "postgresql")

                yield new
            finally:
                for name in reversed(made):
                    admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def setup(args: argparse.Namespace) -> int:
    """The setup child: platforms, cases, notified items and their due watches, in bulk."""
    import datetime as dt

    import django

    os.environ["DJANGO_SETTINGS_MODULE"] = "flagdesk.settings"
    django.setup()
    from django.db import transaction
    from django.utils import timezone

    from flagdesk.cases.models import Case, Item
    from flagdesk.monitoring.models import Watch
    from flagdesk.platforms.models import Platform

    now = timezone.now()
    with transaction.atomic():
        platforms = Platform.objects.bulk_create(
            Platform(
                name=f"Bench platform {h:02d}",
                slug=f"bench-platform-{h:02d}",
                unavailable_patterns=GONE_TEXT,
            )
            for h in range(args.hosts)
        )
        cases = Case.objects.bulk_create((Case() for _ in range(args.urls)), batch_size=1000)
        block = -(-args.urls // args.hosts)  # ceil: URLs per host in the clustered layout
        hosts = [
            i % args.hosts if args.layout == "spread" else i // block for i in range(args.urls)
        ]
        items = []
        for i, case in enumerate(cases):
            url = f"http://{host_name(hosts[i])}:{args.port}/p/{i}"
            items.append(
                Item(
                    case=case,
                    url=url,
                    normalised_url=url,
                    url_key=hashlib.sha256(url.encode()).hexdigest(),
                    platform=platforms[hosts[i]],
                    status=Item.Status.NOTIFIED,
                    phenomenon="ncii",
                )
            )
        Item.objects.bulk_create(items, batch_size=1000)
        # Due now, in the order of i (a microsecond apart), so that the layout is the order
        # in which the workers find them.
        first_due = now - dt.timedelta(microseconds=args.urls)
        Watch.objects.bulk_create(
            (
                Watch(
                    item=item,
                    host=host_name(hosts[i]),
                    started_at=now - dt.timedelta(hours=1),
                    scheduled_done=0,
                    next_check_at=first_due + dt.timedelta(microseconds=i),
                )
                for i, item in enumerate(items)
            ),
            batch_size=1000,
        )
    return 0


# One row: K workers until every watch has a check


@dataclass
class Worker:
    process: subprocess.Popen[str]
    ready: threading.Event
    ready_at: list[float] = field(default_factory=list)
    # The worker's last lines: printed when a row fails (the rest is only read, never kept).
    tail: deque[str] = field(default_factory=lambda: deque(maxlen=60))
    rss: list[tuple[float, int]] = field(default_factory=list)


def start_worker(env: dict[str, str], profile: Path | None) -> Worker:
    command = [str(VENV_BIN / "flagdesk"), "worker"]
    if profile:
        output = profile / f"worker-{time.monotonic_ns()}.prof"
        command = [str(VENV_BIN / "python"), "-m", "cProfile", "-o", str(output), *command]
    process = subprocess.Popen(
        command,
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    worker = Worker(process, threading.Event())

    def drain() -> None:  # read every line, or the worker blocks on a full pipe
        assert process.stdout is not None
        for line in process.stdout:
            worker.tail.append(line.rstrip())
            if "worker.started" in line and not worker.ready.is_set():
                worker.ready_at.append(time.time())
                worker.ready.set()

    threading.Thread(target=drain, daemon=True).start()
    return worker


def stop_workers(workers: list[Worker]) -> None:
    for w in workers:
        if w.process.poll() is None:
            w.process.send_signal(signal.SIGTERM)
    for w in workers:
        try:
            w.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            w.process.kill()
            w.process.wait()


def peak_rss(pid: int) -> int:
    """The process's peak resident memory (VmHWM), in bytes; 0 if it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class Counter:
    """Reads the run's database directly (no Django in the parent)."""

    def __init__(self, database: Database) -> None:
        self.database = database
        if database.vendor == "sqlite":
            path = database.url.removeprefix("sqlite:///")
            self.db: Any = sqlite3.connect(path, timeout=30)
        else:
            import psycopg

            self.db = psycopg.connect(database.url, autocommit=True)

    def one(self, sql: str) -> tuple[Any, ...]:
        return tuple(self.db.execute(sql).fetchone())

    def all(self, sql: str) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self.db.execute(sql).fetchall()]

    def checks(self) -> int:
        return int(self.one("SELECT count(*) FROM monitoring_check")[0])

    def close(self) -> None:
        self.db.close()


def timestamp(value: Any) -> float:
    """A ``Check.at`` as seconds since the epoch (SQLite gives text, PostgreSQL datetimes)."""
    import datetime as dt

    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return float(value.timestamp())


def busy_share(before: Any, after: Any) -> float:
    """The share of the machine's CPU time (all cores, every process) not idle in between."""
    idle = (after.idle + after.iowait) - (before.idle + before.iowait)
    total = sum(after) - sum(before)
    return 1 - idle / total if total > 0 else 0.0


def politeness(requests: list[list[Any]], interval: float) -> tuple[int, int]:
    """The most requests one host saw start within any ``interval`` window."""
    starts: dict[str, list[float]] = defaultdict(list)
    for host, started, _ended in requests:
        starts[host].append(started)
    most = 0
    for times in starts.values():
        times.sort()
        for i, t in enumerate(times):
            most = max(most, bisect.bisect_left(times, t + interval - CLOCK_SLACK) - i)
    return most, len(starts)


def run_row(
    database: Database, workers: int, server: Server, tmp: Path, args: argparse.Namespace
) -> dict[str, Any]:
    env = base_env(database.url, tmp / "var") | {
        "FLAGDESK_LOG_LEVEL": "INFO",  # the readiness line
        "FLAGDESK_MONITORING_HOST_CONCURRENCY": str(args.concurrency),
        "FLAGDESK_MONITORING_HOST_INTERVAL_SECONDS": str(args.interval),
    }
    load = os.getloadavg()[0]
    counter = Counter(database)
    server.stats()  # a fresh log for this row
    started: list[Worker] = []
    try:
        profile = Path(args.profile).resolve() / f"x{workers}" if args.profile else None
        if profile:
            profile.mkdir(parents=True, exist_ok=True)
        started = [start_worker(env, profile) for _ in range(workers)]
        for w in started:
            if not w.ready.wait(120):
                raise RuntimeError("a worker did not start within 120 s")
        begin = min(w.ready_at[0] for w in started)
        import psutil

        processes = [psutil.Process(w.process.pid) for w in started]
        cpu_before = [sum(p.cpu_times()[:2]) for p in processes]
        machine_before = psutil.cpu_times()
        deadline = time.monotonic() + args.timeout
        done = 0
        while time.monotonic() < deadline:
            now = time.time()
            for w, p in zip(started, processes, strict=True):
                w.rss.append((now, p.memory_info().rss))
            done = counter.checks()
            if done >= args.urls:
                break
            time.sleep(SAMPLE_SECONDS)
        peaks = [peak_rss(w.process.pid) for w in started]
        cpu = sum(sum(p.cpu_times()[:2]) for p in processes) - sum(cpu_before)
        machine = busy_share(machine_before, psutil.cpu_times())
        if done < args.urls or counter.one("SELECT count(*) FROM monitoring_check")[0] < args.urls:
            print(
                f"x{workers}: the workers' last lines:", *started[0].tail, sep="\n", file=sys.stderr
            )
        for w, p in zip(started, processes, strict=True):
            w.rss.append((time.time(), p.memory_info().rss))
    finally:
        stop_workers(started)
    log = server.stats()
    total, distinct, last_at = counter.one(
        "SELECT count(*), count(DISTINCT item_id), max(at) FROM monitoring_check"
    )
    outcomes = dict(
        (f"{outcome}/{signal or '-'}", n)
        for outcome, signal, n in counter.all(
            "SELECT outcome, gone_signal, count(*) FROM monitoring_check "
            "GROUP BY outcome, gone_signal"
        )
    )
    counter.close()
    end = timestamp(last_at) if last_at else time.time()
    seconds = max(end - begin, 1e-9)

    def rss_at(w: Worker, fraction: float) -> int:
        moment = begin + fraction * seconds
        return min(w.rss, key=lambda sample: abs(sample[0] - moment))[1]

    most_in_window, hosts_seen = politeness(log["requests"], args.interval)
    return {
        "workers": workers,
        "urls": args.urls,
        "checks": total,
        "drained": distinct >= args.urls,
        "repeats": total - distinct,
        "seconds": seconds,
        "per_hour": total / seconds * 3600,
        "outcomes": outcomes,
        "requests": len(log["requests"]),
        "hosts": hosts_seen,
        "max_in_flight": max(log["peak"].values(), default=0),
        "max_in_window": most_in_window,
        "rss_10": [rss_at(w, 0.1) for w in started],
        "rss_100": [rss_at(w, 1.0) for w in started],
        "peak": peaks,
        "cpu_ms": cpu * 1000 / max(total, 1),
        "machine_busy": machine,
        "load": load,
    }


# Screenshots: reused browser against a fresh one per capture


def captures_run(args: argparse.Namespace) -> int:
    """The capture child (Django set up on a fresh copy): prints one JSON line."""
    import django

    os.environ["DJANGO_SETTINGS_MODULE"] = "flagdesk.settings"
    django.setup()
    from django.utils import timezone

    from flagdesk.cases.models import Case, Item
    from flagdesk.monitoring.capture import browser
    from flagdesk.monitoring.models import Capture
    from flagdesk.monitoring.services.captures import run_due_capture

    serial = iter(range(1_000_000))

    def queue(count: int) -> list[str]:
        ids = []
        for _ in range(count):
            url = f"http://{CAPTURE_HOST}:{args.port}/capture/page.html?n={next(serial)}"
            item = Item.objects.create(
                case=Case.objects.create(),
                url=url,
                normalised_url=url,
                url_key=hashlib.sha256(url.encode()).hexdigest(),
                status=Item.Status.APPROVED,
                phenomenon="ncii",
            )
            capture = Capture.objects.create(
                item=item,
                trigger=Capture.Trigger.REQUEST,
                requested_at=timezone.now(),
                media_allowed=True,
                url=url,
            )
            ids.append(str(capture.pk))
        return ids

    def run(count: int, *, fresh: bool) -> dict[str, Any]:
        ids = queue(count)
        browser.shutdown()  # each mode starts without a browser: its first launch counts
        each: list[float] = []
        begin = time.perf_counter()
        for _ in ids:
            one = time.perf_counter()
            if not run_due_capture(worker="bench-captures"):
                raise RuntimeError("no capture was due")
            if fresh:
                browser.shutdown()
            each.append(time.perf_counter() - one)
        seconds = time.perf_counter() - begin
        statuses = list(Capture.objects.filter(pk__in=ids).values_list("status", "failure"))
        done = sum(1 for status, _failure in statuses if status == Capture.Status.DONE)
        failures = sorted({failure for status, failure in statuses if status != "done"})
        return {
            "captures": count,
            "done": done,
            "failures": failures,
            "seconds": seconds,
            "per_minute": count / seconds * 60,
            "p50": statistics.median(each),
            "first": each[0],
        }

    run(1, fresh=True)  # warm-up: Playwright's import, Chromium's files in the page cache
    reused = run(args.captures, fresh=False)
    fresh = run(args.captures, fresh=True)
    browser.shutdown()
    print(json.dumps({"reused": reused, "fresh": fresh}))
    return 0


def run_captures(
    database: Database, tmp: Path, server: Server, args: argparse.Namespace
) -> dict[str, Any]:
    env = base_env(database.url, tmp / "var")
    done = subprocess.run(
        [
            str(VENV_BIN / "python"),
            __file__,
            "--capture-run",
            f"--captures={args.captures}",
            f"--port={server.port}",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        timeout=args.timeout + 120,
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"the capture run failed ({done.returncode})")
    return json.loads(lines[-1])


# The table


def mb(values: list[int]) -> str:
    return "/".join(f"{v / 2**20:.0f}" for v in values)


def render(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) for row in rows]


def print_table(
    results: list[dict[str, Any]], captures: dict[str, Any] | None, args: argparse.Namespace
) -> None:
    from machine_info import machine_line

    one = next((r["per_hour"] for r in results if r["workers"] == 1), None)
    rows: list[tuple[str, ...]] = [
        (
            "workers",
            "urls",
            "checks",
            "seconds",
            "checks/h",
            "vs 10,000/h",
            "vs 1 worker",
            "repeats",
            "RSS MB 10%",
            "RSS MB 100%",
            "peak MB",
            "CPU ms/check",
            "machine busy",
            "in flight/host",
            f"starts/host/{args.interval:g}s",
            "load",
        )
    ]
    for r in results:
        growth = max(b / a for a, b in zip(r["rss_10"], r["rss_100"], strict=True))
        rows.append(
            (
                str(r["workers"]),
                f"{r['urls']:,}",
                f"{r['checks']:,}" + ("" if r["drained"] else " (timeout)"),
                f"{r['seconds']:.1f}",
                f"{r['per_hour']:,.0f}",
                f"{r['per_hour'] / TARGET_PER_HOUR:.1f}x",
                f"{r['per_hour'] / one:.2f}x" if one else "-",
                str(r["repeats"]),
                mb(r["rss_10"]),
                f"{mb(r['rss_100'])} ({growth:.2f}x)",
                mb(r["peak"]),
                f"{r['cpu_ms']:.1f}",
                f"{r['machine_busy']:.0%}",
                f"{r['max_in_flight']} <= {args.concurrency}",
                f"{r['max_in_window']} <= {args.concurrency}",
                f"{r['load']:.1f}",
            )
        )
    print()
    print(machine_line())
    for line in render(rows):
        print(line)
    print(
        f"{args.urls:,} URLs on {args.hosts} hosts ({args.layout}), answers after "
        f"{args.latency_ms:g} ms; politeness: {args.concurrency} at once per host, "
        f"{args.interval:g} s rest per slot; {settings_threads()} threads per worker; "
        f"{args.db_label}; 1 run per row; RSS per worker (10%/100% of the run, growth); "
        "CPU ms/check: the workers' CPU time (user+system) per check; machine busy: the share "
        "of all cores' time not idle during the row (every process); load: 1-minute load "
        "average before the row"
    )
    if args.slow_host_ms:
        print(
            f"{SLOW_HOST} answers after {args.slow_host_ms:g} ms "
            f"(~{args.urls // args.hosts:,} of the URLs)"
        )
    for r in results:
        outcomes = ", ".join(f"{k} {v:,}" for k, v in sorted(r["outcomes"].items()))
        print(f"  x{r['workers']}: {outcomes}; {r['requests']:,} requests to {r['hosts']} hosts")
    if captures is None:
        return
    base = captures["fresh"]["per_minute"]
    rows = [
        ("captures", "browser", "done", "seconds", "per minute", "vs fresh", "p50 s", "first s")
    ]
    for name, label in (("reused", "reused"), ("fresh", "fresh per capture")):
        c = captures[name]
        rows.append(
            (
                str(c["captures"]),
                label,
                str(c["done"]),
                f"{c['seconds']:.1f}",
                f"{c['per_minute']:.1f}",
                f"{c['per_minute'] / base:.2f}x",
                f"{c['p50']:.2f}",
                f"{c['first']:.2f}",
            )
        )
    print()
    for line in render(rows):
        print(line)
    failures = {f for name in ("reused", "fresh") for f in captures[name]["failures"]}
    for failure in sorted(failures):
        print(f"  failed: {failure}")


def settings_threads() -> str:
    return os.environ.get("FLAGDESK_MONITORING_WORKER_THREADS", "8")


def profile_report(directory: Path) -> str:
    import io
    import pstats

    files = sorted(str(p) for p in directory.glob("worker-*.prof"))
    if not files:
        return ""
    out = io.StringIO()
    stats = pstats.Stats(*files, stream=out)
    stats.strip_dirs().sort_stats("cumulative").print_stats(45)
    stats.sort_stats("tottime").print_stats(20)
    return out.getvalue()


def parent(args: argparse.Namespace) -> int:
    workers = [int(w) for w in args.workers.split(",")]
    args.db_label = "PostgreSQL" if args.postgres else "SQLite"
    results: list[dict[str, Any]] = []
    captures: dict[str, Any] | None = None
    tmp = Path(tempfile.mkdtemp(prefix="flagdesk-bench-recheck-"))
    try:
        with bench_server(args.latency_ms, args.slow_host_ms) as server:
            make = postgres_databases if args.postgres else sqlite_databases
            with make(tmp, args, server.port) as new_database:
                for k in workers:
                    result = run_row(new_database(), k, server, tmp, args)
                    results.append(result)
                    print(
                        f"x{k}: {result['checks']:,} checks in {result['seconds']:.1f} s, "
                        f"{result['per_hour']:,.0f}/h",
                        file=sys.stderr,
                    )
                if args.captures:
                    captures = run_captures(new_database(), tmp, server, args)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print_table(results, captures, args)
    if args.profile:
        for k in workers:
            print(f"\nprofile of the {k}-worker row (all its workers):")
            print(profile_report(Path(args.profile).resolve() / f"x{k}"))
    failed = [
        r
        for r in results
        if r["repeats"]
        or not r["drained"]
        or r["max_in_flight"] > args.concurrency
        or r["max_in_window"] > args.concurrency
        or (r["workers"] == 2 and r["per_hour"] < TARGET_PER_HOUR)
    ]
    if captures and any(c["done"] < c["captures"] for c in captures.values()):
        failed.append({})
    return 1 if failed or not results else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--urls", type=int, default=None, help="watched URLs (10,000)")
    parser.add_argument("--hosts", type=int, default=50, help="host names they spread over")
    parser.add_argument("--workers", default="1,2", help="worker counts, comma-separated")
    parser.add_argument("--concurrency", type=int, default=2, help="fetches at once per host")
    parser.add_argument("--interval", type=float, default=0.5, help="rest per slot, seconds")
    parser.add_argument("--latency-ms", type=float, default=20, help="server answer delay")
    parser.add_argument("--slow-host-ms", type=float, default=0, help=f"{host_name(0)}'s delay")
    parser.add_argument("--layout", choices=("spread", "clustered"), default="spread")
    parser.add_argument("--profile", default="", help="profile the workers into this directory")
    parser.add_argument("--captures", type=int, default=None, help="per browser mode (30)")
    parser.add_argument("--postgres", default="", help="server URL, or auto (pg-test.sh)")
    parser.add_argument("--timeout", type=float, default=None, help="per row, seconds (600)")
    parser.add_argument("--quick", action="store_true", help="500 URLs, 3 captures")
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--setup", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--capture-run", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve(args.latency_ms / 1000, args.slow_host_ms / 1000)
    if args.setup:
        return setup(args)
    if args.capture_run:
        return captures_run(args)
    quick = {"urls": 500, "captures": 3, "timeout": 120.0}
    full = {"urls": 10_000, "captures": 30, "timeout": 600.0}
    for name, value in (quick if args.quick else full).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    return parent(args)


if __name__ == "__main__":
    sys.exit(main())
