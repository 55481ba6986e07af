"""Statistics at national-hotline scale: the annual report and the dashboard on 1M items.

    .venv/bin/python bench/stats.py [--items 1000000] [--seed 22] [--jobs 2] [--year 2025]
                                    [--postgres URL|auto] [--keep DIR] [--reuse DIR]
                                    [--runs 3] [--page-runs 15] [--budget 120] [--explain N]
                                    [--no-fail] [--generate-only] [--quick]

The issue's targets, on PostgreSQL: the annual report (art. 22(3) DSA) as JSON or CSV within
10 s, as PDF within 30 s, the statistics dashboard within 1 s. Figures are aggregated in the
database, so what is measured here is how the queries scale with three years of a national
hotline's work.

1. A throwaway instance: temp ``FLAGDESK_VAR_DIR``/``FLAGDESK_KEY_DIR``, a PostgreSQL
   database (``--postgres URL``: a server on which a throwaway database is created and
   dropped; ``auto``, the default: a cluster from scripts/pg-test.sh, stopped at the end),
   migrated, with its cache table.
2. The generator (a child process with Django set up): the organisation and its designation,
   12 staff, 30 fictional platforms (``Platform 07 (fictional)``, URLs on ``pNN.example``)
   through the ORM; then the work of 2024-2026 in chunks of cases, each chunk generated from
   its own seed (so the data only depends on ``--seed`` and ``--items``, not on ``--jobs``)
   and written with PostgreSQL ``COPY`` by ``--jobs`` processes, one transaction per chunk:
   cases (about 4.3 items each) with their reports (channels, reporter roles, the reporter's
   guesses of age band and gender; 13 % of cases reported twice), CaseFacts for a third of the
   cases (age, gender, school level, sextortion demands, grooming meetings), assessments with
   four-eyes reviews (phenomena and TDB categories from the taxonomy), notices to the
   platforms (one per case and platform; ~70 % of items notified), acknowledgements and
   decisions with each platform's own speed and habits (removed, restricted, geo-blocked,
   refused, no action, still pending), reminders, re-notices of refused items with their
   own answers, corrected decisions, and every step's ``CaseEvent`` (about 11 per item). Steps
   that would fall after the run's "now" did not happen yet: the recent items are still open.
   Plain indexes of the large tables are dropped during the load and built again after it;
   ``VACUUM ANALYZE`` at the end, as autovacuum would have done on a live database.
3. The harness (a second child, in-process): as a coordinator past the second factor through
   Django's test client, the dashboard (``stats:dashboard``) with its default filters and
   filtered by one platform and one phenomenon (--page-runs each, after a warm-up, with the
   number of queries per request); the annual report of ``--year`` (a full year) through
   ``call_command("annual_report", ...)`` as JSON, CSV, HTML and PDF, and through
   ``GET /api/v1/stats/annual-report`` with a bearer token (--runs each, after a warm-up).
   The warm-up's queries are counted; a measurement stops repeating (after one timed run)
   once it took ``--budget`` seconds. Whatever is not in this checkout yet is listed as
   "not available".
   ``--explain N`` prints ``EXPLAIN (ANALYZE, BUFFERS)`` of the N slowest queries of each
   dashboard request and of the JSON report, to find missing indexes.

``--keep DIR`` keeps the generated instance (and its cluster) after the run and writes DIR/
instance.json; ``--reuse DIR`` measures that instance again without generating (the cluster
is left running; stop it with ``scripts/pg-test.sh stop <pg_dir>`` as printed).
``--quick``: 5,000 items, 1 run, 3 page runs: a smoke run of the whole chain.

The table: measurement, median and p90 in seconds, the target, median/target, the verdict and
queries per request. The exit status is non-zero when a measured median misses its target
(``--no-fail``: print only) or a request fails; "not available" rows never fail the run.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import hashlib
import json
import math
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

UTC = dt.UTC
START = dt.datetime(2024, 1, 1, tzinfo=UTC).timestamp()
# The generated history ends here; what would happen later has not happened yet.
NOW = dt.datetime(2026, 12, 1, tzinfo=UTC).timestamp()
HOUR = 3600.0
DAY = 86400.0
CHUNK_ITEMS = 20_000
NULL = "\\N"  # COPY's NULL
PLATFORMS = 30
DESIGNATED_ON = dt.date(2024, 3, 1)
DESIGNATED = ["csam", "csam_ai_generated", "grooming", "sexting_minor", "ncii",
              "sexual_deepfake", "sextortion"]  # fmt: skip

# Targets (seconds) from the issue; None: measured, no target.
TARGETS: dict[str, float | None] = {
    "annual report JSON": 10.0,
    "annual report CSV": 10.0,
    "annual report HTML": None,
    "annual report PDF": 30.0,
    "annual report API (JSON)": 10.0,
    "dashboard, default filters (cached)": 1.0,
    "dashboard, default filters (computed)": 1.0,
    "dashboard, one platform (cached)": 1.0,
    "dashboard, one platform (computed)": 1.0,
    "dashboard, one phenomenon (cached)": 1.0,
    "dashboard, one phenomenon (computed)": 1.0,
    "dashboard, platform + phenomenon (cached)": 1.0,
    "dashboard, platform + phenomenon (computed)": 1.0,
}

# A national hotline's mix: child sexual abuse material first, then image-based abuse.
PHENOMENA = [("csam", 30), ("ncii", 18), ("sextortion", 10), ("cyber_harassment", 8),
             ("sexual_deepfake", 6), ("gender_hate_speech", 6), ("csam_ai_generated", 3),
             ("grooming", 3), ("sexting_minor", 3), ("doxing", 3), ("cyberstalking", 3),
             ("cyberflashing", 2), ("incitement_violence_gender", 2), ("other", 3)]  # fmt: skip
CHANNELS = [("web", 60), ("email", 15), ("api", 8), ("phone", 7), ("import", 5),
            ("referral", 5)]  # fmt: skip
ROLES = [("witness", 55), ("victim", 20), ("professional", 12), ("parent", 10), ("other", 3)]
GUESS_GENDER = [("", 40), ("female", 40), ("male", 15), ("unknown", 4), ("non_binary", 1)]
LANGUAGES = [("nl", 55), ("fr", 38), ("de", 2), ("en", 5)]
# Items per case: most reports name one URL, imports and referrals many.
ITEMS_PER_CASE = [(1, 45), (2, 15), (3, 10), (4, 5), (5, 5), (6, 5), (8, 4), (11, 3), (15, 3),
                  (20, 2), (28, 2), (40, 1)]  # fmt: skip
MINOR_PHENOMENA = {"csam", "csam_ai_generated", "grooming", "sexting_minor"}
SCHOOL = [(6, "preschool"), (12, "primary"), (18, "secondary"), (23, "higher")]
# Decisions beyond the platform's own removal share: (decision, weight).
OTHER_DECISIONS = [("restricted", 3), ("geo_blocked", 4), ("disabled", 2), ("demoted", 1),
                   ("account_suspended", 1), ("refused", 9), ("no_action", 4)]  # fmt: skip
OUTCOME = {
    "removed": "removed",
    "disabled": "restricted",
    "restricted": "restricted",
    "geo_blocked": "restricted",
    "demoted": "restricted",
    "account_suspended": "restricted",
    "refused": "refused",
    "no_action": "refused",
}


# The parent: instance, children, table


@dataclass
class Row:
    measure: str
    seconds: list[float] = field(default_factory=list)
    queries: int | None = None
    status: str = ""  # "", "not available: ...", "failed: ..."

    @property
    def median(self) -> float:
        return statistics.median(self.seconds) if self.seconds else math.nan

    @property
    def p90(self) -> float:
        if not self.seconds:
            return math.nan
        ordered = sorted(self.seconds)
        return ordered[min(len(ordered) - 1, math.ceil(0.9 * len(ordered)) - 1)]


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
def postgres(spec: str, keep: bool) -> Iterator[tuple[str, str]]:
    """(database URL, pg-test cluster directory or "") for a throwaway database."""
    from intake import postgres_database

    if spec == "auto":
        if keep:  # started here, left running for --reuse
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
            yield exports["FLAGDESK_DATABASE_URL"].strip("'"), exports["PG_TEST_DIR"].strip("'")
        else:
            with postgres_database() as url:
                yield url, ""
        return
    from workbench import given_postgres

    if keep:
        import uuid

        import psycopg

        name = f"flagdesk_bench_stats_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(spec, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        yield f"{spec.rpartition('/')[0]}/{name}", ""
        return
    with given_postgres(spec) as url:
        yield url, ""


def run_child(env: dict[str, str], mode: str, args: argparse.Namespace) -> list[str]:
    argv = [str(VENV_BIN / "python"), __file__, f"--child={mode}", *args.child_argv]
    done = subprocess.run(argv, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True, check=False)
    lines = done.stdout.rstrip("\n").splitlines()
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"the {mode} child failed ({done.returncode})")
    for line in lines[:-1]:
        print(line, flush=True)
    return lines


def verdict(row: Row) -> tuple[str, float | None]:
    target = TARGETS.get(row.measure)
    if row.status:
        return row.status, target
    if target is None:
        return "no target", None
    return ("ok" if row.median <= target else "MISSED"), target


def print_table(rows: list[Row], facts: dict[str, Any], args: argparse.Namespace) -> bool:
    """The table; True if a target was missed or a request failed."""
    from machine_info import machine_line

    print()
    print(machine_line(*facts.get("libraries", [])))
    print(facts.get("summary", ""))
    print(
        f"report year {args.year}; {args.runs} report runs and {args.page_runs} page runs "
        "after a warm-up; seconds"
    )
    header = (
        f"{'measurement':<34}{'median':>9}{'p90':>9}{'target':>8}{'ratio':>8}"
        f"{'queries':>9}{'runs':>6}  verdict"
    )
    print(header)
    print("-" * len(header))
    bad = False
    for row in rows:
        text, target = verdict(row)
        bad |= text == "MISSED" or text.startswith("failed")
        if row.seconds:
            median, p90 = f"{row.median:9.3f}", f"{row.p90:9.3f}"
        else:
            median = p90 = f"{'-':>9}"
        ratio = f"{row.median / target:7.2f}x" if target and row.seconds else f"{'-':>8}"
        queries = f"{row.queries:>9}" if row.queries is not None else f"{'-':>9}"
        print(
            f"{row.measure:<34}{median}{p90}{(f'{target:g}' if target else '-'):>8}{ratio}"
            f"{queries}{len(row.seconds):>6}  {text}"
        )
    return bad


def parent(args: argparse.Namespace) -> int:
    started = time.monotonic()
    rows: list[Row]
    if args.reuse:
        saved = json.loads((Path(args.reuse) / "instance.json").read_text())
        env = instance_env(saved["database_url"], Path(args.reuse))
        args.year = args.year or 2025
        lines = run_child(env, "measure", args)
    else:
        keep = Path(args.keep).resolve() if args.keep else None
        if keep:
            keep.mkdir(parents=True, exist_ok=True)
            tmp = keep
        else:
            tmp = Path(tempfile.mkdtemp(prefix="flagdesk-bench-stats-"))
        try:
            with postgres(args.postgres, keep is not None) as (url, pg_dir):
                env = instance_env(url, tmp)
                for command in (["migrate", "--noinput", "-v", "0"], ["createcachetable"]):
                    subprocess.run(
                        [str(VENV_BIN / "flagdesk"), *command], env=env, check=True, timeout=900
                    )
                print(f"migrated in {time.monotonic() - started:.0f} s", flush=True)
                run_child(env, "generate", args)
                if keep:
                    (keep / "instance.json").write_text(
                        json.dumps({"database_url": url, "pg_dir": pg_dir}, indent=2) + "\n"
                    )
                    print(f"kept: bench/stats.py --reuse {keep}", flush=True)
                    if pg_dir:
                        print(f"stop it with: scripts/pg-test.sh stop {pg_dir}", flush=True)
                if args.generate_only:
                    return 0
                lines = run_child(env, "measure", args)
        finally:
            if not keep:
                shutil.rmtree(tmp, ignore_errors=True)
    result = json.loads(lines[-1])
    rows = [Row(**r) for r in result["rows"]]
    bad = print_table(rows, result["facts"], args)
    print(f"whole run {time.monotonic() - started:.0f} s")
    return 1 if bad and not args.no_fail else 0


# The generator


def pick(rng: random.Random, pairs: list[tuple[Any, int]]) -> Callable[[], Any]:
    """A fast weighted draw: cumulative weights, one bisect per draw."""
    values = [v for v, _w in pairs]
    cumulative = []
    total = 0
    for _v, w in pairs:
        total += w
        cumulative.append(total)

    def draw() -> Any:
        return values[bisect.bisect_right(cumulative, rng.random() * total)]

    return draw


def ts(t: float) -> str:
    return dt.datetime.fromtimestamp(t, UTC).isoformat()


def day(t: float) -> str:
    return dt.datetime.fromtimestamp(t, UTC).date().isoformat()


ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def reference(prefix: str, n: int) -> str:
    """``C-0000-01AB``: the n-th reference, unique by construction (the real ones are random)."""
    chars = []
    for _ in range(8):
        n, r = divmod(n, 32)
        chars.append(ALPHABET[r])
    body = "".join(reversed(chars))
    return f"{prefix}-{body[:4]}-{body[4:]}"


# Columns written per table, by model field name; checked against the models at start, so a
# new NOT NULL column makes the generator stop with its name instead of a COPY error.
COLUMNS: dict[str, list[str]] = {
    "cases.Case": ["id", "reference", "has_minor_depicted", "legal_hold", "legal_hold_reason",
                   "created_at"],
    "cases.Item": ["id", "case", "url", "normalised_url", "url_key", "platform", "status",
                   "phenomenon", "identifiers", "created_at", "updated_at", "priority_at",
                   "involves_minor", "virality"],
    "cases.CaseFacts": ["case", "victim_age", "school_level", "victim_gender", "demand_money",
                        "demand_images", "demand_other", "meeting_sought", "recorded_by",
                        "updated_at"],
    "cases.Assessment": ["id", "item", "author", "verdict", "phenomenon", "tdb_category",
                         "keywords", "legal_bases", "reasons", "content_type", "content_types",
                         "minor_depicted", "facts_on", "created_at"],
    "cases.Review": ["id", "assessment", "reviewer", "is_approved", "comment", "created_at"],
    "cases.CaseEvent": ["id", "case", "item", "kind", "before", "after", "actor", "note", "data",
                        "created_at"],
    "intake.Report": ["id", "reference", "receipt_code_hash", "case", "channel", "language",
                      "role", "phenomenon", "description", "is_anonymous", "reporter_name",
                      "reporter_email", "reporter_phone", "victim_age_band", "victim_gender",
                      "has_consented", "created_at", "reporter_email_index",
                      "reporter_phone_index"],
    "intake.Report.items": ["report", "item"],
    "notices.Notice": ["id", "reference", "platform", "kind", "previous", "status",
                       "channel_kind", "channel_config", "recipient", "sender", "language",
                       "is_trusted_flagger", "is_anonymous", "designations", "subject", "body",
                       "payload", "message_id", "created_by", "created_at", "queued_at",
                       "sent_at", "acknowledged_at", "decided_at", "platform_reference",
                       "reason", "approved_by", "approved_at"],
    "notices.Notice.items": ["notice", "item"],
    "notices.NoticeResponse": ["id", "notice", "kind", "decision", "received_at",
                               "platform_reference", "statement", "recorded_by", "source",
                               "created_at"],
    "notices.ItemDecision": ["id", "response", "notice", "item", "decision", "ground",
                             "territorial_scope", "is_automated", "redress", "statement_id",
                             "decided_at", "corrects", "recorded_by", "created_at"],
}  # fmt: skip
# Load order (foreign keys are checked at each chunk's commit, or not at all as a superuser).
ORDER = list(COLUMNS)


def table_layout() -> dict[str, tuple[str, list[str]]]:
    """{key: (db table, db columns)} from the models; raises on a NOT NULL column we miss."""
    from django.apps import apps
    from django.db.models import NOT_PROVIDED

    layout = {}
    for key, names in COLUMNS.items():
        parts = key.split(".")
        model = apps.get_model(parts[0], parts[1])
        if len(parts) == 3:
            through = model._meta.get_field(parts[2]).remote_field.through
            fields = {f.name: f for f in through._meta.concrete_fields}
            rename = {names[0]: parts[1].lower(), names[1]: "item"}
            cols = [fields[rename[n]].column for n in names]
            layout[key] = (through._meta.db_table, cols)
            continue
        fields = {f.name: f for f in model._meta.concrete_fields}
        missing = [
            f.name
            for f in fields.values()
            if f.name not in names and not f.null and f.db_default is NOT_PROVIDED
            and not (f.primary_key and f.get_internal_type() in ("AutoField", "BigAutoField"))
        ]  # fmt: skip
        if missing:
            raise SystemExit(f"{key}: the generator does not fill {', '.join(missing)}")
        layout[key] = (model._meta.db_table, [fields[n].column for n in names])
    return layout


class Chunk:
    """One chunk of cases and everything that happened to them, as COPY text per table."""

    def __init__(self, index: int, items: int, ctx: dict[str, Any]) -> None:
        self.index = index
        self.budget = items
        self.ctx = ctx
        self.rng = random.Random(ctx["seed"] * 1_000_003 + index)
        self.out: dict[str, list[str]] = {key: [] for key in COLUMNS}
        self.serial = 0
        self.counts: dict[str, int] = {}
        self.item_refs: list[list[Any]] = []
        self.pending_notices: list[tuple[Any, ...]] = []
        self.notice_rows: dict[str, tuple[str, str, str]] = {}
        # Each platform's answers other than a removal, drawn from this chunk's generator.
        self.other_decision = [pick(self.rng, OTHER_DECISIONS) for _ in ctx["profiles"]]

    def uid(self) -> str:
        """A time-ordered id (chunk, then a counter, then 40 random bits), as UUIDv7 is:
        the load appends to the primary keys instead of writing all over them, which with
        random ids made the load four times slower per row at 200,000 items than at 50,000
        (the keys outgrow the server's buffers). Only the rows' physical order differs from
        ids made by ``uuid4``; every query reads them through the same indexes."""
        self.serial += 1
        return f"{self.index << 100 | self.serial << 40 | self.rng.getrandbits(40):032x}"

    def ordinal(self) -> int:
        self.serial += 1
        return self.index * 10_000_000 + self.serial

    def event(
        self,
        case: str,
        item: str,
        kind: str,
        at: float,
        *,
        before: str = "",
        after: str = "",
        actor: str = NULL,
        data: str = "{}",
    ) -> None:
        self.out["cases.CaseEvent"].append(
            f"{self.uid()}\t{case}\t{item}\t{kind}\t{before}\t{after}\t{actor}\t\t{data}\t{ts(at)}"
        )

    def status(
        self,
        case: str,
        item: str,
        at: float,
        before: str,
        after: str,
        actor: str = NULL,
        data: str = "{}",
    ) -> None:
        self.event(case, item, "status", at, before=before, after=after, actor=actor, data=data)

    def build(self) -> None:
        rng, ctx = self.rng, self.ctx
        phenomenon_of = pick(rng, PHENOMENA)
        channel_of = pick(rng, CHANNELS)
        role_of = pick(rng, ROLES)
        gender_guess = pick(rng, GUESS_GENDER)
        language_of = pick(rng, LANGUAGES)
        items_of = pick(rng, ITEMS_PER_CASE)
        platform_of = pick(rng, [(i, w) for i, w in enumerate(ctx["platform_weights"])])
        made = 0
        while made < self.budget:
            n = min(items_of(), self.budget - made)
            made += n
            self.case(
                n, phenomenon_of(), channel_of, role_of, gender_guess, language_of, platform_of
            )
        self.counts = {key: len(lines) for key, lines in self.out.items()}

    def case(
        self,
        n: int,
        phenomenon: str,
        channel_of: Callable[[], str],
        role_of: Callable[[], str],
        gender_guess: Callable[[], str],
        language_of: Callable[[], str],
        platform_of: Callable[[], int],
    ) -> None:
        rng, ctx, out = self.rng, self.ctx, self.out
        # More reports every year: density growing ~1.6x over the three years.
        t0 = START + (NOW - 7 * DAY - START) * rng.random() ** 0.8
        case_id = self.uid()
        ordinal = self.ordinal()
        minors = phenomenon in MINOR_PHENOMENA
        channel = channel_of()
        role = role_of()
        if channel in ("import", "referral", "api"):
            role = "professional"
        # The analyst's facts, for a third of the cases (victims and parents more often).
        facts_age: int | None = None
        if rng.random() < (0.6 if role in ("victim", "parent") else 0.25):
            if minors or (phenomenon in ("sextortion", "ncii") and rng.random() < 0.35):
                age = int(rng.triangular(5, 17, 14))
            else:
                age = int(rng.triangular(13, 60, 22))
            facts_age = None if rng.random() < 0.15 else age
            gender = rng.choices(["female", "male", "non_binary", ""], [62, 30, 2, 6])[0]
            school = ""
            if facts_age is not None and rng.random() < 0.7:
                school = next((s for limit, s in SCHOOL if facts_age < limit), "not_in_school")
            sextortion = phenomenon == "sextortion"
            meeting = NULL
            if phenomenon == "grooming":
                meeting = "t" if rng.random() < 0.4 else ("f" if rng.random() < 0.7 else NULL)
            out["cases.CaseFacts"].append(
                f"{case_id}\t{NULL if facts_age is None else facts_age}\t{school}\t{gender}"
                f"\t{'t' if sextortion and rng.random() < 0.7 else 'f'}"
                f"\t{'t' if sextortion and rng.random() < 0.45 else 'f'}"
                f"\t{'t' if sextortion and rng.random() < 0.1 else 'f'}\t{meeting}"
                f"\t{rng.choice(ctx['analysts'])}\t{ts(t0 + rng.uniform(1, 30) * DAY)}"
            )
            if facts_age is not None and facts_age < 18:
                minors = True
            changes = {
                name: {"before": None if name == "victim_age" else "", "after": value}
                for name, value in (("victim_age", facts_age), ("victim_gender", gender),
                                    ("school_level", school))
                if value not in (None, "")
            }  # fmt: skip
            self.event(case_id, NULL, "facts", t0 + DAY, actor=rng.choice(ctx["analysts"]),
                       data=json.dumps({"changes": changes}))  # fmt: skip
        out["cases.Case"].append(
            f"{case_id}\t{reference('C', ordinal)}\t{'t' if minors else 'f'}\tf\t\t{ts(t0)}"
        )
        # Platforms of the case: most cases are about one or two platforms.
        platforms = [platform_of() for _ in range(rng.choice((1, 1, 1, 2, 2, 3)))]
        items = []
        for k in range(n):
            p = platforms[k % len(platforms)] if k else platforms[0]
            item_id = self.uid()
            gi = self.ordinal()
            url = f"https://p{p:02d}.example/{'m' if minors else 'p'}/{gi}"
            created = t0 + k * rng.uniform(0, 20)
            ph = phenomenon if rng.random() < 0.93 else "other"
            items.append([item_id, p, url, created, ph])
        # Reports: one, and a second for 13 % of cases (another reporter, some of the items).
        reports = [(t0, [it[0] for it in items], channel, role)]
        if rng.random() < 0.13:
            later = t0 + rng.expovariate(1 / (3 * DAY))
            subset = [it[0] for it in items if rng.random() < 0.6] or [items[0][0]]
            reports.append((later, subset, channel_of(), role_of()))
        for at, linked, ch, rl in reports:
            report_id = self.uid()
            if minors:
                band = rng.choices(["", "under-13", "13-17", "unknown"], [45, 20, 30, 5])[0]
            else:
                band = rng.choices(
                    ["", "13-17", "18-24", "25-34", "35-49", "50+", "unknown"],
                    [50, 6, 18, 12, 7, 2, 5],
                )[0]
            anonymous = rl not in ("victim", "parent") and rng.random() < 0.7
            out["intake.Report"].append(
                f"{report_id}\t{reference('R', self.ordinal())}\t{'0' * 64}\t{case_id}\t{ch}"
                f"\t{language_of()}\t{rl}\t{phenomenon}\t\t{'t' if anonymous else 'f'}\t\t\t"
                f"\t{band}\t{gender_guess()}\t{'f' if anonymous else 't'}\t{ts(at)}\t\t"
            )
            out["intake.Report.items"].extend(f"{report_id}\t{i}" for i in linked)
        approved_by_platform: dict[int, list[list[Any]]] = {}
        for item in items:
            if self.item_lifecycle(case_id, item, minors):
                approved_by_platform.setdefault(item[1], []).append(item)
        for p, members in approved_by_platform.items():
            self.notice(case_id, p, members, minors)

    def item_lifecycle(self, case_id: str, item: list[Any], minors: bool) -> bool:
        """Intake to review; True if the item was approved to be notified."""
        rng, ctx, out = self.rng, self.ctx, self.out
        item_id, p, url, created, ph = item
        analyst = rng.choice(ctx["analysts"])
        reviewer = rng.choice(ctx["reviewers"])
        self.event(case_id, item_id, "reported", created, after="new", data='{"joined": false}')
        status = "new"
        t = created
        notify = False
        r = rng.random()
        if r < 0.03:
            status = "out_of_scope" if rng.random() < 0.5 else "duplicate"
            t += rng.expovariate(1 / (6 * HOUR))
            self.status(case_id, item_id, t, "new", status, analyst)
        elif t + 2 * HOUR < NOW:
            speed = 0.25 if minors else 1.0
            t += rng.lognormvariate(math.log(4 * HOUR * speed), 1.0)
            if t < NOW:
                self.status(case_id, item_id, t, "new", "assessing", analyst)
                status = "assessing"
                t += rng.lognormvariate(math.log(30 * 60), 0.8)
            if t < NOW and status == "assessing":
                verdict = rng.choices(
                    ["illegal", "not_illegal", "out_of_scope"], [88 if minors else 84, 10, 4]
                )[0]
                assessment_id = self.uid()
                category, keywords, bases = ctx["classification"][(ph, minors)]
                out["cases.Assessment"].append(
                    f"{assessment_id}\t{item_id}\t{analyst}\t{verdict}\t{ph}\t{category}"
                    f"\t{keywords}\t{bases}\t\t\t[]\t{'t' if minors else 'f'}\t{day(created)}"
                    f"\t{ts(t)}"
                )
                self.event(
                    case_id,
                    item_id,
                    "assessed",
                    t,
                    actor=analyst,
                    data=f'{{"assessment": "{assessment_id}", "verdict": "{verdict}", '
                    f'"phenomenon": "{ph}", "minor_depicted": {str(minors).lower()}}}',
                )
                self.status(case_id, item_id, t, "assessing", "awaiting_review", analyst)
                status = "awaiting_review"
                t += rng.lognormvariate(math.log(3 * HOUR * (0.3 if minors else 1)), 1.0)
                if t < NOW:
                    out["cases.Review"].append(
                        f"{self.uid()}\t{assessment_id}\t{reviewer}\tt\t\t{ts(t)}"
                    )
                    self.event(
                        case_id,
                        item_id,
                        "reviewed",
                        t,
                        actor=reviewer,
                        data=f'{{"assessment": "{assessment_id}", "approved": true}}',
                    )
                    status = {"illegal": "approved"}.get(verdict, verdict)
                    self.status(case_id, item_id, t, "awaiting_review", status, reviewer)
                    # Approved, not notified: hosted outside the EU, passed to a partner.
                    notify = status == "approved" and rng.random() < 0.88
        item.extend([status, t, ph])
        priority = created + (HOUR if minors else 24 * HOUR)
        out["cases.Item"].append(
            f"{item_id}\t{case_id}\t{url}\t{url}\t{hashlib.sha256(url.encode()).hexdigest()}"
            f"\t{ctx['platforms'][p]}\t{{status}}\t{ph}\t{{}}\t{ts(created)}\t{{updated}}"
            f"\t{ts(priority)}\t{'t' if minors else 'f'}\t0"
        )
        # Its row's final status and update time are filled in once the case is played.
        ref = [len(out["cases.Item"]) - 1, status, max(t, created)]
        self.item_refs.append(ref)
        item.append(ref)
        return notify

    def finish_item(self, item: list[Any], status: str, at: float) -> None:
        item[5], item[6] = status, max(item[6], at)
        item[8][1], item[8][2] = status, max(item[8][2], at)

    def notice(self, case_id: str, p: int, members: list[list[Any]], minors: bool) -> None:
        """One notice to one platform for the case's approved items there, and what followed."""
        rng, ctx = self.rng, self.ctx
        profile = ctx["profiles"][p]
        approved_at = max(m[6] for m in members)
        queued = approved_at + rng.expovariate(1 / (5 * 60))
        sent = queued + rng.expovariate(1 / 120)
        if sent >= NOW:
            return
        creator = rng.choice(ctx["analysts"])
        notice_id, ref = self.new_notice(
            case_id, p, members, "notice", queued, sent, creator, minors
        )
        for m in members:
            self.status(
                case_id,
                m[0],
                sent,
                "approved",
                "notified",
                data=f'{{"notice": "{notice_id}", "reference": "{ref}"}}',
            )
            self.finish_item(m, "notified", sent)
        acknowledged = decided = NULL
        if rng.random() < profile["ack"]:
            at = sent + rng.lognormvariate(math.log(profile["ack_hours"] * HOUR), 1.0)
            if at < NOW:
                acknowledged = ts(at)
                self.response(notice_id, case_id, members, "acknowledgement", "", at, profile)
        sla = profile["hours"] * HOUR
        answered = rng.random() < profile["decides"]
        decided_t = sent + rng.lognormvariate(math.log(sla * 0.7), 1.1)
        # A reminder for half the notices still unanswered after twice the expected time.
        remind = rng.random() < 0.5 and sent + 2 * sla < NOW
        if answered and decided_t < NOW:
            if remind and decided_t > sent + 2 * sla:
                self.follow_up(
                    case_id,
                    p,
                    members,
                    "reminder",
                    notice_id,
                    sent + 2 * sla,
                    minors,
                    approved=False,
                )
            decisions = self.response(
                notice_id, case_id, members, "decision", "", decided_t, profile
            )
            decided = ts(decided_t)
            for m, decision_id, decision in decisions:
                if decision in ("refused", "no_action") and rng.random() < 0.2:
                    # Contested: a re-notice (four eyes) a few days later; half are removed.
                    at = decided_t + rng.uniform(1, 7) * DAY
                    if at < NOW:
                        rid = self.follow_up(
                            case_id, p, [m], "renotice", notice_id, at, minors, approved=True
                        )
                        answer = at + rng.lognormvariate(math.log(sla), 1.0)
                        if answer < NOW and rng.random() < 0.5:
                            self.response(rid, case_id, [m], "decision", "removed", answer, profile)
                elif rng.random() < 0.01:
                    # The platform corrected its decision later (the first one stays).
                    at = decided_t + rng.uniform(1, 20) * DAY
                    if at < NOW:
                        new = "removed" if decision != "removed" else "restricted"
                        self.response(
                            notice_id,
                            case_id,
                            [m],
                            "decision",
                            new,
                            at,
                            profile,
                            corrects=decision_id,
                        )
        elif remind:
            self.follow_up(
                case_id, p, members, "reminder", notice_id, sent + 2 * sla, minors, approved=False
            )
        status = (
            "decided" if decided != NULL else ("acknowledged" if acknowledged != NULL else "sent")
        )
        self.notice_rows[notice_id] = (status, acknowledged, decided)

    def new_notice(
        self,
        case_id: str,
        p: int,
        members: list[list[Any]],
        kind: str,
        queued: float,
        sent: float,
        creator: str,
        minors: bool,
        *,
        previous: str = NULL,
        approver: str = NULL,
    ) -> tuple[str, str]:
        ctx = self.ctx
        notice_id = self.uid()
        ref = reference("N", self.ordinal())
        is_tf = sent >= ctx["designated_at"] and any(m[7] in DESIGNATED for m in members)
        self.pending_notices.append(
            (notice_id, ref, p, kind, previous, queued, sent, creator, is_tf, approver)
        )
        self.notice_rows[notice_id] = ("sent", NULL, NULL)
        self.out["notices.Notice.items"].extend(f"{notice_id}\t{m[0]}" for m in members)
        data = (
            f'{{"notice": "{notice_id}", "reference": "{ref}", "trusted_flagger": '
            f'{str(is_tf).lower()}, "anonymous": false}}'
        )
        sent_data = f'{{"notice": "{notice_id}", "reference": "{ref}", "channel": "email"}}'
        for m in members:
            self.event(case_id, m[0], "notice_queued", queued, actor=creator, data=data)
            self.event(case_id, m[0], "notice_sent", sent, data=sent_data)
        return notice_id, ref

    def follow_up(
        self,
        case_id: str,
        p: int,
        members: list[list[Any]],
        kind: str,
        previous: str,
        at: float,
        minors: bool,
        *,
        approved: bool,
    ) -> str:
        rng, ctx = self.rng, self.ctx
        creator = rng.choice(ctx["analysts"])
        approver = rng.choice(ctx["reviewers"]) if approved else NULL
        notice_id, _ref = self.new_notice(
            case_id,
            p,
            members,
            kind,
            at,
            at + 60,
            creator,
            minors,
            previous=previous,
            approver=approver,
        )
        for m in members:
            self.event(
                case_id,
                m[0],
                "follow_up",
                at,
                actor=creator,
                data=f'{{"notice": "{notice_id}", "kind": "{kind}"}}',
            )
        return notice_id

    def response(
        self,
        notice_id: str,
        case_id: str,
        members: list[list[Any]],
        kind: str,
        forced: str,
        at: float,
        profile: dict[str, Any],
        *,
        corrects: str = "",
    ) -> list[tuple[list[Any], str, str]]:
        """A response; for a decision, one ItemDecision per item (some still pending)."""
        rng, out = self.rng, self.out
        response_id = self.uid()
        source = rng.choices(["mail", "staff", "inbound_api"], profile["sources"])[0]
        recorder = rng.choice(self.ctx["analysts"]) if source == "staff" else NULL
        decisions: list[tuple[list[Any], str, str]] = []
        if kind == "decision":
            for m in members:
                if forced:
                    decision = forced
                elif rng.random() < 0.04:
                    continue  # no word on this item yet
                elif rng.random() < profile["removes"]:
                    decision = "removed"
                else:
                    decision = self.other_decision[profile["index"]]()
                decision_id = self.uid()
                decisions.append((m, decision_id, decision))
                scope = '["EU"]' if decision != "geo_blocked" else '["BE"]'
                automated = rng.choice(("t", "f", NULL))
                ground = "illegal" if rng.random() < 0.7 else "terms"
                out["notices.ItemDecision"].append(
                    f"{decision_id}\t{response_id}\t{notice_id}\t{m[0]}\t{decision}\t{ground}"
                    f"\t{scope}\t{automated}\t\t\t{ts(at)}\t{corrects or NULL}\t{recorder}"
                    f"\t{ts(at + 5)}"
                )
                target = OUTCOME[decision]
                before = m[5]
                data = f'{{"notice": "{notice_id}", "item_decision": "{decision_id}"}}'
                if before != target:
                    self.status(case_id, m[0], at, before, target, recorder, data)
                    self.finish_item(m, target, at)
                self.event(
                    case_id,
                    m[0],
                    "decision",
                    at,
                    actor=recorder,
                    data=f'{{"notice": "{notice_id}", "response": "{response_id}", '
                    f'"decision": "{decision}", "ground": "{ground}"}}',
                )
        overall = {d for _m, _i, d in decisions}
        decision_text = overall.pop() if len(overall) == 1 else ""
        out["notices.NoticeResponse"].append(
            f"{response_id}\t{notice_id}\t{kind}\t{decision_text}\t{ts(at)}\t\t\t{recorder}"
            f"\t{source}\t{ts(at + 5)}"
        )
        for m in members:
            self.event(
                case_id,
                m[0],
                "response",
                at,
                actor=recorder,
                data=f'{{"notice": "{notice_id}", "response": "{response_id}", "kind": "{kind}"}}',
            )
        return decisions

    def run(self) -> None:
        self.build()
        self.render_late_rows()
        self.counts = {key: len(lines) for key, lines in self.out.items()}

    def render_late_rows(self) -> None:
        """Rows whose final state is known only once the whole case has been played: the
        items' status and the notices' status and dates."""
        ctx = self.ctx
        # Items: the template left {status} and {updated} to fill.
        items = self.out["cases.Item"]
        for index, status, updated in self.item_refs:
            items[index] = (
                items[index].replace("{status}", status, 1).replace("{updated}", ts(updated), 1)
            )
        for (
            notice_id,
            ref,
            p,
            kind,
            previous,
            queued,
            sent,
            creator,
            is_tf,
            approver,
        ) in self.pending_notices:
            status, acknowledged, decided = self.notice_rows[notice_id]
            designations = ctx["designations"] if is_tf else "[]"
            domain = f"p{p:02d}.example"
            self.out["notices.Notice"].append(
                f"{notice_id}\t{ref}\t{ctx['platforms'][p]}\t{kind}\t{previous}\t{status}\temail"
                f"\t{{}}\tnotices@{domain}\tnotices@hotline.example\tnl"
                f"\t{'t' if is_tf else 'f'}\tf\t{designations}\t{kind.capitalize()} {ref}"
                f"\t(body not generated)\t{{}}\t<{notice_id}@hotline.example>\t{creator}"
                f"\t{ts(queued)}\t{ts(queued)}\t{ts(sent)}\t{acknowledged}\t{decided}"
                f"\t\t\t{approver}\t{NULL if approver == NULL else ts(queued)}"
            )


def copy_chunk(conn: Any, chunk: Chunk, layout: dict[str, tuple[str, list[str]]]) -> None:
    with conn.cursor() as cursor:
        for key in ORDER:
            lines = chunk.out[key]
            if not lines:
                continue
            table, columns = layout[key]
            cols = ", ".join(f'"{c}"' for c in columns)
            with cursor.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
                step = 20_000
                for start in range(0, len(lines), step):
                    copy.write("\n".join(lines[start : start + step]) + "\n")


_WORKER: dict[str, Any] = {}


def worker_init(params: dict[str, Any], layout: dict[str, Any], ctx: dict[str, Any]) -> None:
    import psycopg

    conn = psycopg.connect(**params)
    try:
        conn.execute("SET session_replication_role = replica")  # no FK triggers: superuser
    except psycopg.Error:
        conn.rollback()
    conn.commit()
    _WORKER.update(conn=conn, layout=layout, ctx=ctx)


def worker_chunk(job: tuple[int, int]) -> tuple[dict[str, int], float, float]:
    index, items = job
    started = time.perf_counter()
    chunk = Chunk(index, items, _WORKER["ctx"])
    chunk.run()
    generated = time.perf_counter()
    conn = _WORKER["conn"]
    with conn.transaction():
        copy_chunk(conn, chunk, _WORKER["layout"])
    return chunk.counts, generated - started, time.perf_counter() - generated


def plain_indexes(cursor: Any, tables: list[str]) -> list[tuple[str, str]]:
    """(name, definition) of the indexes of ``tables`` that back no constraint."""
    cursor.execute(
        """
        SELECT i.relname, pg_get_indexdef(i.oid)
        FROM pg_index x
        JOIN pg_class i ON i.oid = x.indexrelid
        JOIN pg_class t ON t.oid = x.indrelid
        WHERE t.relname = ANY(%s)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)
        """,
        [tables],
    )
    return list(cursor.fetchall())


def setup_shared(seed: int) -> dict[str, Any]:
    """Staff, organisation and designation, platforms: through the ORM and its services."""
    from django.contrib.auth import get_user_model

    from flagdesk.core import taxonomy
    from flagdesk.organisation.queries import designation_snapshot
    from flagdesk.organisation.services.designations import (
        DesignationInput,
        current_organisation,
        update_organisation,
    )
    from flagdesk.platforms.models import Platform, PlatformDomain

    rng = random.Random(seed)
    User = get_user_model()
    coordinator = User.objects.create_user(
        "bench-coordinator", role="coordinator", minors_clearance=True
    )
    analysts = [
        User.objects.create_user(f"bench-analyst-{i}", role="analyst", minors_clearance=True)
        for i in range(6)
    ]
    reviewers = [
        User.objects.create_user(f"bench-reviewer-{i}", role="reviewer", minors_clearance=True)
        for i in range(3)
    ]
    for i in range(2):
        User.objects.create_user(f"bench-intake-{i}", role="intake")
    update_organisation(
        actor=coordinator,
        name="Hotline (fictional)",
        email="notices@hotline.example",
        designations=[
            DesignationInput(
                authority="Digital Services Coordinator (fictional)",
                designated_on=DESIGNATED_ON,
                phenomena=DESIGNATED,
            )
        ],
    )
    org = current_organisation()
    snapshot = designation_snapshot(org, on=dt.date(2025, 1, 1), phenomena=set(DESIGNATED))
    categories = list(Platform.Category.values)
    platforms = []
    for i in range(PLATFORMS):
        platform = Platform.objects.create(
            name=f"Platform {i:02d} (fictional)",
            slug=f"platform-{i:02d}",
            category=categories[i % len(categories)],
            legal_entity=f"Platform {i:02d} Europe Ltd (fictional)",
            member_state=rng.choice(["IE", "NL", "LU", "BE", "DE", "CY"]),
            is_vlop=i < 8,
            languages=["en"],
            sla_hours={"default": 24},
        )
        PlatformDomain.objects.create(platform=platform, domain=f"p{i:02d}.example")
        platforms.append(str(platform.pk).replace("-", ""))
    profiles = []
    for i in range(PLATFORMS):
        removes = rng.uniform(0.55, 0.92)
        profiles.append(
            {
                "index": i,
                "ack": rng.uniform(0.5, 0.98),
                "ack_hours": rng.choice((0.2, 1, 4, 12)),
                "decides": rng.uniform(0.8, 0.99),
                "hours": rng.choice((4, 8, 24, 24, 48, 72, 120)),
                "removes": removes,
                "sources": [
                    rng.randint(40, 70),
                    rng.randint(20, 50),
                    60 if i < 5 else rng.randint(0, 5),
                ],
            }
        )
    classification = {}
    phenomena = taxonomy.phenomena()
    for code, _w in PHENOMENA:
        p = phenomena[code]
        bases = json.dumps([b.code for b in p.legal_bases[:2]])
        for minor in (False, True):
            if p.requires_manual_category or not (p.tdb_category or p.minor_switch()):
                category, keywords = "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH", []
            else:
                category, keywords = p.classification(minor_depicted=minor, category="")
            classification[(code, minor)] = (category, json.dumps(keywords), bases)
    return {
        "seed": seed,
        "coordinator": coordinator.pk,
        "analysts": [str(u.pk) for u in analysts],
        "reviewers": [str(u.pk) for u in reviewers],
        "platforms": platforms,
        "platform_weights": [round(1000 / (i + 1) ** 1.1) for i in range(PLATFORMS)],
        "profiles": profiles,
        "classification": classification,
        "designations": json.dumps(snapshot),
        "designated_at": dt.datetime.combine(DESIGNATED_ON, dt.time(), UTC).timestamp(),
    }


def generate(args: argparse.Namespace) -> int:
    import multiprocessing

    from django.db import connection, connections

    started = time.monotonic()
    ctx = setup_shared(args.seed)
    layout = table_layout()
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    tables = sorted({table for table, _cols in layout.values()})
    with connection.cursor() as cursor:
        indexes = plain_indexes(cursor, tables)
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    connections.close_all()
    jobs = []
    left, index = args.items, 0
    while left > 0:
        jobs.append((index, min(CHUNK_ITEMS, left)))
        left -= CHUNK_ITEMS
        index += 1
    totals: dict[str, int] = {}
    cpu_generate = cpu_copy = 0.0
    load_started = time.monotonic()
    # "fork": the workers inherit the set-up Django and the context; each opens its own
    # connection (the parent's was closed above).
    with multiprocessing.get_context("fork").Pool(
        args.jobs, initializer=worker_init, initargs=(params, layout, ctx)
    ) as pool:
        done = 0
        for counts, gen_s, copy_s in pool.imap_unordered(worker_chunk, jobs):
            for key, n in counts.items():
                totals[key] = totals.get(key, 0) + n
            cpu_generate += gen_s
            cpu_copy += copy_s
            done += 1
            if done % 10 == 0 or done == len(jobs):
                rate = totals.get("cases.Item", 0) / (time.monotonic() - load_started)
                print(
                    f"  {done}/{len(jobs)} chunks, {totals.get('cases.Item', 0):,} items, "
                    f"{totals.get('cases.CaseEvent', 0):,} events, {rate:,.0f} items/s",
                    flush=True,
                )
    loaded = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '512MB'")
        for _name, definition in indexes:
            cursor.execute(definition)
    indexed = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    vacuumed = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = cursor.fetchone()[0]
    items = totals.get("cases.Item", 0)
    load_s = loaded - load_started
    print("generated:", ", ".join(f"{k.split('.', 1)[1]} {n:,}" for k, n in totals.items()))
    print(
        f"generator: {items:,} items in {vacuumed - started:.0f} s "
        f"({items / (vacuumed - started):,.0f} items/s overall): shared rows "
        f"{load_started - started:.1f} s, generate+COPY {load_s:.0f} s "
        f"({items / load_s:,.0f} items/s; per job: generating {cpu_generate:.0f} s, "
        f"COPY {cpu_copy:.0f} s), {len(indexes)} indexes {indexed - loaded:.0f} s, "
        f"VACUUM ANALYZE {vacuumed - indexed:.0f} s; database {size}"
    )
    per_item = (vacuumed - started) / max(items, 1)
    print(f"extrapolated for 1,000,000 items: {per_item * 1_000_000 / 60:.1f} min")
    print(json.dumps({"items": items, "seconds": vacuumed - started}))
    return 0


# The harness


class Harness:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.rows: list[Row] = []

    def coordinator(self) -> Any:
        from django.contrib.auth import get_user_model

        from flagdesk.accounts.models import TotpDevice

        user = get_user_model().objects.get(username="bench-coordinator")
        device = TotpDevice.objects.filter(user=user).first() or TotpDevice.objects.create(
            user=user, name="authenticator", confirmed=True
        )
        return user, device

    def client(self) -> Any:
        from django.test import Client
        from django_otp import DEVICE_ID_SESSION_KEY

        from flagdesk.accounts.services.twofactor import AUTH_AT

        user, device = self.coordinator()
        client = Client()
        client.force_login(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session[AUTH_AT] = time.time()
        session.save()
        return client

    def timed(self, name: str, run: Callable[[], Any], runs: int, explain: str = "") -> Row:
        """A warm-up whose queries are counted (and explained), then ``runs`` timed runs, or
        fewer (at least one) once ``--budget`` seconds are spent: a page that takes minutes
        must not hold the run for an hour."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        row = Row(name)
        started = time.monotonic()
        try:
            with CaptureQueriesContext(connection) as captured:
                run()  # warm-up
            row.queries = len(captured.captured_queries)
            for _ in range(runs):
                begin = time.perf_counter()
                run()
                row.seconds.append(time.perf_counter() - begin)
                if time.monotonic() - started > self.args.budget:
                    break
        except Exception as e:  # a failure is a row of the table
            row.status = f"failed: {type(e).__name__}: {str(e)[:120]}"
            return row
        if explain:
            self.explain(explain, captured.captured_queries)
        return row

    def explain(self, label: str, captured: list[dict[str, Any]]) -> None:
        from django.db import connection

        if not self.args.explain:
            return
        slowest = sorted(captured, key=lambda q: -float(q["time"]))[: self.args.explain]
        for q in slowest:
            sql = q["sql"]
            print(f"\n--- {label}: {float(q['time']) * 1000:.1f} ms\n{sql[:2000]}")
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                for (line,) in cursor.fetchall():
                    print("  ", line)

    def dashboard(self) -> None:
        from django.urls import NoReverseMatch, reverse

        names = [n for n in TARGETS if n.startswith("dashboard")]
        try:
            path = reverse("stats:dashboard")
        except NoReverseMatch:
            self.rows += [Row(n, status="not available (no stats:dashboard)") for n in names]
            return
        client = self.client()
        first = client.get(path)
        if first.status_code != 200:
            self.rows += [Row(n, status=f"failed: HTTP {first.status_code}") for n in names]
            return
        page = first.content.decode()
        platform = option_value(page, "platform", "Platform 03") or "platform-03"
        phenomenon = option_value(page, "phenomenon", "ncii", by_value=True) or "ncii"
        variants = {
            "dashboard, default filters": {},
            "dashboard, one platform": {"platform": platform},
            "dashboard, one phenomenon": {"phenomenon": phenomenon},
            "dashboard, platform + phenomenon": {"platform": platform, "phenomenon": phenomenon},
        }
        from django.core.cache import cache

        # The page keeps the figures it computed while the data is unchanged (and the worker
        # recomputes the default view every few minutes): "cached" is what a user sees on a
        # second look, "computed" is every figure computed from scratch (the cache cleared).
        for name, params in variants.items():
            for cold in (False, True):

                def get(params: dict[str, str] = params, cold: bool = cold) -> Any:
                    if cold:
                        cache.clear()
                    response = client.get(path, params)
                    if response.status_code != 200:
                        raise RuntimeError(f"GET {path} {params} answered {response.status_code}")
                    return response

                label = f"{name} ({'computed' if cold else 'cached'})"
                self.rows.append(self.timed(label, get, self.args.page_runs, f"{label} {params}"))

    def annual_report(self) -> None:
        from django.core.management import call_command, get_commands

        formats = {"JSON": "json", "CSV": "csv", "HTML": "html", "PDF": "pdf"}
        if "annual_report" not in get_commands():
            self.rows += [
                Row(f"annual report {f}", status="not available (no annual_report command)")
                for f in formats
            ]
        else:
            out = Path(tempfile.mkdtemp(prefix="flagdesk-bench-report-"))
            try:
                for label, fmt in formats.items():
                    target = out / f"annual-report.{fmt}"

                    def run(fmt: str = fmt, target: Path = target) -> None:
                        call_command(
                            "annual_report",
                            "--year",
                            str(self.args.year),
                            "--format",
                            fmt,
                            "-o",
                            str(target),
                        )
                        if not target.exists() or target.stat().st_size == 0:
                            raise RuntimeError(f"{target.name} was not written")

                    explain = "annual report JSON" if fmt == "json" else ""
                    row = self.timed(f"annual report {label}", run, self.args.runs, explain)
                    if not row.status:
                        print(f"annual report {label}: {target.stat().st_size:,} bytes")
                    self.rows.append(row)
            finally:
                shutil.rmtree(out, ignore_errors=True)
        self.rows.append(self.api_report())

    def api_report(self) -> Row:
        from django.test import Client

        from flagdesk.accounts.services.tokens import issue_token

        name = "annual report API (JSON)"
        path = "/api/v1/stats/annual-report"
        user, _device = self.coordinator()
        token = issue_token(user, name="bench", scope="read")
        client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
        probe = client.get(path, {"year": self.args.year})
        if probe.status_code == 404:
            return Row(name, status=f"not available (GET {path}: 404)")

        def get() -> Any:
            response = client.get(path, {"year": self.args.year})
            if response.status_code != 200:
                raise RuntimeError(f"GET {path} answered {response.status_code}")
            return response

        return self.timed(name, get, self.args.runs)


def option_value(page: str, name: str, wanted: str, *, by_value: bool = False) -> str:
    """The value of the ``<select name=...>`` option whose text (or value) has ``wanted``."""
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S)
    if not select:
        return ""
    for value, text in re.findall(r'<option[^>]*value="([^"]*)"[^>]*>(.*?)</option>', select[1]):
        if wanted in (value if by_value else text):
            return value
    return ""


def measure(args: argparse.Namespace) -> int:
    from importlib.metadata import version

    from django.db import connection

    from flagdesk.cases.models import CaseEvent, Item
    from flagdesk.notices.models import Notice

    year = args.year
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0].split()[0]
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = cursor.fetchone()[0]
    summary = (
        f"PostgreSQL {server}, database {size}: {Item.objects.count():,} items, "
        f"{CaseEvent.objects.count():,} events, {Notice.objects.count():,} notices; "
        f"{Item.objects.filter(created_at__year=year).count():,} items reported in {year}"
    )
    harness = Harness(args)
    harness.dashboard()
    harness.annual_report()
    libraries = [f"Django {version('django')}", f"psycopg {version('psycopg')}"]
    result = {
        "rows": [asdict(r) for r in harness.rows],
        "facts": {"summary": summary, "libraries": libraries},
    }
    print(json.dumps(result))
    return 0


def child(args: argparse.Namespace) -> int:
    os.environ["DJANGO_SETTINGS_MODULE"] = "flagdesk.settings"
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    return generate(args) if args.child == "generate" else measure(args)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=22)
    parser.add_argument("--jobs", type=int, default=2, help="processes generating and loading")
    parser.add_argument("--year", type=int, default=2025, help="the annual report's year")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_POSTGRES_URL", "auto"),
        help="a server to create a throwaway database on, or auto (scripts/pg-test.sh)",
    )
    parser.add_argument("--keep", default="", help="keep the instance in DIR for --reuse")
    parser.add_argument("--reuse", default="", help="measure the instance kept in DIR")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per report format")
    parser.add_argument("--page-runs", type=int, default=15, help="timed runs per page")
    parser.add_argument(
        "--budget", type=float, default=120, help="seconds per measurement before fewer runs"
    )
    parser.add_argument(
        "--explain",
        type=int,
        default=0,
        metavar="N",
        help="EXPLAIN ANALYZE the N slowest queries of each request",
    )
    parser.add_argument("--no-fail", action="store_true", help="exit 0 even if a target is missed")
    parser.add_argument("--generate-only", action="store_true", help="generate, do not measure")
    parser.add_argument("--quick", action="store_true", help="5,000 items, 1 run, 3 page runs")
    parser.add_argument("--child", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick:
        args.items, args.runs, args.page_runs = 5_000, 1, 3
    args.child_argv = [
        f"--items={args.items}",
        f"--seed={args.seed}",
        f"--jobs={args.jobs}",
        f"--year={args.year}",
        f"--runs={args.runs}",
        f"--page-runs={args.page_runs}",
        f"--explain={args.explain}",
        f"--budget={args.budget}",
    ]
    if args.child:
        return child(args)
    return parent(args)


if __name__ == "__main__":
    sys.exit(main())
