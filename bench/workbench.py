"""The workbench at 100,000 open items: the queue page, its counters and the search box.

    .venv/bin/python bench/workbench.py [--backend sqlite|postgres|both] [--items 100000]
                                        [--repeats 30] [--postgres-url URL]

The issue's targets: the queue page with 100,000 open items within 300 ms, a search within
300 ms. Per backend (a temp SQLite file; PostgreSQL: ``--postgres-url``, a server on which a
throwaway database is created and dropped, or else a throwaway cluster from
scripts/pg-test.sh, stopped at the end), a fresh instance (temp FLAGDESK_VAR_DIR and
FLAGDESK_KEY_DIR, migrate, createcachetable), then one child process with Django set up:

1. fills it with ``bulk_create``: --items open items in cases of one to three items, a mix
   of phenomena (ncii, harassment, hate speech, deepfakes, sextortion, a few child-protection
   items) and statuses (mostly new and assessing, some awaiting review or approved), on 20
   platforms, reported over 30 days, 1 in 5 claimed by someone; one report per case (a victim
   under 18 in 1 %), one second report for 1 in 20 items; a SHA-256 and a PDQ for 1 in 5
   items; 2,000 queued notices of one approved item each; 1 % of cases restricted to named
   staff. Due times are computed as the services do (``cases.priority``);
2. times, through Django's test client as a logged-in analyst past the second factor
   (cleared for minors' cases) and, for the scope's cost, an uncleared intake officer:
   the workbench's first page, a filtered page (one platform, unassigned), the next page
   (keyset), the counters alone, and searches by URL, host prefix, case, report and notice
   reference, and hash; against two baselines of the same run: a bare ``SELECT`` of 50 items
   with their platform and case (the floor of any list), and the old queue (``/staff/``, a
   paginator counting every item, ordered by date).

Each measure runs --repeats times after one warm-up; the table gives the median and p95 in
ms, the 300 ms target, median/target, and the median over the bare SELECT's. Speed is never
asserted; the exit status is non-zero only if a page is not a 200 or a search finds nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
TARGET_MS = 300.0

sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

PHENOMENA = [  # (code, weight)
    ("ncii", 30),
    ("cyber_harassment", 20),
    ("gender_hate_speech", 15),
    ("sexual_deepfake", 10),
    ("sextortion", 8),
    ("doxing", 6),
    ("cyberstalking", 5),
    ("", 4),
    ("csam", 1),
    ("grooming", 1),
]
STATUSES = [("new", 50), ("assessing", 25), ("awaiting_review", 12), ("approved", 10),
            ("still_online", 2), ("refused", 1)]  # fmt: skip


@dataclass
class Row:
    measure: str
    median_ms: float
    p95_ms: float
    baseline: str = ""


# The parent: one fresh instance and one child process per backend, the table


def instance_env(database_url: str, tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLAGDESK_")}
    env.update(
        FLAGDESK_DATABASE_URL=database_url,
        FLAGDESK_VAR_DIR=str(tmp / "var"),
        FLAGDESK_KEY_DIR=str(tmp / "keys"),
        FLAGDESK_DEBUG="false",
        FLAGDESK_LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),  # this checkout's code, for migrate too
    )
    return env


@contextmanager
def given_postgres(url: str) -> Iterator[str]:
    """A throwaway database on the server at ``url``, dropped at the end."""
    import psycopg

    name = f"flagdesk_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _sep, _db = url.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_backend(backend: str, args: argparse.Namespace) -> list[Row]:
    from intake import postgres_database, prepare_database, sqlite_database

    tmp = Path(tempfile.mkdtemp(prefix=f"flagdesk-bench-workbench-{backend}-"))
    try:
        if backend == "sqlite":
            database = sqlite_database(tmp)
        elif args.postgres_url:
            database = given_postgres(args.postgres_url)
        else:
            database = postgres_database()
        with database as url:
            env = instance_env(url, tmp)
            prepare_database(env)
            argv = [
                str(VENV_BIN / "python"),
                __file__,
                "--child",
                f"--items={args.items}",
                f"--repeats={args.repeats}",
                *(["--verbose"] if args.verbose else []),
            ]
            done = subprocess.run(
                argv, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True, check=False
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"the {backend} run failed ({done.returncode})")
    for line in lines[:-1]:
        print(f"{backend}: {line}", flush=True)
    return [Row(**row) for row in json.loads(lines[-1])]


def print_table(results: dict[str, list[Row]], args: argparse.Namespace) -> None:
    from machine_info import machine_line

    print()
    print(machine_line())
    print(f"{args.items} open items, {args.repeats} repeats after a warm-up")
    header = f"{'db':<9}{'measure':<52}{'median ms':>10}{'p95 ms':>9}{'target':>8}"
    header += f"{'vs target':>10}{'vs SELECT':>10}"
    print(header)
    for backend, rows in results.items():
        floor = next(r.median_ms for r in rows if r.baseline == "floor")
        for r in rows:
            print(
                f"{backend:<9}{r.measure:<52}{r.median_ms:>10.1f}{r.p95_ms:>9.1f}"
                f"{TARGET_MS:>8.0f}{r.median_ms / TARGET_MS:>9.2f}x{r.median_ms / floor:>9.1f}x"
            )


# The child: fill, then time


def weighted(rng: random.Random, pairs: list[tuple[str, int]], k: int) -> list[str]:
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights, k=k)


class Instance:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.rng = random.Random(13)
        self.samples: dict[str, str] = {}

    def fill(self) -> str:
        from django.db import connection, transaction
        from django.utils import timezone

        from flagdesk.accounts.models import TotpDevice, User
        from flagdesk.cases.access import minors_phenomena
        from flagdesk.cases.models import Case, Item
        from flagdesk.cases.priority import compute
        from flagdesk.core.weburls import url_key
        from flagdesk.intake.models import Report
        from flagdesk.matching.models import ItemSignal
        from flagdesk.notices.models import Notice
        from flagdesk.platforms.models import Platform

        started = time.monotonic()
        rng = self.rng
        n = self.args.items
        now = timezone.now()
        self.analyst = User.objects.create_user("ana", role="analyst", minors_clearance=True)
        self.intake = User.objects.create_user("ivo", role="intake")
        colleagues = [self.analyst, self.intake] + [
            User.objects.create_user(f"staff{i}", role="analyst", minors_clearance=True)
            for i in range(8)
        ]
        self.devices = {
            u.pk: TotpDevice.objects.create(user=u, name="authenticator", confirmed=True)
            for u in (self.analyst, self.intake)
        }
        platforms = Platform.objects.bulk_create(
            Platform(name=f"Platform {i:02d}", slug=f"platform-{i:02d}") for i in range(20)
        )
        self.samples["platform"] = platforms[3].slug
        phenomena = weighted(rng, PHENOMENA, n)
        statuses = weighted(rng, STATUSES, n)
        minors = minors_phenomena()
        fields = {f.name: f for f in Item._meta.fields}
        fields["created_at"].auto_now_add = False  # reported over 30 days, not all now
        try:
            with transaction.atomic():
                cases: list[Case] = []
                items: list[Item] = []
                i = 0
                while i < n:
                    case = Case(has_minor_depicted=rng.random() < 0.01)
                    cases.append(case)
                    for _ in range(min(rng.choice((1, 1, 1, 2, 3)), n - i)):
                        platform = platforms[rng.randrange(len(platforms))]
                        url = f"https://p{platform.slug[-2:]}.test/u/{i // 7}/post/{i}"
                        created = now - timedelta(seconds=rng.randrange(30 * 86400))
                        minor = case.has_minor_depicted or phenomena[i] in minors
                        p = compute(
                            reported_at=created,
                            phenomenon=phenomena[i],
                            involves_minor=minor,
                            virality=0,
                        )
                        items.append(
                            Item(
                                case=case,
                                url=url,
                                normalised_url=url,
                                url_key=url_key(url),
                                platform=platform,
                                status=statuses[i],
                                phenomenon=phenomena[i],
                                created_at=created,
                                priority_at=p.due_at,
                                involves_minor=minor,
                                assignee=rng.choice(colleagues) if rng.random() < 0.2 else None,
                                assigned_at=now if rng.random() < 0.2 else None,
                            )
                        )
                        i += 1
                Case.objects.bulk_create(cases, batch_size=2000)
                Item.objects.bulk_create(items, batch_size=2000)
                by_case: dict[Any, list[Item]] = {}
                for item in items:
                    by_case.setdefault(item.case_id, []).append(item)
                reports = [
                    Report(
                        case=case,
                        role="witness",
                        phenomenon=by_case[case.pk][0].phenomenon,
                        receipt_code_hash="0" * 64,
                        victim_age_band="13-17" if rng.random() < 0.01 else "",
                    )
                    for case in cases
                ]
                Report.objects.bulk_create(reports, batch_size=2000)
                links = [
                    Report.items.through(report_id=report.pk, item_id=item.pk)
                    for report in reports
                    for item in by_case[report.case_id]
                ]
                viral = [item for item in items if rng.random() < 0.05]
                seconds = Report.objects.bulk_create(
                    [
                        Report(case_id=item.case_id, role="witness", receipt_code_hash="0" * 64)
                        for item in viral
                    ],
                    batch_size=2000,
                )
                links += [
                    Report.items.through(report_id=r.pk, item_id=item.pk)
                    for r, item in zip(seconds, viral, strict=True)
                ]
                Report.items.through.objects.bulk_create(links, batch_size=5000)
                for item in viral:
                    item.virality = 1
                    item.priority_at = compute(
                        reported_at=item.created_at,
                        phenomenon=item.phenomenon,
                        involves_minor=item.involves_minor,
                        virality=1,
                    ).due_at
                Item.objects.bulk_update(viral, ["virality", "priority_at"], batch_size=2000)
                hashed = [item for item in items if rng.random() < 0.2]
                signals = []
                for item in hashed:
                    digest = hashlib.sha256(str(item.pk).encode()).hexdigest()
                    pdq = hashlib.sha256(digest.encode()).hexdigest()
                    signals += [
                        ItemSignal(item=item, signal_type="sha256", value=digest,
                                   value_key=digest, source="intake"),
                        ItemSignal(item=item, signal_type="pdq", value=pdq, value_key=pdq,
                                   quality=90, source="intake"),
                    ]  # fmt: skip
                ItemSignal.objects.bulk_create(signals, batch_size=5000)
                approved = [item for item in items if item.status == "approved"][:2000]
                notices = [
                    Notice(
                        platform_id=item.platform_id,
                        status="queued",
                        channel_kind="email",
                        recipient="dsa@bench.test",
                        sender="notices@bench.test",
                        language="en",
                        subject="Notice",
                        body="Notice.",
                        message_id=f"<{uuid.uuid4().hex}@bench.test>",
                        created_by=self.analyst,
                    )
                    for item in approved
                ]
                Notice.objects.bulk_create(notices, batch_size=2000)
                Notice.items.through.objects.bulk_create(
                    [
                        Notice.items.through(notice_id=notice.pk, item_id=item.pk)
                        for notice, item in zip(notices, approved, strict=True)
                    ],
                    batch_size=5000,
                )
                restricted = [c for c in cases if rng.random() < 0.01]
                Case.restricted_to.through.objects.bulk_create(
                    Case.restricted_to.through(case_id=c.pk, user_id=colleagues[2].pk)
                    for c in restricted
                )
        finally:
            fields["created_at"].auto_now_add = True
        # Samples to search for: in the middle of the data, in the analyst's scope.
        hidden = {c.pk for c in restricted}
        reach = [it for it in items if it.case_id not in hidden and not it.involves_minor]
        sample = reach[len(reach) // 2]
        self.samples |= {
            "url": sample.url,
            "host prefix": sample.url.rsplit("/post/", 1)[0],
            "case": sample.case.reference,
            "report": next(r.reference for r in reports if r.case_id == sample.case_id),
            "notice": notices[len(notices) // 2].reference,
            "hash": signals[len(signals) // 2].value_key,
        }
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # both databases: plans from the real row counts
        return (
            f"filled {len(items)} items in {len(cases)} cases, {len(reports) + len(seconds)} "
            f"reports, {len(signals)} hashes, {len(notices)} notices in "
            f"{time.monotonic() - started:.0f} s"
        )

    def client(self, user: Any) -> Any:
        from django.test import Client
        from django_otp import DEVICE_ID_SESSION_KEY

        from flagdesk.accounts.services.twofactor import AUTH_AT

        client = Client()
        client.force_login(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = self.devices[user.pk].persistent_id
        session[AUTH_AT] = time.time()
        session.save()
        return client

    def timed(self, name: str, run: Callable[[], object], baseline: str = "") -> Row:
        run()  # warm-up
        seconds = []
        for _ in range(self.args.repeats):
            started = time.perf_counter()
            run()
            seconds.append((time.perf_counter() - started) * 1000)
        seconds.sort()
        p95 = seconds[min(len(seconds) - 1, round(0.95 * (len(seconds) - 1)))]
        return Row(name, statistics.median(seconds), p95, baseline)

    def show_queries(self, client: Any, path: str) -> None:
        """One line per page: its queries and the slowest with its plan (``--verbose``)."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client.get(path)
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            client.get(path)
            total = (time.perf_counter() - started) * 1000
        queries = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))
        in_db = sum(float(q["time"]) for q in queries) * 1000
        print(f"GET {path}: {total:.0f} ms, {len(queries)} queries, {in_db:.0f} ms in them")
        if self.args.verbose:
            for q in queries[:3]:
                print(f"  {float(q['time']) * 1000:.1f} ms  {q['sql'][:300]}")
                if q["sql"].startswith("SELECT") and float(q["time"]) > 0.005:
                    explain = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
                    with connection.cursor() as cursor:
                        cursor.execute(explain + q["sql"])
                        for line in cursor.fetchall():
                            print("     ", " | ".join(str(c) for c in line))
            import cProfile
            import io
            import pstats

            profile = cProfile.Profile()
            profile.runcall(client.get, path)
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(25)
            print("\n".join("  " + line for line in out.getvalue().splitlines()[6:40]))

    def measure(self) -> list[Row]:
        from django.utils import timezone

        from flagdesk.cases.models import Item
        from flagdesk.workbench import queries

        analyst, intake = self.client(self.analyst), self.client(self.intake)

        def get(client: Any, path: str, params: dict[str, str] | None = None) -> Callable[[], Any]:
            def run() -> Any:
                response = client.get(path, params or {})
                if response.status_code != 200:
                    raise RuntimeError(f"GET {path} answered {response.status_code}")
                return response

            return run

        everything = queries.queue(self.analyst, queries.QueueFilters(), now=timezone.now())
        _page, cursor = queries.page_after(everything, None)
        assert cursor is not None
        after = f"{cursor[0].isoformat()}~{cursor[1]}"
        everything = queries.queue(self.analyst, queries.QueueFilters(), now=timezone.now())
        _page, cursor = queries.page_after(everything, None)
        assert cursor is not None  # 100,000 items fill more than a page
        after = f"{cursor[0].isoformat()}~{cursor[1]}"
        self.show_queries(analyst, "/staff/workbench/")
        self.show_queries(intake, "/staff/workbench/")
        if self.args.verbose:
            self.show_queries(analyst, f"/staff/workbench/?overdue=on&after={after}")
            self.show_queries(analyst, "/staff/workbench/search?q=" + self.samples["notice"])
            self.show_queries(analyst, "/staff/workbench/search?q=" + self.samples["host prefix"])
        rows = [
            self.timed(
                "bare SELECT of 50 items (platform, case)",
                lambda: list(
                    Item.objects.select_related("platform", "case").order_by("priority_at", "id")[
                        :50
                    ]
                ),
                baseline="floor",
            ),
            self.timed("old queue /staff/ (counts every item)", get(analyst, "/staff/"), "old"),
            self.timed("workbench, first page (analyst)", get(analyst, "/staff/workbench/")),
            self.timed(
                "workbench, one platform, unassigned",
                get(
                    analyst,
                    "/staff/workbench/",
                    {"platform": self.samples["platform"], "who": "unassigned"},
                ),
            ),
            self.timed(
                "workbench, next page (keyset)",
                get(analyst, "/staff/workbench/", {"after": after}),
            ),
            self.timed(
                "workbench, overdue only", get(analyst, "/staff/workbench/", {"overdue": "on"})
            ),
            self.timed(
                "workbench, first page (uncleared intake officer)",
                get(intake, "/staff/workbench/"),
            ),
            self.timed(
                "counters alone (one query)",
                lambda: queries.counters(self.analyst, now=timezone.now()),
            ),
        ]
        for kind in ("url", "host prefix", "case", "report", "notice", "hash"):
            text = self.samples[kind]
            found = queries.search(self.analyst, text)
            if not found.items:
                raise RuntimeError(f"searching the {kind} {text} found nothing")
            rows.append(
                self.timed(
                    f"search page: {kind}", get(analyst, "/staff/workbench/search", {"q": text})
                )
            )
        return rows


def child(args: argparse.Namespace) -> int:
    os.environ["DJANGO_SETTINGS_MODULE"] = "flagdesk.settings"
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    instance = Instance(args)
    print(instance.fill(), flush=True)
    rows = instance.measure()
    print(json.dumps([asdict(row) for row in rows]))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="sqlite")
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_POSTGRES_URL", ""),
        help="a PostgreSQL server to create a throwaway database on (else scripts/pg-test.sh)",
    )
    parser.add_argument("--verbose", action="store_true", help="print each page's slowest queries")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    if args.postgres_url and args.backend == "sqlite":
        args.backend = "both"
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    started = time.monotonic()
    results = {backend: run_backend(backend, args) for backend in backends}
    print_table(results, args)
    print(f"whole run {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
