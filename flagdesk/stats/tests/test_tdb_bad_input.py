"""Hostile or broken dump files: clear errors, nothing half-stored."""

from __future__ import annotations

import io
import tracemalloc
import zipfile

import pytest

from flagdesk.stats.models import TdbImport, TdbMonthly, TdbStatement
from flagdesk.stats.tdb.importing import import_dump
from flagdesk.stats.tdb.reading import MAX_RATIO

from .tdb_dumps import bare_csv, csv_bytes, daily_zip, statement

pytestmark = pytest.mark.django_db


def failed(imp: TdbImport, *words: str) -> None:
    assert imp.status == TdbImport.Status.FAILED
    assert imp.finished_at is not None
    assert all(w in imp.error for w in words), imp.error
    assert not TdbMonthly.objects.filter(tdb_import=imp).exists()
    assert not TdbStatement.objects.filter(tdb_import=imp).exists()


def test_a_file_that_is_no_zip_and_no_csv_is_refused(tmp_path, platform):
    path = tmp_path / "dump.zip"
    path.write_bytes(b"%PDF-1.7 not a dump")
    failed(import_dump(path), "not a ZIP")


def test_a_zip_bomb_is_refused_before_it_is_inflated(tmp_path, platform):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("statements.csv", b"\0" * (60 * 1024 * 1024))  # ~1000:1
    failed(import_dump(path), "ZIP bomb")


def test_a_bomb_inside_a_part_is_stopped_while_streaming(tmp_path, platform):
    """An inner part written with its sizes after the data declares nothing: the ratio is
    checked on the bytes as they come, and memory stays small."""
    inner = io.BytesIO()

    class Unseekable(io.RawIOBase):
        def writable(self) -> bool:
            return True

        def write(self, b: bytes) -> int:  # type: ignore[override]
            inner.write(b)
            return len(b)

    with zipfile.ZipFile(Unseekable(), "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        with z.open("part.csv", "w") as f:
            f.write(csv_bytes([statement()]))
            line = b"x" * 9_999 + b"\n"  # rows of another shape, skipped: only size counts
            for _ in range(64):
                f.write(line * 105)
    path = tmp_path / "sor-global-2026-11-05-full.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as outer:
        outer.writestr("part.csv.zip", inner.getvalue())
    tracemalloc.start()
    try:
        imp = import_dump(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    failed(imp, "ZIP bomb", str(MAX_RATIO))
    assert peak < 32 * 1024 * 1024


def test_formulas_and_html_in_cells_are_bad_rows_never_stored(tmp_path, notified):
    notified("p1")
    rows = [
        statement(puid="p1", category='=HYPERLINK("http://evil.test","x")'),
        statement(puid="<script>alert(1)</script>"),
        statement(source_type="<b>SOURCE_TRUSTED_FLAGGER</b>"),
        statement(decision_visibility='["+cmd|calc"]'),
        statement(),
    ]
    imp = import_dump(bare_csv(tmp_path / "x.csv", rows))
    assert (imp.status, imp.rows_bad, imp.rows_kept) == ("done", 4, 1)
    assert not TdbStatement.objects.exists()
    assert set(TdbMonthly.objects.values_list("category", flat=True)) == {
        "STATEMENT_CATEGORY_CYBER_VIOLENCE"
    }


def test_absurd_field_lengths_fail_the_import_with_a_clear_error(tmp_path, platform):
    huge = statement(decision_facts="x" * 300_000)
    failed(import_dump(bare_csv(tmp_path / "x.csv", [statement(), huge])), "x.csv", "longer")


def test_a_long_puid_is_a_bad_row(tmp_path, platform):
    imp = import_dump(bare_csv(tmp_path / "x.csv", [statement(puid="a" * 501)]))
    assert (imp.rows_bad, imp.bad_lines) == (1, ["x.csv:2 puid not a content id"])


def test_a_file_in_another_encoding_fails_naming_the_part(tmp_path, platform):
    text = csv_bytes([statement(decision_facts="Décision")]).decode().encode("utf-16")
    path = tmp_path / "sor-global-2026-11-06-full.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("p-00000.csv", text)
    failed(import_dump(path), "p-00000.csv", "UTF-8")


def test_a_csv_without_header_fails_naming_the_missing_columns(tmp_path, platform):
    body = csv_bytes([statement()]).split(b"\r\n", 1)[1]
    path = tmp_path / "x.csv"
    path.write_bytes(body)
    failed(import_dump(path), "uuid", "platform_name")


def test_an_empty_file_fails(tmp_path, platform):
    path = tmp_path / "x.csv"
    path.write_bytes(b"")
    failed(import_dump(path), "empty")


def test_a_broken_part_after_good_ones_keeps_nothing(tmp_path, notified, monkeypatch):
    """The first part's statement is written before the second part turns out broken; the
    failure removes it, and the counts say how far the import got."""
    monkeypatch.setattr("flagdesk.stats.tdb.importing.BATCH", 1)
    notified("kept1")
    good = daily_zip(tmp_path / "good.zip", [[statement(puid="kept1")]])
    path = tmp_path / "sor-global-2026-11-07-full.zip"
    with zipfile.ZipFile(good) as g, zipfile.ZipFile(path, "w") as z:
        [part] = g.namelist()
        z.writestr("sor-global-2026-11-07-full-00000.csv.zip", g.read(part))
        whole = g.read(part)
        z.writestr("sor-global-2026-11-07-full-00001.csv.zip", whole[: len(whole) // 2])
    imp = import_dump(path)
    failed(imp)
    assert imp.error
    assert (imp.rows_read, imp.rows_kept) == (1, 1)
    assert not TdbStatement.objects.exists()


def test_a_zip_without_csv_is_refused(tmp_path, platform):
    path = tmp_path / "x.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.txt", "hello")
    failed(import_dump(path), "no CSV")


def test_the_import_reads_a_large_dump_in_bounded_memory(tmp_path, notified):
    """200,000 statements, ours among them: memory stays far below the dump's size."""
    notified("big1")
    rows_per_part = 50_000
    parts = [
        (
            statement(
                uuid=f"00000000-0000-4000-8000-{part:04d}{n:08d}",
                puid="big1" if (part, n) == (3, 49_996) else f"p{n}",
                platform_name="Example Social" if n % 4 == 0 else "Someone Else",
            )
            for n in range(rows_per_part)
        )
        for part in range(4)
    ]
    path = daily_zip(tmp_path / "sor-global-2026-11-08-full.zip", parts)
    size = len(csv_bytes([statement()])) * 200_000  # the CSV text, about 150 MB
    tracemalloc.start()
    try:
        imp = import_dump(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert imp.status == "done", imp.error
    assert (imp.rows_read, imp.rows_kept, imp.rows_skipped) == (200_000, 50_000, 150_000)
    assert imp.statements_stored == 1
    assert peak < 40 * 1024 * 1024 < size
