"""Public intake throughput: POST /api/v1/reports against a real gunicorn, SQLite and PostgreSQL.

    .venv/bin/python bench/intake.py [--requests N] [--concurrency C] [--backend sqlite|postgres]

For each backend: a fresh database (a temp SQLite file; a throwaway PostgreSQL cluster from
scripts/pg-test.sh), migrate + createcachetable, gunicorn on 127.0.0.1, a warm-up, then N
reports with unique URLs from C client threads with keep-alive connections. Prints one table
(S24): reports/s, p50/p95 latency, errors, the DESIGN.md target and the ratio. Each backend is
aborted after --timeout seconds; every server and cluster is stopped, also on error or Ctrl-C.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
HOST = "127.0.0.1"
PATH = "/api/v1/reports"
# DESIGN.md "Performance targets": writes >= 200/s (p99 <= 250 ms). The brief measures the
# public intake write against it on SQLite, the default production database.
TARGET_PER_S = 200.0


@dataclass
class Result:
    backend: str
    requests: int
    concurrency: int
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    aborted: bool = False

    @property
    def ok(self) -> int:
        return len(self.latencies_ms) - self.errors

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if len(self.latencies_ms) < 2:
            return self.latencies_ms[0] if self.latencies_ms else 0.0
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[int(p) - 1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def server_env(database_url: str, var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLAGDESK_")}
    env.update(
        FLAGDESK_DATABASE_URL=database_url,
        FLAGDESK_VAR_DIR=str(var_dir),
        # The run's own keys, beside its var/ (never the checkout's keys/).
        FLAGDESK_KEY_DIR=str(var_dir.parent / f"{var_dir.name}-keys"),
        FLAGDESK_PUBLIC_RATE_LIMIT="off",
        FLAGDESK_URL_RESOLVER="flagdesk.core.testing.test_resolver",  # no DNS
        FLAGDESK_DEBUG="false",
        FLAGDESK_ALLOWED_HOSTS=HOST,
        FLAGDESK_LOG_LEVEL="WARNING",
    )
    return env


def prepare_database(env: dict[str, str]) -> None:
    for command in (["migrate", "--noinput", "-v", "0"], ["createcachetable"]):
        subprocess.run([str(VENV_BIN / "flagdesk"), *command], env=env, check=True, timeout=300)


@contextmanager
def sqlite_database(tmp: Path) -> Iterator[str]:
    yield f"sqlite:///{tmp / 'bench.sqlite3'}"  # absolute: sqlite:////tmp/...


@contextmanager
def postgres_database() -> Iterator[str]:
    """A throwaway cluster from scripts/pg-test.sh, stopped whatever happens."""
    started = subprocess.run(
        [str(ROOT / "scripts" / "pg-test.sh"), "start"],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    exports = dict(
        line.removeprefix("export ").split("=", 1)
        for line in started.stdout.splitlines()
        if line.startswith("export ")
    )
    pg_dir = exports["PG_TEST_DIR"].strip("'")
    try:
        yield exports["FLAGDESK_DATABASE_URL"].strip("'")
    finally:
        subprocess.run(
            [str(ROOT / "scripts" / "pg-test.sh"), "stop", pg_dir], check=False, timeout=120
        )


@contextmanager
def gunicorn(env: dict[str, str], workers: int, threads: int) -> Iterator[int]:
    port = free_port()
    argv = [
        str(VENV_BIN / "python"),
        "-m",
        "gunicorn",
        "flagdesk.wsgi:application",
        f"--bind={HOST}:{port}",
        f"--workers={workers}",
        f"--threads={threads}",
        "--worker-class=gthread",
        "--keep-alive=30",
        "--log-level=warning",
    ]
    server = subprocess.Popen(argv, env=env, cwd=ROOT, process_group=0)
    try:
        wait_until_up(port, server)
        yield port
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def wait_until_up(port: int, server: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode} before serving")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/api/v1/openapi.json")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer on port {port} within {timeout:.0f}s")


def payload(i: int, run: str) -> bytes:
    return json.dumps(
        {
            "language": "en",
            "phenomenon": "ncii",
            "urls": [f"https://bench-{run}-{i}.test/p/{i}"],
            "description": "Benchmark report: fictional content for a throughput test.",
            "role": "witness",
            "reporter": {"anonymous": True},
            "victim": {"age_band": "25-34", "gender": "female"},
        }
    ).encode()


class Client:
    """One keep-alive connection per thread, reopened after an error."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.local = threading.local()

    def post(self, body: bytes) -> tuple[float, int, str]:
        conn: http.client.HTTPConnection | None = getattr(self.local, "conn", None)
        if conn is None:
            conn = self.local.conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
        headers = {"Content-Type": "application/json", "Accept-Language": "en"}
        start = time.perf_counter()
        try:
            conn.request("POST", PATH, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as e:
            conn.close()
            self.local.conn = None
            return (time.perf_counter() - start) * 1000, 0, type(e).__name__
        elapsed = (time.perf_counter() - start) * 1000
        return elapsed, status, "" if status == 201 else data[:200].decode(errors="replace")


def load(port: int, result: Result, warmup: int, deadline_s: float) -> None:
    client = Client(port)
    run = f"{result.backend}{os.getpid()}"
    with ThreadPoolExecutor(result.concurrency) as pool:
        list(pool.map(lambda i: client.post(payload(-1 - i, run)), range(warmup)))
        deadline = time.monotonic() + deadline_s
        lock = threading.Lock()

        def one(i: int) -> None:
            if time.monotonic() > deadline:
                result.aborted = True
                return
            ms, status, error = client.post(payload(i, run))
            with lock:
                result.latencies_ms.append(ms)
                if status != 201:
                    result.errors += 1
                    if len(result.error_samples) < 3:
                        result.error_samples.append(f"{status} {error}")

        start = time.perf_counter()
        list(pool.map(one, range(result.requests)))
        result.seconds = time.perf_counter() - start


def bench(backend: str, args: argparse.Namespace) -> Result:
    result = Result(backend, args.requests, args.concurrency)
    tmp = Path(tempfile.mkdtemp(prefix=f"flagdesk-bench-{backend}-"))
    try:
        database = sqlite_database(tmp) if backend == "sqlite" else postgres_database()
        with database as url:
            env = server_env(url, tmp / "var")
            prepare_database(env)
            with gunicorn(env, args.workers, args.threads) as port:
                load(port, result, args.warmup, args.timeout)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return result


def print_table(results: list[Result], args: argparse.Namespace) -> None:
    machine = f"nproc {os.cpu_count()}, Python {platform.python_version()}"
    server = f"gunicorn gthread {args.workers}x{args.threads}"
    header = (
        "backend",
        "requests",
        "concurrency",
        "reports/s",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "errors",
        "target/s",
        "ratio",
    )
    rows = [header]
    for r in results:
        rows.append(
            (
                r.backend + (" (aborted)" if r.aborted else ""),
                str(len(r.latencies_ms)),
                str(r.concurrency),
                f"{r.rate:.0f}",
                f"{r.percentile(50):.1f}",
                f"{r.percentile(95):.1f}",
                f"{r.percentile(99):.1f}",
                str(r.errors),
                f"{TARGET_PER_S:.0f}",
                f"{r.rate / TARGET_PER_S:.2f}x",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    print()
    for row in rows:
        print("  ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True)))
    print(f"machine: {machine}; server: {server}; runs: 1 per backend; warm-up {args.warmup}")
    for r in results:
        print(
            f"intake {r.backend}: reports/s {r.rate:.0f} · target {TARGET_PER_S:.0f} · "
            f"{r.rate / TARGET_PER_S:.2f}x"
        )
        for sample in r.error_samples:
            print(f"  {r.backend} error sample: {sample}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--timeout", type=float, default=120, help="seconds per backend")
    args = parser.parse_args()
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    results = [bench(backend, args) for backend in backends]
    print_table(results, args)
    return 1 if any(r.errors or r.aborted for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
