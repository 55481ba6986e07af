"""Importing dump files: the three shapes, what is kept and counted, and never twice."""

from __future__ import annotations

import io
import shutil
import zipfile

import pytest

from flagdesk.core.errors import Conflict
from flagdesk.stats.models import TdbImport, TdbMonthly, TdbStatement
from flagdesk.stats.tdb.importing import import_dump

from .tdb_dumps import COLUMNS, bare_csv, csv_bytes, daily_zip, single_zip, statement

pytestmark = pytest.mark.django_db


def monthly() -> dict[tuple[str, str, str, str], int]:
    """The monthly counts of every import, summed."""
    counts: dict[tuple[str, str, str, str], int] = {}
    for m in TdbMonthly.objects.all():
        key = (m.month.strftime("%Y-%m"), m.source_type, m.category, m.action)
        counts[key] = counts.get(key, 0) + m.count
    return counts


def test_a_daily_dump_of_zip_parts_is_counted_per_month_and_our_statements_are_kept(
    tmp_path, notified
):
    item, notice = notified("abc123")
    parts = [
        [
            statement(puid="abc123"),
            statement(platform_name="Unrelated Platform"),
            statement(application_date="2026-10-31", source_type="SOURCE_VOLUNTARY"),
        ],
        [statement(decision_visibility='["DECISION_VISIBILITY_CONTENT_DEMOTED"]')],
    ]
    path = daily_zip(tmp_path / "sor-global-2026-11-03-full.zip", parts)
    imp = import_dump(path)
    assert imp.status == TdbImport.Status.DONE, imp.error
    assert (imp.rows_read, imp.rows_kept, imp.rows_skipped, imp.rows_bad) == (4, 3, 1, 0)
    assert imp.dump_on.isoformat() == "2026-11-03"
    cv = "STATEMENT_CATEGORY_CYBER_VIOLENCE"
    assert monthly() == {
        ("2026-11", "SOURCE_TRUSTED_FLAGGER", cv, "removed"): 1,
        ("2026-11", "SOURCE_TRUSTED_FLAGGER", cv, "restricted"): 1,
        ("2026-10", "SOURCE_VOLUNTARY", cv, "removed"): 1,
    }
    [kept] = TdbStatement.objects.all()
    assert (kept.puid, kept.item_id, kept.notice_id) == ("abc123", item.pk, notice.pk)
    assert kept.link == TdbStatement.Link.LINKED and kept.puid_source == "url"
    assert (imp.statements_stored, imp.statements_linked) == (1, 1)


def test_a_zip_with_one_csv_and_a_bare_csv_are_read_the_same_way(tmp_path, platform):
    rows = [statement(), statement(platform_name="EXAMPLE social")]  # its TDB name, any case
    one = import_dump(single_zip(tmp_path / "platform.zip", rows))
    bare = import_dump(bare_csv(tmp_path / "platform.csv", [statement()]))
    assert (one.status, one.rows_kept) == ("done", 2)
    assert (bare.status, bare.rows_kept) == ("done", 1)
    assert sum(monthly().values()) == 3


def test_extra_columns_are_ignored_and_optional_ones_may_be_missing(tmp_path, platform):
    row = statement(some_future_column="x")
    left_out = ("content_date", "created_at", "automated_decision", "decision_monetary")
    columns = [c for c in (*COLUMNS, "some_future_column") if c not in left_out]
    imp = import_dump(bare_csv(tmp_path / "x.csv", [row], columns=columns))
    assert (imp.status, imp.rows_kept, imp.rows_bad) == ("done", 1, 0)


def test_a_missing_required_column_fails_the_import_naming_it(tmp_path, platform):
    columns = [c for c in COLUMNS if c != "source_type"]
    imp = import_dump(bare_csv(tmp_path / "x.csv", [statement()], columns=columns))
    assert imp.status == TdbImport.Status.FAILED
    assert "source_type" in imp.error
    assert not TdbMonthly.objects.exists()


def test_the_same_file_is_never_counted_twice(tmp_path, platform):
    path = daily_zip(tmp_path / "sor-global-2026-11-03-full.zip", [[statement()]])
    import_dump(path)
    with pytest.raises(Conflict):
        import_dump(path)
    copy = tmp_path / "renamed.zip"
    shutil.copy(path, copy)
    with pytest.raises(Conflict):  # the same bytes under another name
        import_dump(copy)
    light = daily_zip(tmp_path / "sor-global-2026-11-03-light.zip", [[statement()]])
    with pytest.raises(Conflict):  # the same day's other dump holds the same statements
        import_dump(light)
    assert TdbImport.objects.count() == 1
    assert sum(monthly().values()) == 1


def test_a_failed_import_may_be_done_again(tmp_path, platform):
    path = bare_csv(tmp_path / "x.csv", [statement()])
    bad = path.read_bytes()
    path.write_bytes(b"\xff\xfe" + bad)  # not UTF-8
    assert import_dump(path).status == TdbImport.Status.FAILED
    path.write_bytes(bad)
    assert import_dump(path).status == TdbImport.Status.DONE
    path.write_bytes(b"\xff\xfe" + bad)
    assert import_dump(path).status == TdbImport.Status.FAILED  # again: refused no more


def test_a_statement_in_two_files_is_stored_once(tmp_path, notified):
    notified("dup1")
    row = statement(puid="dup1")
    import_dump(bare_csv(tmp_path / "a.csv", [row]))
    import_dump(bare_csv(tmp_path / "b.csv", [row, statement()]))
    assert TdbStatement.objects.count() == 1


def test_parts_with_data_descriptors_are_streamed(tmp_path, platform):
    """Zips written to a pipe put sizes after the data; the inner parts are read forwards."""

    class Pipe(io.RawIOBase):
        def __init__(self) -> None:
            self.data = bytearray()

        def writable(self) -> bool:
            return True

        def write(self, b: bytes) -> int:  # type: ignore[override]
            self.data += b
            return len(b)

    pipe = Pipe()
    with zipfile.ZipFile(pipe, "w", zipfile.ZIP_DEFLATED) as z:
        for n in range(2):
            with z.open(f"part-{n}.csv", "w") as f:
                f.write(csv_bytes([statement() for _ in range(50)]))
    path = tmp_path / "sor-global-2026-11-04-full.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as outer:
        outer.writestr("sor-global-2026-11-04-full-00000.csv.zip", bytes(pipe.data))
    imp = import_dump(path)
    assert (imp.status, imp.rows_kept) == ("done", 100), imp.error


def test_bad_rows_are_counted_with_their_line_and_the_import_goes_on(tmp_path, platform):
    rows = [
        statement(),
        statement(uuid="not-a-uuid"),
        statement(application_date="yesterday"),
        statement(decision_visibility="", decision_account=""),
        statement(),
    ]
    imp = import_dump(bare_csv(tmp_path / "x.csv", rows))
    assert (imp.status, imp.rows_kept, imp.rows_bad) == ("done", 2, 3)
    assert imp.bad_lines == [
        "x.csv:3 uuid not a UUID",
        "x.csv:4 application_date not a date",
        "x.csv:5 no decision",
    ]


def test_an_import_cut_short_long_ago_no_longer_blocks_the_file(tmp_path, platform):
    import datetime as dt

    from django.utils import timezone

    from flagdesk.stats.tdb.importing import file_sha256

    path = bare_csv(tmp_path / "x.csv", [statement()])
    TdbImport.objects.create(file_name="x.csv", sha256=file_sha256(path))  # the process died
    with pytest.raises(Conflict):
        import_dump(path)
    TdbImport.objects.update(started_at=timezone.now() - dt.timedelta(hours=13))
    assert import_dump(path).status == TdbImport.Status.DONE
    assert set(TdbImport.objects.values_list("status", flat=True)) == {"failed", "done"}


def test_only_a_coordinator_imports_and_the_import_is_audited(tmp_path, users, platform):
    from flagdesk.audit.models import AuditEntry
    from flagdesk.core.errors import PermissionDenied

    path = bare_csv(tmp_path / "x.csv", [statement()])
    with pytest.raises(PermissionDenied):
        import_dump(path, actor=users["auditor"])
    imp = import_dump(path, actor=users["coordinator"])
    entry = AuditEntry.objects.get(action="tdb.import")
    assert (entry.actor, entry.target) == (users["coordinator"], f"tdb_import:{imp.pk}")


def test_a_platform_is_known_by_its_tdb_name_else_by_its_name(tmp_path, users, platform):
    from flagdesk.notices.tests.factories import make_platform

    make_platform(users, name="Forum Two", domain="forum2.test")
    rows = [
        statement(platform_name="Social"),  # has a TDB name: its own name is not it
        statement(platform_name="forum two"),
    ]
    imp = import_dump(bare_csv(tmp_path / "x.csv", rows))
    assert (imp.rows_kept, imp.rows_skipped) == (1, 1)
