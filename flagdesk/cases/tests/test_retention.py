"""When a case is closed, how long each class is kept, the legal hold, and items' identifiers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from flagdesk.audit.models import AuditEntry
from flagdesk.cases import retention
from flagdesk.cases.models import Case, CaseEvent, Item
from flagdesk.cases.retention import Clock, add_months, clocks, period_for
from flagdesk.cases.services import set_item_identifiers
from flagdesk.cases.services.legal_hold import set_legal_hold
from flagdesk.cases.tests.factories import reported_item
from flagdesk.cases.transitions import transition
from flagdesk.core.errors import PermissionDenied, ValidationFailed

S = Item.Status


def test_months_are_added_by_the_calendar() -> None:
    moment = dt.datetime(2026, 8, 31, 12, 0, tzinfo=dt.UTC)
    assert add_months(moment, 6) == dt.datetime(2027, 2, 28, 12, 0, tzinfo=dt.UTC)
    assert add_months(moment, -6) == dt.datetime(2026, 2, 28, 12, 0, tzinfo=dt.UTC)
    assert add_months(moment, 0) == moment


def test_the_longest_period_of_a_records_phenomena_applies(settings: Any) -> None:
    settings.RETENTION_MONTHS = {**settings.RETENTION_MONTHS, "contact": 6}
    settings.RETENTION_POLICY = {"ncii": {"contact": 12}, "doxing": {"contact": 3}}
    assert period_for("contact", ["doxing", "ncii"]) == retention.Period(12, "ncii")
    assert period_for("contact", ["doxing"]) == retention.Period(3, "doxing")
    assert period_for("contact", ["grooming"]) == retention.Period(6, "grooming")
    assert period_for("contact", []) == retention.Period(6, "")
    assert retention.minimum_months("contact") == 3


def test_a_clock_is_due_once_its_months_have_passed() -> None:
    closed = dt.datetime(2026, 1, 15, tzinfo=dt.UTC)
    clock = Clock(closed, is_held=False)
    assert not clock.is_due(6, dt.datetime(2026, 7, 14, tzinfo=dt.UTC))
    assert clock.is_due(6, dt.datetime(2026, 7, 15, tzinfo=dt.UTC))
    assert not Clock(None, is_held=False).is_due(0, closed)
    joined = retention.joined([clock, Clock(None, is_held=True)])
    assert joined == Clock(None, is_held=True)


def _walk(item: Item, *statuses: str) -> None:
    for status in statuses:
        transition(item, status, actor=None)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "is_closed"),
    [
        ([S.OUT_OF_SCOPE], True),
        ([S.ASSESSING, S.AWAITING_REVIEW, S.NOT_ILLEGAL], True),
        ([S.ASSESSING, S.AWAITING_REVIEW, S.APPROVED, S.NOTIFIED, S.REMOVED], True),
        ([S.ASSESSING, S.AWAITING_REVIEW, S.APPROVED, S.NOTIFIED, S.REFUSED], True),
        ([S.ASSESSING, S.AWAITING_REVIEW, S.APPROVED, S.NOTIFIED, S.RESTRICTED], True),
        ([S.ASSESSING, S.AWAITING_REVIEW, S.APPROVED, S.NOTIFIED, S.STILL_ONLINE], False),
        ([S.ASSESSING, S.AWAITING_REVIEW, S.APPROVED, S.NOTIFIED, S.REFUSED, S.ESCALATED], False),
        ([S.ASSESSING, S.AWAITING_REVIEW, S.APPROVED, S.NOTIFIED], False),
        ([], False),
    ],
)
def test_a_case_is_closed_when_every_item_is_settled(path: list[str], is_closed: bool) -> None:
    item = reported_item()
    _walk(item, *path)
    clock = clocks([item.case_id])[item.case_id]
    if is_closed:
        last = CaseEvent.objects.filter(case=item.case).latest("created_at")
        assert clock.closed_at == last.created_at
    else:
        assert clock.closed_at is None


@pytest.mark.django_db
def test_one_open_item_keeps_the_case_open() -> None:
    item = reported_item()
    _walk(item, S.OUT_OF_SCOPE)
    Item.objects.create(case=item.case, url="https://social.test/x", url_key="x" * 64)
    assert clocks([item.case_id])[item.case_id].closed_at is None


@pytest.mark.django_db
def test_the_clock_starts_at_the_last_event_but_not_at_upkeep(users: Any) -> None:
    item = reported_item()
    _walk(item, S.OUT_OF_SCOPE)
    message = CaseEvent.objects.create(
        case=item.case, item=item, kind=CaseEvent.Kind.REPORTER_MESSAGE
    )
    set_legal_hold(item.case, actor=users["coordinator"], is_held=True, reason="Proceedings.")
    retention.record_erasure([item], classes=["contact"], by=retention.BY_RETENTION)
    clock = clocks([item.case_id])[item.case_id]
    assert clock == Clock(message.created_at, is_held=True)


@pytest.mark.django_db
def test_identifiers_are_erased_after_their_period_unless_held(users: Any) -> None:
    kept, erased = reported_item(), reported_item()
    for item in (kept, erased):
        set_item_identifiers(item, actor=users["analyst"], changes={"account": "@someone"})
        _walk(item, S.OUT_OF_SCOPE)
    set_legal_hold(kept.case, actor=users["coordinator"], is_held=True, reason="Proceedings.")
    now = timezone.now()

    assert not retention.erase_identifiers(now=add_months(now, 23), dry_run=False).rows()
    dry = retention.erase_identifiers(now=add_months(now, 25), dry_run=True)
    assert dry.rows() == [retention.TallyRow("identifiers", "ncii", 1, 1)]
    assert Item.objects.filter(identifiers={}).count() == 0

    tally = retention.erase_identifiers(now=add_months(now, 25), dry_run=False)
    assert tally.rows() == [retention.TallyRow("identifiers", "ncii", 1, 1)]
    erased.refresh_from_db()
    kept.refresh_from_db()
    assert erased.identifiers == {} and kept.identifiers == {"account": "@someone"}
    event = CaseEvent.objects.get(kind=CaseEvent.Kind.ERASURE)
    assert event.item_id == erased.pk and event.data["classes"] == ["identifiers"]
    # Nothing left to erase: a second run finds nothing and records nothing.
    retention.erase_identifiers(now=add_months(now, 25), dry_run=False)
    assert CaseEvent.objects.filter(kind=CaseEvent.Kind.ERASURE).count() == 1


@pytest.mark.django_db
def test_a_legal_hold_needs_a_coordinator_and_a_reason(users: Any) -> None:
    case = reported_item().case
    with pytest.raises(PermissionDenied):
        set_legal_hold(case, actor=users["analyst"], is_held=True, reason="Proceedings.")
    with pytest.raises(ValidationFailed):
        set_legal_hold(case, actor=users["coordinator"], is_held=True, reason="  ")
    set_legal_hold(case, actor=users["coordinator"], is_held=True, reason="Court file 12/34.")
    case.refresh_from_db()
    assert case.legal_hold and case.legal_hold_reason == "Court file 12/34."
    entry = AuditEntry.objects.get(action="case.legal_hold")
    assert entry.reason == "Court file 12/34." and entry.data == {"held": True}
    event = CaseEvent.objects.get(kind=CaseEvent.Kind.LEGAL_HOLD)
    assert "12/34" not in event.note  # the reason may name people: audit trail only

    set_legal_hold(case, actor=users["coordinator"], is_held=False, reason="Judgment final.")
    case.refresh_from_db()
    assert not case.legal_hold and case.legal_hold_reason == ""


@pytest.mark.django_db
def test_the_legal_hold_page(client: Any, users: Any) -> None:
    item = reported_item()
    url = reverse("cases:case-legal-hold", args=[item.case_id])
    client.force_login(users["analyst"])
    assert client.get(url).status_code == 403
    client.force_login(users["coordinator"])
    page = client.get(reverse("cases:item-detail", args=[item.id])).content.decode()
    assert url in page
    assert client.get(url).status_code == 200
    refused = client.post(url, {"is_held": "on", "reason": ""})
    assert refused.status_code == 200 and not Case.objects.get(pk=item.case_id).legal_hold
    done = client.post(url, {"is_held": "on", "reason": "Court file 12/34."})
    assert done.status_code == 302
    assert Case.objects.get(pk=item.case_id).legal_hold
    page = client.get(reverse("cases:item-detail", args=[item.id])).content.decode()
    assert "Under legal hold" in page
    assert client.get(reverse("cases:case-legal-hold", args=[Case().id])).status_code == 404
