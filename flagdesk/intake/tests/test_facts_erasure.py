"""A person's erasure request also clears the facts recorded about the victim of the report's
case (docs/retention.md); the routine retention run does not, and a legal hold keeps them."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from flagdesk.cases.models import CaseEvent, CaseFacts
from flagdesk.cases.retention import add_months
from flagdesk.cases.services.case_facts import record_facts
from flagdesk.cases.services.legal_hold import set_legal_hold
from flagdesk.cases.views import event_detail
from flagdesk.intake import erasure
from flagdesk.intake.tests.factories import close, submitted_report, with_contact
from flagdesk.site.retention import run_retention

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fixed_dns(settings: Any) -> None:
    settings.URL_RESOLVER = "flagdesk.core.testing.test_resolver"


def reported_with_facts(users: dict[str, Any], url: str) -> Any:
    report = submitted_report(url, phenomenon="sextortion", **with_contact()).report
    record_facts(
        report.case, actor=users["analyst"], victim_age=19, victim_gender="male", demand_money=True
    )
    return report


def test_the_reporters_erasure_clears_the_facts_and_says_so_without_values(users):
    report = reported_with_facts(users, "https://social.test/erase/1")
    assert erasure.request_erasure(report) == erasure.ERASED
    facts = CaseFacts.objects.get(case=report.case)
    assert (facts.victim_age, facts.victim_gender, facts.demand_money) == (None, "", False)
    event = CaseEvent.objects.filter(case=report.case, kind=CaseEvent.Kind.FACTS).last()
    assert event.data == {
        "erased": True,
        "by": "reporter",
        "fields": ["victim_age", "victim_gender", "demand_money"],
    }
    assert "19" not in str(event.data) and "male" not in str(event.data)
    assert event_detail(event) == (
        "cleared after an erasure of personal data: age, gender, money demanded"
    )
    # Twice changes nothing more.
    erasure.request_erasure(report)
    assert CaseEvent.objects.filter(case=report.case, kind=CaseEvent.Kind.FACTS).count() == 2


def test_another_report_of_the_case_clears_them_too(users):
    first = reported_with_facts(users, "https://social.test/erase/2")
    # A second report of the same address joins the open item, and so the case.
    second = submitted_report("https://social.test/erase/2", **with_contact()).report
    assert second.items.get().case_id == first.case_id
    erasure.erase_report(second, by="staff", actor=users["coordinator"])
    assert CaseFacts.objects.get(case=first.case).victim_age is None


def test_a_legal_hold_keeps_the_facts_until_it_is_lifted(users):
    report = reported_with_facts(users, "https://social.test/erase/3")
    hold = {"actor": users["coordinator"], "reason": "Proceedings."}
    set_legal_hold(report.case, is_held=True, **hold)
    assert erasure.request_erasure(report) == erasure.HELD
    assert CaseFacts.objects.get(case=report.case).victim_age == 19
    set_legal_hold(report.case, is_held=False, **hold)
    run_retention()
    assert CaseFacts.objects.get(case=report.case).victim_age is None


def test_the_routine_retention_run_keeps_the_facts(users):
    report = reported_with_facts(users, "https://social.test/erase/4")
    close(report)
    run_retention(now=add_months(timezone.now(), 30))  # every period is over
    report.refresh_from_db()
    assert report.contact_erased_at is not None
    assert CaseFacts.objects.get(case=report.case).victim_age == 19
