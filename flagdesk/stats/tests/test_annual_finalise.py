"""Finalising freezes a year's report once, with its hash, in the audit trail; every format of
a final year is drawn from the frozen copy and never changes."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest

from flagdesk.audit.models import AuditEntry
from flagdesk.core.errors import Conflict, PermissionDenied, ValidationFailed
from flagdesk.notices.models import ItemDecision, NoticeResponse
from flagdesk.organisation.services.designations import current_organisation
from flagdesk.stats.annual import render
from flagdesk.stats.annual.services import finalise, report_data
from flagdesk.stats.models import AnnualReport

from .annual_data import NOW, build_year

pytestmark = pytest.mark.django_db


@pytest.fixture
def year(users):
    y = build_year(users)
    org = current_organisation()
    org.statistics_min_cell = 0
    org.independence_procedures = "Our board has no member working for a platform."
    org.save()
    return y


def test_finalise_freezes_the_report_with_its_hash_and_audits_it(year, users):
    report = finalise(2025, actor=users["coordinator"], now=NOW)
    assert report.data["status"] == "final"
    assert report.data["sha256"] == report.sha256
    # Anyone can recompute the hash from the published JSON: sorted keys, UTF-8, no spaces,
    # without the "sha256" key.
    published = json.loads(render.to_json(report.data))
    del published["sha256"]
    canonical = json.dumps(published, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert hashlib.sha256(canonical.encode()).hexdigest() == report.sha256
    entry = AuditEntry.objects.get(action="stats.annual_report.finalise")
    assert entry.actor == users["coordinator"]
    assert entry.data == {"year": 2025, "sha256": report.sha256}


def test_a_final_report_never_changes(year, users):
    report = finalise(2025, actor=users["coordinator"], now=NOW)
    before = {fmt: render.render(report_data(2025), fmt) for fmt in ("json", "csv", "html")}
    # A late answer arrives for the pending item i4 of N2.
    n2, i4 = year.notices["n2"], year.items["i4"]
    response = NoticeResponse.objects.create(
        notice=n2, kind="decision", decision="removed", received_at=NOW + dt.timedelta(days=1)
    )
    ItemDecision.objects.create(
        response=response, notice=n2, item=i4, decision="removed", decided_at=response.received_at
    )
    after = {fmt: render.render(report_data(2025), fmt) for fmt in ("json", "csv", "html")}
    assert after == before
    assert report_data(2025)["totals"]["actions"]["pending"] == 1
    assert report.sha256 in after["html"].decode()
    assert b"DRAFT" not in after["html"]


def test_a_second_finalisation_is_refused(year, users):
    finalise(2025, actor=users["coordinator"], now=NOW)
    with pytest.raises(Conflict):
        finalise(2025, actor=users["coordinator"], now=NOW)
    assert AnnualReport.objects.count() == 1


def test_a_year_not_over_is_refused(year, users):
    with pytest.raises(ValidationFailed) as refused:
        finalise(2026, actor=users["coordinator"], now=NOW)
    assert "2026 is not over yet" in str(refused.value.message)
    assert not AnnualReport.objects.exists()


def test_a_report_without_independence_text_is_refused(year, users):
    org = current_organisation()
    org.independence_procedures = ""
    org.save()
    with pytest.raises(ValidationFailed) as refused:
        finalise(2025, actor=users["coordinator"], now=NOW)
    assert "independence" in str(refused.value.message)


@pytest.mark.parametrize("role", ["auditor", "analyst", "admin"])
def test_only_a_coordinator_finalises(year, users, role):
    with pytest.raises(PermissionDenied):
        finalise(2025, actor=users[role], now=NOW)
    assert not AnnualReport.objects.exists()


def test_drafts_say_so(year):
    data = report_data(2025, now=NOW)
    assert data["status"] == "draft" and "sha256" not in data
    html = render.to_html(data)
    assert "DRAFT" in html
    assert render.filename(data, "pdf") == "annual-report-2025-draft.pdf"
