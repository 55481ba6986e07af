"""What issue 11's protections cost: the keyed audit chain, need-to-know and the second factor.

    .venv/bin/python bench/trust.py [--backend sqlite|postgres|both] [--runs 5]
                                    [--appends 500] [--entries 20000] [--cases 2500]
                                    [--items 5000] [--queries 20] [--requests 40]

Per backend (a temp SQLite file; a throwaway PostgreSQL cluster from scripts/pg-test.sh,
stopped at the end), a fresh instance: temp FLAGDESK_VAR_DIR and FLAGDESK_KEY_DIR, migrate and
createcachetable, then one child process with Django set up for it measures four things, each
against a baseline timed in the same run, back to back (the order swapped every other run):

1. audit append: ``audit.services.record`` (HMAC-SHA256 keyed chain, the chain lock, ``seq``
   assigned by the service) against the pre-issue-11 append: the same row with a plain
   SHA-256 (scheme 1), the last row read ``select_for_update``; one commit per entry, and
   --appends entries in one commit (the commit no longer hides the rest);
2. audit verify: ``verify_chain()`` (what ``flagdesk audit verify`` runs) over --entries keyed
   entries and a signed checkpoint of them, against reading the same rows with ``.iterator()``
   and computing nothing (the floor);
3. need-to-know on the queue: ``cases.queries.item_queue(user)`` (role, then
   ``access.item_scope``'s EXISTS subqueries) against the role-only query
   ``Item.objects.select_related("platform", "case")``, same order, over --items items in
   --cases cases, some restricted to named staff, some involving minors; for a cleared analyst
   and an uncleared intake officer; the first page (``views.PAGE_SIZE`` rows) and the count
   the paginator runs, each timed on its own;
4. a staff page: Django's test client GETs ``/staff/`` (the queue, over the data of 3) for a
   logged-in analyst past the second factor, against the same with django-otp's
   ``OTPMiddleware`` and ``StaffSessionMiddleware`` removed from MIDDLEWARE.

Each of --runs runs gives one figure per side; the table shows the median and the range,
``cost``: the median of the per-run ratios of time per operation (measured / baseline, so
1.50x = half as much again), and ``extra``: the median added time per operation. Speed is
never asserted; the exit status is non-zero only if a check fails (a broken chain, a scope
that hides nothing, a page that is not a 200).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"

sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

SECOND_FACTOR_MIDDLEWARE = (
    "django_otp.middleware.OTPMiddleware",
    "flagdesk.accounts.middleware.StaffSessionMiddleware",
)


@dataclass
class Row:
    """One measure: seconds per operation of each run, for it and for its baseline."""

    measure: str
    baseline: str
    unit: str  # "entries/s", "ms/query", ...: how time per operation is shown
    measured_s: list[float] = field(default_factory=list)
    baseline_s: list[float] = field(default_factory=list)
    note: str = ""


def shown(unit: str, seconds: float) -> float:
    """Seconds per operation in the row's unit: a rate, or milliseconds."""
    return seconds * 1000 if unit.startswith("ms") else 1 / seconds


# The parent: one fresh instance and one child process per backend, the table


def instance_env(database_url: str, tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLAGDESK_")}
    env.update(
        FLAGDESK_DATABASE_URL=database_url,
        FLAGDESK_VAR_DIR=str(tmp / "var"),
        FLAGDESK_KEY_DIR=str(tmp / "keys"),  # the audit and field keys: never the checkout's
        FLAGDESK_DEBUG="false",
        FLAGDESK_LOG_LEVEL="WARNING",
    )
    return env


def run_backend(backend: str, args: argparse.Namespace) -> list[Row]:
    from intake import postgres_database, prepare_database, sqlite_database

    tmp = Path(tempfile.mkdtemp(prefix=f"flagdesk-bench-trust-{backend}-"))
    try:
        database = sqlite_database(tmp) if backend == "sqlite" else postgres_database()
        with database as url:
            env = instance_env(url, tmp)
            prepare_database(env)
            argv = [str(VENV_BIN / "python"), __file__, "--child", *child_options(args)]
            done = subprocess.run(
                argv, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True, check=False
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"the {backend} run failed ({done.returncode})")
    for line in lines[:-1]:
        print(f"{backend}: {line}")  # the checks' figures
    return [Row(**row) for row in json.loads(lines[-1])]


def child_options(args: argparse.Namespace) -> list[str]:
    names = ("runs", "appends", "entries", "cases", "items", "queries", "requests")
    return [f"--{name}={getattr(args, name)}" for name in names]


def print_table(results: dict[str, list[Row]], args: argparse.Namespace) -> None:
    from machine_info import machine_line

    header = ("db", "measure", "unit", "value", "min-max", "baseline", "min-max", "cost", "extra")
    lines = [header]
    for backend, rows in results.items():
        for row in rows:
            value = [shown(row.unit, s) for s in row.measured_s]
            base = [shown(row.unit, s) for s in row.baseline_s]
            ratios = [m / b for m, b in zip(row.measured_s, row.baseline_s, strict=True)]
            extra = [m - b for m, b in zip(row.measured_s, row.baseline_s, strict=True)]
            lines.append(
                (
                    backend,
                    row.measure,
                    row.unit,
                    number(statistics.median(value)),
                    f"{number(min(value))}-{number(max(value))}",
                    number(statistics.median(base)),
                    f"{number(min(base))}-{number(max(base))}",
                    f"{statistics.median(ratios):.2f}x",
                    duration(statistics.median(extra)),
                )
            )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    print()
    for line in lines:
        cells = [
            cell.ljust(w) if i in (1, 2) else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(line, widths, strict=True))
        ]
        print("  ".join(cells).rstrip())
    print()
    legend = {row.measure: row for rows in results.values() for row in rows}
    for row in legend.values():
        print(f"  {row.measure}: baseline = {row.baseline}{row.note}")
    print(f"runs {args.runs} (median shown) · {machine_line()}")


def number(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.2f}"


def duration(seconds: float) -> str:
    sign = "+" if seconds >= 0 else "-"
    magnitude = abs(seconds)
    if magnitude >= 1e-3:
        return f"{sign}{magnitude * 1e3:.2f} ms"
    return f"{sign}{magnitude * 1e6:.1f} us"


# The child: Django set up on the fresh instance; prints the rows as JSON on its last line


def jit_set(jit: bool, measure: Callable[[], float]) -> Callable[[], float]:
    """``measure`` with PostgreSQL's JIT turned off for the session unless ``jit``."""
    if jit:
        return measure

    def run() -> float:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SET jit = off")
        try:
            return measure()
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET jit")

    return run


def timed(operation: Callable[[], object], count: int) -> float:
    """Seconds per operation over ``count`` calls."""
    started = time.perf_counter()
    for _ in range(count):
        operation()
    return (time.perf_counter() - started) / count


def compare(
    row: Row,
    runs: int,
    measured: Callable[[], float],
    baseline: Callable[[], float],
) -> Row:
    """``runs`` pairs of figures, baseline first in even runs and last in odd ones, so a
    machine that slows down or warms up during a pair does not favour one side."""
    for run in range(runs):
        if run % 2 == 0:
            row.baseline_s.append(baseline())
            row.measured_s.append(measured())
        else:
            row.measured_s.append(measured())
            row.baseline_s.append(baseline())
    return row


class Instance:
    """The fresh instance's users and data, made fast (bulk inserts where services would
    take minutes), and the four measures."""

    def __init__(self, args: argparse.Namespace) -> None:
        from flagdesk.accounts.models import TotpDevice, User

        self.args = args
        self.analyst = User.objects.create_user(
            "alice", email="alice@bench.test", role="analyst", minors_clearance=True
        )
        self.intake = User.objects.create_user("ian", email="ian@bench.test", role="intake")
        self.coordinator = User.objects.create_user(
            "carol", email="carol@bench.test", role="coordinator", minors_clearance=True
        )
        self.device = TotpDevice.objects.create(
            user=self.analyst, name="authenticator", confirmed=True
        )

    # 1. Audit append

    def audit_append(self) -> list[Row]:
        from django.db import transaction
        from django.utils import timezone

        from flagdesk.audit.models import LEGACY_SCHEME, AuditEntry
        from flagdesk.audit.services import GENESIS, record

        actor, count = self.analyst, self.args.appends

        def entry_content(i: int) -> dict[str, Any]:
            return {
                "action": "report.revealed",
                "target": f"report:{i:08d}",
                "reason": "Checking the reporter's contact before a notice",
                "data": {"fields": ["reporter_name", "reporter_email"], "case": f"C-{i:06d}"},
            }

        appended = iter(range(10**9))

        def keyed() -> object:
            return record(actor=actor, **entry_content(next(appended)))

        def legacy() -> object:
            # record() as it was before issue 11 (commit e8a854f), on today's model: the last
            # row read with SELECT ... FOR UPDATE (whole row), a SHA-256 of the content, one
            # insert. `seq` was the database's then; the column is no longer an autoincrement,
            # so it is last + 1 from the row just read, as record() does. save(force_insert=
            # True) is what AppendOnly allows. These rows share the table with the keyed ones
            # (an unkeyed row after keyed ones would fail verify; the table is emptied before
            # the verify measure), so both sides append to a table of the same size.
            with transaction.atomic():
                last = AuditEntry.objects.select_for_update().order_by("-seq").first()
                entry = AuditEntry(
                    seq=(last.seq if last else 0) + 1,
                    scheme=LEGACY_SCHEME,
                    created_at=timezone.now(),
                    actor=actor,
                    prev_hash=last.entry_hash if last else GENESIS,
                    **entry_content(next(appended)),
                )
                entry.entry_hash = entry.compute_hash()
                entry.save(force_insert=True)
                return entry

        def batched(append: Callable[[], object]) -> Callable[[], float]:
            """Every append of the run in one transaction: the commit, which dominates one
            append on its own, is paid once, and what is left is the lock, read, hash and
            insert of each (as when an action records several entries)."""

            def run() -> float:
                with transaction.atomic():
                    return timed(append, count)

            return run

        for _ in range(20):  # warm-up: the audit key read, statements prepared
            keyed()
            legacy()
        return [
            compare(
                Row(
                    "audit append: record(), 1 commit each",
                    "pre-issue-11 append (SELECT FOR UPDATE, SHA-256, insert)",
                    "entries/s",
                ),
                self.args.runs,
                lambda: timed(keyed, count),
                lambda: timed(legacy, count),
            ),
            compare(
                Row(
                    f"audit append: record(), {count} per commit",
                    "the same pre-issue-11 appends, one commit",
                    "entries/s",
                ),
                self.args.runs,
                batched(keyed),
                batched(legacy),
            ),
        ]

    # 2. Audit verify

    def audit_verify(self) -> Row:
        from flagdesk.audit.models import AuditEntry
        from flagdesk.audit.services import take_checkpoint, verify_chain

        count = self.args.entries
        self.fill_chain(count)
        checkpoint = take_checkpoint()  # a real instance has one; verify compares with it
        assert checkpoint is not None and checkpoint.count == count

        def verify() -> float:
            started = time.perf_counter()
            check = verify_chain()
            elapsed = time.perf_counter() - started
            if not check.is_intact or check.checked != count:
                raise RuntimeError(f"verify_chain: {check}")
            return elapsed / count

        def read_only() -> float:
            started = time.perf_counter()
            read = sum(1 for _ in AuditEntry.objects.order_by("seq").iterator(chunk_size=2000))
            elapsed = time.perf_counter() - started
            assert read == count
            return elapsed / count

        return compare(
            Row(
                f"audit verify: verify_chain(), {count:,} entries",
                ".iterator() over the same rows, nothing computed",
                "entries/s",
                note=" (verify also compares with a signed checkpoint of the chain)",
            ),
            self.args.runs,
            verify,
            read_only,
        )

    def fill_chain(self, count: int) -> None:
        """An intact keyed chain of ``count`` entries, made as ``record`` would make them but
        inserted 1,000 at a time; the append measure's rows are dropped first."""
        from django.db import connection
        from django.utils import timezone

        from flagdesk.audit.keys import audit_key
        from flagdesk.audit.models import HMAC_SCHEME, AuditEntry
        from flagdesk.audit.services import GENESIS

        # AuditEntry refuses deletes (AppendOnly): this throwaway instance's table is emptied
        # in SQL, as only someone with database access could.
        table = connection.ops.quote_name(AuditEntry._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - the model's own table name
        key, previous, batch = audit_key(), GENESIS, []
        start = timezone.now() - timedelta(days=30)
        actions = ("report.revealed", "user.login", "evidence.opened", "case.exported")
        for seq in range(1, count + 1):
            entry = AuditEntry(
                seq=seq,
                scheme=HMAC_SCHEME,
                created_at=start + timedelta(seconds=seq * 0.1),
                actor_id=self.analyst.pk,
                action=actions[seq % len(actions)],
                target=f"report:{seq:08d}",
                reason="Checking the reporter's contact before a notice" if seq % 2 else "",
                data={"fields": ["reporter_name", "reporter_email"], "n": seq},
                prev_hash=previous,
            )
            entry.entry_hash = previous = entry.compute_hash(key=key)
            batch.append(entry)
            if len(batch) == 1000:
                AuditEntry.objects.bulk_create(batch)
                batch = []
        AuditEntry.objects.bulk_create(batch)

    # 3. Need-to-know on the queue

    def fill_cases(self) -> str:
        """--cases cases of --items // --cases items each, one report per case: 1 case in 10
        restricted to named staff (half of them naming the analyst), 1 in 40 each with a minor
        depicted, with a child-protection phenomenon, with a reporter saying the victim is
        13-17. Returns what each user may see, for the log."""
        from django.db import connection

        from flagdesk.cases.models import Case, Item
        from flagdesk.intake.models import Report
        from flagdesk.platforms.models import Platform

        cases_n, per_case = self.args.cases, max(1, self.args.items // self.args.cases)
        platforms = [
            Platform.objects.create(name=f"Bench platform {k}", slug=f"bench-{k}") for k in range(5)
        ]
        cases = [Case(has_minor_depicted=i % 40 == 3) for i in range(cases_n)]
        Case.objects.bulk_create(cases, batch_size=500)
        named = [
            Case.restricted_to.through(
                case_id=case.pk,
                user_id=(self.analyst if i % 20 == 5 else self.coordinator).pk,
            )
            for i, case in enumerate(cases)
            if i % 10 == 5
        ]
        Case.restricted_to.through.objects.bulk_create(named)
        statuses = ("new", "assessing", "awaiting_review", "approved", "notified", "closed")
        phenomena = ("ncii", "cyber_harassment", "doxing", "gender_hate_speech", "sextortion")
        items, reports, links = [], [], []
        for i, case in enumerate(cases):
            report = Report(
                case=case,
                receipt_code_hash=hashlib.sha256(f"receipt {i}".encode()).hexdigest(),
                role="witness",
                phenomenon=phenomena[i % len(phenomena)],
                victim_age_band="13-17" if i % 40 == 29 else ("25-34", "18-24", "")[i % 3],
            )
            reports.append(report)
            for k in range(per_case):
                url = f"https://bench-{k % 5}.test/p/{i}/{k}"
                item = Item(
                    case=case,
                    url=url,
                    normalised_url=url,
                    url_key=hashlib.sha256(url.encode()).hexdigest(),
                    platform=platforms[(i + k) % 5],
                    status=statuses[(i * per_case + k) % len(statuses)],
                    phenomenon="csam" if i % 40 == 17 else phenomena[(i + k) % len(phenomena)],
                )
                items.append(item)
                links.append(Report.items.through(report_id=report.pk, item_id=item.pk))
        Item.objects.bulk_create(items, batch_size=500)
        Report.objects.bulk_create(reports, batch_size=500)
        Report.items.through.objects.bulk_create(links, batch_size=1000)
        if connection.vendor == "postgresql":
            # Autovacuum would have analysed tables of this size long before anyone queried
            # them in production; bulk inserts a second ago have no statistics yet.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        from flagdesk.cases.queries import item_queue

        seen = {
            name: item_queue(user).count()
            for name, user in (("cleared analyst", self.analyst), ("uncleared intake", self.intake))
        }
        return f"{len(items):,} items in {cases_n:,} cases; the queue shows " + ", ".join(
            f"{name} {n:,}" for name, n in seen.items()
        )

    def queue_scope(self) -> list[Row]:
        from django.db import connection

        from flagdesk.cases.models import Item
        from flagdesk.cases.queries import item_queue
        from flagdesk.cases.views import PAGE_SIZE

        def role_only() -> Any:
            return Item.objects.select_related("platform", "case").order_by("created_at")

        total = role_only().count()
        rows = []
        who = [("cleared analyst", self.analyst, True), ("uncleared intake", self.intake, True)]
        if connection.vendor == "postgresql":
            # PostgreSQL's JIT compiles a query whose estimated cost passes jit_above_cost;
            # the scope's subqueries push the count's estimate there. Both sides without it.
            who.append(("uncleared intake, jit=off", self.intake, False))
        for name, user, jit in who:
            visible = item_queue(user).count()
            if not 0 < visible < total:
                raise RuntimeError(f"{name} sees {visible} of {total} items: the scope is off")
            if len(list(item_queue(user)[:PAGE_SIZE])) != PAGE_SIZE:
                raise RuntimeError("the first page is not full")

            def page(queryset: Callable[[], Any], jit: bool = jit) -> Callable[[], float]:
                return jit_set(
                    jit, lambda: timed(lambda: list(queryset()[:PAGE_SIZE]), self.args.queries)
                )

            def count(queryset: Callable[[], Any], jit: bool = jit) -> Callable[[], float]:
                return jit_set(jit, lambda: timed(lambda: queryset().count(), self.args.queries))

            def scoped(user: Any = user) -> Any:
                return item_queue(user)

            rows.append(
                compare(
                    Row(f"queue page ({PAGE_SIZE} rows), {name}", "role-only query", "ms/query"),
                    self.args.runs,
                    page(scoped),
                    page(role_only),
                )
            )
            rows.append(
                compare(
                    Row(f"queue count, {name}", "role-only count", "ms/query"),
                    self.args.runs,
                    count(scoped),
                    count(role_only),
                )
            )
        return rows

    # 4. A staff page with the second-factor middleware

    def staff_page(self) -> Row:
        from django.conf import settings
        from django.db import connection
        from django.test import Client, override_settings
        from django.test.utils import CaptureQueriesContext
        from django_otp import DEVICE_ID_SESSION_KEY

        from flagdesk.accounts.services.twofactor import AUTH_AT

        without = [m for m in settings.MIDDLEWARE if m not in SECOND_FACTOR_MIDDLEWARE]
        assert len(without) == len(settings.MIDDLEWARE) - 2, "MIDDLEWARE changed: update me"

        def logged_in() -> Client:
            client = Client()
            client.force_login(self.analyst)
            # As tests' StaffClient does: the session has passed the second factor.
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = self.device.persistent_id
            session[AUTH_AT] = time.time()
            session.save()
            return client

        def get(client: Client) -> None:
            response = client.get("/staff/")
            if response.status_code != 200:
                raise RuntimeError(f"GET /staff/ answered {response.status_code}")

        def queries(client: Client) -> list[str]:
            with CaptureQueriesContext(connection) as captured:
                get(client)
            return [q["sql"].split(" ", 1)[0] for q in captured.captured_queries]

        verified = logged_in()
        with override_settings(MIDDLEWARE=without):
            plain = logged_in()  # its handler loads the shorter chain at its first request
            get(plain)
            fewer = queries(plain)
        get(verified)
        more = queries(verified)
        added = Counter(more) - Counter(fewer)
        print(
            f"GET /staff/: {len(more)} queries, {len(fewer)} without the two middleware "
            f"(added: {', '.join(f'{n} {verb}' for verb, n in sorted(added.items())) or 'none'})",
            flush=True,
        )

        def with_middleware() -> float:
            return timed(lambda: get(verified), self.args.requests)

        def without_middleware() -> float:
            with override_settings(MIDDLEWARE=without):
                return timed(lambda: get(plain), self.args.requests)

        return compare(
            Row(
                "GET /staff/, test client",
                "OTPMiddleware and StaffSessionMiddleware removed",
                "requests/s",
            ),
            self.args.runs,
            with_middleware,
            without_middleware,
        )


def child(args: argparse.Namespace) -> int:
    os.environ["DJANGO_SETTINGS_MODULE"] = "flagdesk.settings"
    import django

    django.setup()
    instance = Instance(args)
    rows = [*instance.audit_append(), instance.audit_verify()]
    print(instance.fill_cases(), flush=True)
    rows += instance.queue_scope()
    rows.append(instance.staff_page())
    print(json.dumps([asdict(row) for row in rows]))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--runs", type=int, default=5, help="pairs of figures per measure")
    parser.add_argument("--appends", type=int, default=500, help="entries appended per run")
    parser.add_argument("--entries", type=int, default=20000, help="entries verified")
    parser.add_argument("--cases", type=int, default=2500)
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--queries", type=int, default=20, help="queries per run")
    parser.add_argument("--requests", type=int, default=40, help="page requests per run")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    started = time.monotonic()
    results = {backend: run_backend(backend, args) for backend in backends}
    print_table(results, args)
    print(f"whole run {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
