"""The retention run (docs/retention.md): what is due goes, nothing else, nothing under legal hold,
statistics keep their counts, a dry run changes nothing, and the worker runs it daily."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from flagdesk.audit.models import AuditEntry
from flagdesk.cases.models import CaseEvent, Item
from flagdesk.cases.retention import add_months
from flagdesk.cases.services.legal_hold import set_legal_hold
from flagdesk.intake import erasure
from flagdesk.intake.models import Report, ReportMessage
from flagdesk.intake.tests.factories import close, submitted_report, with_contact
from flagdesk.site.retention import run_retention
from flagdesk.site.worker import periodic_jobs

pytestmark = pytest.mark.django_db

EMAIL = "reporter@example.test"


@pytest.fixture(autouse=True)
def _fixed_dns(settings: Any) -> None:
    settings.URL_RESOLVER = "flagdesk.core.testing.test_resolver"


def later(months: int) -> dt.datetime:
    return add_months(timezone.now(), months)


def report(url: str, *, phenomenon: str = "ncii", closed: bool = True, **fields: Any) -> Report:
    made = submitted_report(url, phenomenon=phenomenon, **with_contact(**fields)).report
    if closed:
        close(made)
    made.refresh_from_db()
    return made


def counts(run: Any) -> dict[tuple[str, str], tuple[int, int]]:
    return {(r.data_class, r.phenomenon): (r.erased, r.held) for r in run.rows}


def snapshot() -> list[tuple[Any, ...]]:
    """Everything a run could change, in clear."""
    reports = [
        (r.reporter_name, r.reporter_email, r.reporter_phone, r.description,
         r.reporter_email_index, r.contact_erased_at, r.description_erased_at)
        for r in Report.objects.order_by("reference")
    ]  # fmt: skip
    events = [(e.kind, e.item_id) for e in CaseEvent.objects.order_by("created_at", "id")]
    items = [(i.pk, i.status, i.identifiers) for i in Item.objects.order_by("pk")]
    return [*reports, *events, *items, AuditEntry.objects.count()]


def test_the_worker_runs_retention_daily_and_never_in_a_burst() -> None:
    [job] = [j for j in periodic_jobs() if j.name == "retention.run"]
    assert job.every_seconds == 24 * 3600
    assert not job.in_burst


def test_a_dry_run_changes_nothing() -> None:
    report("https://social.example.test/dry/1")
    before = snapshot()
    run = run_retention(now=later(30), dry_run=True)
    assert counts(run)[("contact", "ncii")] == (1, 0)
    assert counts(run)[("description", "ncii")] == (1, 0)
    assert snapshot() == before


def test_a_run_erases_exactly_what_is_due_and_nothing_under_legal_hold(users: Any) -> None:
    due = report("https://social.example.test/due/1")
    held = report("https://social.example.test/held/1", reporter_email="held@example.test")
    still_open = report("https://social.example.test/open/1", closed=False)
    set_legal_hold(held.case, actor=users["coordinator"], is_held=True, reason="Court case 12/34.")

    # Six months after closure: contact details are due, descriptions (24 months) are not.
    run = run_retention(now=later(6) + dt.timedelta(days=1))
    assert counts(run)[("contact", "ncii")] == (1, 1)
    assert ("description", "ncii") not in counts(run)
    due.refresh_from_db()
    assert (due.reporter_name, due.reporter_email, due.reporter_phone) == ("", "", "")
    assert due.reporter_email_index == "" and due.contact_erased_at is not None
    assert due.description == "What happened, in the reporter's words."
    for kept in (held, still_open):
        kept.refresh_from_db()
        assert kept.reporter_email and kept.description and kept.contact_erased_at is None

    [event] = CaseEvent.objects.filter(kind=CaseEvent.Kind.ERASURE)
    assert event.item_id == due.items.get().pk
    assert event.data == {"classes": ["contact"], "by": "retention"}
    assert EMAIL not in event.note and "reporter" not in json.dumps(event.data)

    # Two years on the description goes too; the held case still keeps everything.
    run = run_retention(now=later(25))
    assert counts(run)[("description", "ncii")] == (1, 1)
    due.refresh_from_db()
    assert due.description == "" and due.description_erased_at is not None
    held.refresh_from_db()
    assert held.reporter_email == "held@example.test" and held.description


def test_one_audit_entry_per_run_with_counts_and_no_personal_data() -> None:
    report("https://social.example.test/audit/1")
    run_retention(now=later(30))
    [entry] = AuditEntry.objects.filter(action="retention.run")
    assert entry.data["erased"] == 2 and entry.data["dry_run"] is False
    assert {"class": "contact", "phenomenon": "ncii", "erased": 1, "held": 0} in entry.data[
        "counts"
    ]
    text = json.dumps(entry.data)
    assert EMAIL not in text and "Test Reporter" not in text and "words" not in text
    run_retention(now=later(30), dry_run=True)
    assert AuditEntry.objects.filter(action="retention.run").count() == 1


def test_statistics_keep_their_counts_after_erasure() -> None:
    report("https://social.example.test/stats/1", phenomenon="ncii", victim_age_band="18-24")
    report("https://social.example.test/stats/2", phenomenon="ncii", victim_age_band="25-34")
    report("https://social.example.test/stats/3", phenomenon="doxing", victim_age_band="18-24")

    def figures() -> list[Any]:
        by_report = Report.objects.values("phenomenon", "victim_age_band", "role", "channel")
        by_item = Item.objects.values("phenomenon", "status", "platform_id")
        return [
            sorted(map(str, by_report.annotate(n=Count("id")).order_by())),
            sorted(map(str, by_item.annotate(n=Count("id")).order_by())),
            sorted(Report.objects.values_list("created_at", flat=True)),
        ]

    before = figures()
    run = run_retention(now=later(30))
    assert counts(run)[("contact", "ncii")] == (2, 0)
    assert counts(run)[("contact", "doxing")] == (1, 0)
    assert not Report.objects.exclude(reporter_email="").exists()
    assert figures() == before


def test_a_phenomenon_can_keep_a_class_longer(settings: Any) -> None:
    settings.RETENTION_POLICY = {"ncii": {"contact": 12}}
    ncii = report("https://social.example.test/policy/1", phenomenon="ncii")
    doxing = report("https://social.example.test/policy/2", phenomenon="doxing")
    run_retention(now=later(7))
    ncii.refresh_from_db()
    doxing.refresh_from_db()
    assert ncii.reporter_email and not doxing.reporter_email
    run_retention(now=later(13))
    ncii.refresh_from_db()
    assert not ncii.reporter_email


def test_an_unknown_phenomenon_in_the_policy_is_refused(settings: Any) -> None:
    from django.core.exceptions import ImproperlyConfigured

    settings.RETENTION_POLICY = {"nci": {"contact": 12}}
    with pytest.raises(ImproperlyConfigured, match="nci"):
        run_retention(dry_run=True)


def test_an_erasure_asked_for_under_hold_is_done_once_the_hold_is_lifted(users: Any) -> None:
    made = report("https://social.example.test/lifted/1", closed=False)
    ReportMessage.objects.create(report=made, text="More details.")
    set_legal_hold(made.case, actor=users["coordinator"], is_held=True, reason="Proceedings.")
    assert erasure.request_erasure(made) == erasure.HELD
    made.refresh_from_db()
    assert made.erasure_held_at is not None and made.reporter_email

    run = run_retention()
    assert counts(run) == {("held_requests", "ncii"): (0, 1)}
    made.refresh_from_db()
    assert made.reporter_email

    set_legal_hold(made.case, actor=users["coordinator"], is_held=False, reason="Judgment final.")
    run = run_retention()  # the case is still open: only the request makes it due
    assert counts(run) == {("held_requests", "ncii"): (1, 0)}
    made.refresh_from_db()
    assert (made.reporter_email, made.description) == ("", "")
    assert made.erasure_held_at is None
    assert ReportMessage.objects.get().text == ""
    by = {e.data["by"] for e in CaseEvent.objects.filter(kind=CaseEvent.Kind.ERASURE)}
    assert by == {"request"}
    assert not counts(run_retention())  # done once


def test_what_a_reporter_adds_after_an_erasure_follows_the_policy() -> None:
    from flagdesk.intake.messages import add_message

    made = report("https://social.example.test/after/1", closed=False)
    assert erasure.request_erasure(made) == erasure.ERASED
    add_message(made, text="One more detail, after all.", urls=[])
    run_retention()
    assert ReportMessage.objects.get().text == "One more detail, after all."


def test_the_command_reports_by_class_and_phenomenon() -> None:
    report("https://social.example.test/cmd/1")
    dry = StringIO()
    call_command("retention_run", "--dry-run", stdout=dry)
    assert "would erase" in dry.getvalue() and "dry run: nothing was changed" in dry.getvalue()
    assert "Reporter contact details" in dry.getvalue()
    out = StringIO()
    call_command("retention_run", "--json", stdout=out)
    body = json.loads(out.getvalue())
    assert body["dry_run"] is False and body["erased"] == 0  # closed just now: nothing due yet


def test_the_daily_job_erases_what_is_due(settings: Any) -> None:
    settings.RETENTION_MONTHS = {**settings.RETENTION_MONTHS, "contact": 0}
    made = report("https://social.example.test/job/1")
    [job] = [j for j in periodic_jobs() if j.name == "retention.run"]
    job.run()
    made.refresh_from_db()
    assert made.reporter_email == "" and made.description
    assert AuditEntry.objects.filter(action="retention.run").count() == 1
