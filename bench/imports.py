"""Spreadsheet imports: reading, checking and importing 1,000 and 10,000 rows, CSV and XLSX.

    .venv/bin/python bench/imports.py [--rows 1000,10000] [--xlsx-rows 10000] [--runs 3]
                                      [--postgres URL] [--hosts 50]

The issue's target: a 10,000-row CSV imports in <= 30 s (SQLite). For each backend, a child
process gets a throwaway instance (its own FLAGDESK_VAR_DIR and FLAGDESK_KEY_DIR in a temp
dir; SQLite, or with ``--postgres`` a throwaway database on that server, dropped at the end),
migrated once, with one intake officer. Per file (CSV of N rows; XLSX of ``--xlsx-rows``
rows), ``--runs`` times, each on an emptied database:

- ``read``: ``read_sheet`` alone (decode, sniff, parse): the baseline of the row;
- ``preview``: ``preview_import`` (read, check every row, one DNS deadline for all hosts,
  open items looked up by set, the import and its rows stored);
- ``import``: ``start_import(wait=True)``: every row in, chunk by chunk, one report, one case.

Rows are unique URLs on ``--hosts`` host names ``hNN.bench.test``, each with a description and
a post id, the costly case. Host names are looked up through the test resolver, as in
bench/intake.py: no DNS leaves the machine, and every ``*.test`` host has a public
(documentation) address. (``bench_resolver`` answers 127.0.0.1, which intake refuses.)
Columns: medians in seconds; ``total`` = preview + import; ``target`` 30 s; ``ratio`` = total
over the target (below 1 meets it); ``x read`` = total over reading alone; ``ms/row`` = total
per row, comparable between the 1k and 10k rows. Exit status non-zero if a 10k CSV misses 30 s.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
TARGET_SECONDS = 30.0
TARGET_ROWS = 10_000


def csv_file(rows: int, hosts: int, run: str) -> bytes:
    lines = ["url,description,post_id"]
    lines += [
        f"https://h{i % hosts:02d}.bench.test/{run}/p/{i},Seen on the forum (row {i}),p-{i}"
        for i in range(rows)
    ]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")


def xlsx_file(rows: int, hosts: int, run: str) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Links")
    sheet.append(["URL", "Description", "post_id"])
    for i in range(rows):
        sheet.append([f"https://h{i % hosts:02d}.bench.test/{run}/p/{i}", f"Row {i}", f"p-{i}"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def child(args: argparse.Namespace) -> None:
    """Runs in the instance's environment; prints one JSON line per measured file."""
    sys.path.insert(0, str(BENCH))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "flagdesk.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", "--noinput", verbosity=0)
    from flagdesk.accounts.models import Role, User
    from flagdesk.cases.models import Case, CaseEvent, Item
    from flagdesk.intake.imports.reading import read_sheet
    from flagdesk.intake.imports.services import preview_import, start_import
    from flagdesk.intake.models import Import, ImportRow, Report

    officer = User.objects.create_user("bench-intake", password=uuid.uuid4().hex, role=Role.INTAKE)

    def empty() -> None:
        ImportRow.objects.all().delete()
        Import.objects.all().delete()
        Report.items.through.objects.all().delete()
        Report.objects.all().delete()
        # Case events are append-only (their queryset refuses delete()); a bench starts over.
        CaseEvent.objects.all()._raw_delete(CaseEvent.objects.db)
        Item.objects.all().delete()
        Case.objects.all().delete()

    files = [("csv", n) for n in args.rows] + ([("xlsx", args.xlsx_rows)] if args.xlsx_rows else [])
    for fmt, rows in files:
        timings: dict[str, list[float]] = {"read": [], "preview": [], "import": []}
        for _ in range(args.runs):
            tag = uuid.uuid4().hex[:8]
            data = (csv_file if fmt == "csv" else xlsx_file)(rows, args.hosts, tag)
            name = f"bench.{fmt}"
            empty()
            start = time.perf_counter()
            read_sheet(data, name)
            timings["read"].append(time.perf_counter() - start)
            start = time.perf_counter()
            preview = preview_import(data, name, actor=officer)
            timings["preview"].append(time.perf_counter() - start)
            start = time.perf_counter()
            batch = start_import(preview.batch, actor=officer, wait=True)  # type: ignore[arg-type]
            timings["import"].append(time.perf_counter() - start)
            assert batch.status == "done" and batch.counts["new"] == rows, batch.counts
            assert Item.objects.count() == rows
        print(json.dumps({"format": fmt, "rows": rows, **timings}), flush=True)


def run_backend(name: str, database_url: str | None, args: argparse.Namespace) -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="bench-imports-") as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("FLAGDESK_")}
        env |= {
            "FLAGDESK_VAR_DIR": str(Path(tmp) / "var"),
            "FLAGDESK_KEY_DIR": str(Path(tmp) / "keys"),
            "FLAGDESK_URL_RESOLVER": "flagdesk.core.testing.test_resolver",
            "FLAGDESK_DEBUG": "false",
            "PYTHONPATH": os.pathsep.join(
                p for p in (str(ROOT), str(BENCH), os.environ.get("PYTHONPATH", "")) if p
            ),
        }
        if database_url:
            env["FLAGDESK_DATABASE_URL"] = database_url
        command = [sys.executable, __file__, "--child", *sys.argv[1:]]
        done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=tmp)
        if done.returncode:
            sys.stderr.write(done.stdout + done.stderr)
            raise SystemExit(f"{name}: the benchmark child failed")
        return [
            {"backend": name, **json.loads(line)}
            for line in done.stdout.splitlines()
            if line.startswith("{")
        ]


def postgres_database(server_url: str) -> tuple[str, object]:
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    db = f"flagdesk_bench_imports_{uuid.uuid4().hex[:10]}"
    parts = urlsplit(server_url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{db}"')

    def drop() -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')

    return urlunsplit(parts._replace(path=f"/{db}")), drop


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", default="1000,10000", help="CSV sizes, comma separated")
    parser.add_argument("--xlsx-rows", type=int, default=10_000, help="0: no XLSX row")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--postgres", default="", help="a PostgreSQL server URL (optional)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.rows = [int(n) for n in args.rows.split(",") if n.strip()]
    if args.child:
        child(args)
        return 0
    results = run_backend("sqlite", None, args)
    if args.postgres:
        url, drop = postgres_database(args.postgres)
        try:
            results += run_backend("postgresql", url, args)
        finally:
            drop()  # type: ignore[operator]
    from machine_info import machine_line

    print(machine_line())
    header = (
        f"{'backend':<11} {'file':<5} {'rows':>7} {'read s':>7} {'preview s':>9} "
        f"{'import s':>8} {'total s':>7} {'target':>6} {'ratio':>6} {'x read':>7} "
        f"{'ms/row':>7} runs"
    )
    print(header)
    print("-" * len(header))
    missed = False
    for r in results:
        read, preview, imported = (statistics.median(r[k]) for k in ("read", "preview", "import"))
        total = preview + imported
        ratio = total / TARGET_SECONDS
        if r["format"] == "csv" and r["rows"] >= TARGET_ROWS and r["backend"] == "sqlite":
            missed |= total > TARGET_SECONDS
        print(
            f"{r['backend']:<11} {r['format']:<5} {r['rows']:>7} {read:>7.2f} {preview:>9.2f} "
            f"{imported:>8.2f} {total:>7.2f} {TARGET_SECONDS:>6.0f} {ratio:>6.2f} "
            f"{total / read if read else 0:>7.1f} {1000 * total / r['rows']:>7.3f} {len(r['read'])}"
        )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
