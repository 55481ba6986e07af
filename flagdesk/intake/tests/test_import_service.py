"""Checking and importing rows: per-row outcomes, dedupe, one report and case, resuming."""

from __future__ import annotations

import pytest

from flagdesk.cases.models import CaseEvent, Item
from flagdesk.cases.tests.factories import reported_item
from flagdesk.core.errors import Conflict, PermissionDenied
from flagdesk.intake.imports import services
from flagdesk.intake.imports.services import preview_import, run_import, start_import
from flagdesk.intake.models import Import, ImportRow, Report

from .import_files import csv_bytes, many_rows

pytestmark = pytest.mark.django_db


def outcomes(preview):
    return [(r.number, r.outcome) for r in preview.rows]


def test_per_row_outcomes_with_row_numbers_and_reasons(users):
    joined = reported_item("https://social.test/already")
    data = csv_bytes(
        [
            ["url", "phenomenon", "description", "post_id", "posted_at"],
            ["https://social.test/a?utm_source=x", "ncii", "first", "p-1", "2026-01-02T10:00:00"],
            ["https://SOCIAL.test/a", "", "", "", ""],  # the same address once normalised
            ["https://social.test/already", "", "", "", ""],
            ["ftp://social.test/b", "", "", "", ""],
            ["https://private.test/c", "", "", "", ""],
            ["https://social.test/d", "no-such-thing", "", "", ""],
            ["https://social.test/e", "Intimate image abuse", "", "", "yesterday"],
            ["", "ncii", "no address", "", ""],
            ['=HYPERLINK("https://evil.test")', "", "", "", ""],
        ]
    )
    preview = preview_import(data, "list.csv", actor=users["intake"], dry_run=True)
    assert outcomes(preview) == [
        (2, "new"), (3, "duplicate"), (4, "join"), (5, "error"), (6, "error"), (7, "error"),
        (8, "error"), (9, "error"), (10, "error"),
    ]  # fmt: skip
    by_row = {r.number: r for r in preview.rows}
    assert by_row[2].url == "https://social.test/a" and by_row[2].identifiers["post_id"] == "p-1"
    assert "row 2" in by_row[3].message
    assert joined.case.reference in by_row[4].message
    assert "http" in by_row[5].message and "private" in by_row[6].message
    assert "no-such-thing" in by_row[7].message
    assert "Posted at" in by_row[8].message
    assert by_row[10].url.startswith("'=")  # shown neutralised, never as a formula
    assert preview.counts == {"rows": 9, "new": 1, "join": 1, "duplicate": 1, "error": 6}
    assert not Import.objects.exists()  # a dry run stores nothing


def test_labels_are_accepted_as_phenomena(users):
    from flagdesk.core import taxonomy

    label = taxonomy.phenomena()["ncii"].labels["fr"]
    data = csv_bytes([["url", "phénomène"], ["https://social.test/l", label.upper()]])
    [row] = preview_import(data, "x.csv", actor=users["intake"], dry_run=True).rows
    assert (row.outcome, row.phenomenon) == ("new", "ncii")


def test_import_makes_one_report_and_one_case_and_joins_open_items(users):
    joined = reported_item("https://social.test/known")
    data = csv_bytes(
        [
            ["url", "description", "account"],
            ["https://social.test/n1", "posted twice", "@someone"],
            ["https://social.test/known", "", ""],
            ["https://social.test/n2", "", ""],
            ["not a url", "", ""],
        ]
    )
    preview = preview_import(data, "list.csv", actor=users["intake"], phenomenon="ncii")
    batch = start_import(preview.batch, actor=users["intake"])
    assert batch.status == Import.Status.DONE and batch.rows_done == 4
    report = batch.report
    assert report.channel == Report.Channel.IMPORT and report.case == batch.case
    items = {i.url: i for i in report.items.all()}
    assert set(items) == {
        "https://social.test/n1",
        "https://social.test/known",
        "https://social.test/n2",
    }
    assert items["https://social.test/known"].pk == joined.pk  # joined, in its own case
    assert (
        items["https://social.test/n1"].case == batch.case == items["https://social.test/n2"].case
    )
    assert items["https://social.test/n1"].identifiers == {"account": "@someone"}
    assert items["https://social.test/n1"].phenomenon == "ncii"
    assert "posted twice" in report.description
    assert batch.counts["new"] == 2 and batch.counts["join"] == 1 and batch.counts["error"] == 1
    assert not ImportRow.objects.filter(batch=batch).exclude(payload="").exists()
    assert (
        CaseEvent.objects.filter(kind=CaseEvent.Kind.REPORTED, item__in=items.values()).count() == 4
    )
    with pytest.raises(Conflict):
        start_import(batch, actor=users["intake"])


def test_a_killed_worker_resumes_without_duplicates(users, monkeypatch):
    monkeypatch.setattr(services, "CHUNK_ROWS", 40)
    monkeypatch.setattr(services, "INLINE_ROWS", 10)
    data = csv_bytes(many_rows(100))
    preview = preview_import(data, "many.csv", actor=users["intake"])
    batch = start_import(preview.batch, actor=users["intake"])  # queued for the worker
    assert batch.status == Import.Status.IMPORTING and batch.rows_done == 0
    # The worker imports one chunk and dies before the next.
    batch = run_import(batch.pk, max_chunks=1)
    assert batch.rows_done == 40 and Item.objects.count() == 40
    assert ImportRow.objects.filter(batch=batch, item__isnull=False).count() == 40
    # Another worker takes it up, and a third runs it again once done: nothing twice.
    assert run_import(batch.pk).status == Import.Status.DONE
    run_import(batch.pk)
    assert Item.objects.count() == 100 and batch.report.items.count() == 100
    assert CaseEvent.objects.filter(kind=CaseEvent.Kind.REPORTED).count() == 100


def test_a_chunk_that_fails_leaves_nothing_of_itself(users, monkeypatch):
    monkeypatch.setattr(services, "CHUNK_ROWS", 30)
    preview = preview_import(csv_bytes(many_rows(50)), "x.csv", actor=users["intake"])
    Import.objects.filter(pk=preview.batch.pk).update(status=Import.Status.IMPORTING)
    run_import(preview.batch.pk, max_chunks=1)
    # An item of the second chunk is opened by someone else meanwhile: the chunk joins it.
    other = reported_item("https://social.test/p/45")
    batch = run_import(preview.batch.pk)
    assert batch.status == Import.Status.DONE
    row = ImportRow.objects.get(batch=batch, url="https://social.test/p/45")
    assert (row.outcome, row.item_id) == ("join", other.pk)
    assert Item.objects.filter(url="https://social.test/p/45").count() == 1


def test_stalled_imports_are_taken_up_and_old_previews_dropped(users):
    import datetime as dt

    from django.utils import timezone

    stalled = preview_import(csv_bytes(many_rows(3)), "a.csv", actor=users["intake"]).batch
    old = preview_import(csv_bytes(many_rows(3, start=10)), "b.csv", actor=users["intake"]).batch
    Import.objects.filter(pk=stalled.pk).update(status=Import.Status.IMPORTING)
    later = timezone.now() + dt.timedelta(days=2)
    assert services.sweep_imports(now=later) == [str(stalled.pk)]
    assert Import.objects.get(pk=old.pk).status == Import.Status.CANCELLED
    assert not ImportRow.objects.filter(batch=old).exists()


def test_only_intake_roles_may_import(users):
    for role in ("admin", "auditor", "partner", "none"):
        with pytest.raises(PermissionDenied):
            preview_import(csv_bytes(many_rows(1)), "x.csv", actor=users[role], dry_run=True)


def test_a_hundred_thousand_rows_preview_with_a_few_queries(users, django_assert_max_num_queries):
    data = csv_bytes(many_rows(100_000))
    with django_assert_max_num_queries(1_500):  # per batch of rows, none per row
        preview = preview_import(data, "big.csv", actor=users["intake"])
    assert preview.counts["new"] == 100_000
    assert ImportRow.objects.filter(batch=preview.batch).count() == 100_000


def test_a_restricted_case_is_joined_without_being_named(users):
    from flagdesk.cases.services.restriction import restrict_case

    hidden = reported_item("https://social.test/hidden")
    restrict_case(
        hidden.case,
        actor=users["coordinator"],
        staff=[users["coordinator"]],
        reason="Need to know.",
    )
    data = csv_bytes([["url"], ["https://social.test/hidden"]])
    [row] = preview_import(data, "x.csv", actor=users["intake"], dry_run=True).rows
    assert row.outcome == "join" and hidden.case.reference not in row.message
    assert row.item_id == "" and row.case_reference == ""
    [seen] = preview_import(data, "x.csv", actor=users["coordinator"], dry_run=True).rows
    assert hidden.case.reference in seen.message and seen.item_id == str(hidden.pk)
    batch = start_import(
        preview_import(data, "x.csv", actor=users["intake"]).batch, actor=users["intake"]
    )
    assert list(batch.report.items.all()) == [hidden]  # joined all the same
