"""Recording the platform's acknowledgement and decision, and what they do to items."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from flagdesk.cases.models import CaseEvent, Item
from flagdesk.core.errors import Conflict, PermissionDenied, ValidationFailed
from flagdesk.notices.models import Notice, NoticeResponse
from flagdesk.notices.services import queue_notices, record_response
from flagdesk.notices.tasks import send_outbox_row

from .factories import approved_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent_notice(smtp_server, users, platform) -> Notice:
    items = [approved_item(users), approved_item(users)]
    [notice] = queue_notices(items, actor=users["analyst"])
    send_outbox_row.call(str(notice.outbox.id))
    notice.refresh_from_db()
    assert notice.status == Notice.Status.SENT
    return notice


def item_statuses(notice: Notice) -> set[str]:
    return set(Item.objects.filter(notices=notice).values_list("status", flat=True))


def test_acknowledgement_marks_the_notice_acknowledged(users, sent_notice):
    received = timezone.now() - dt.timedelta(hours=1)
    response = record_response(
        sent_notice,
        actor=users["intake"],
        kind="acknowledgement",
        received_at=received,
        platform_reference="TICKET-1",
    )
    sent_notice.refresh_from_db()
    assert sent_notice.status == Notice.Status.ACKNOWLEDGED
    assert sent_notice.acknowledged_at == received
    assert response.platform_reference == "TICKET-1"
    assert item_statuses(sent_notice) == {Item.Status.NOTIFIED}
    assert CaseEvent.objects.filter(kind=CaseEvent.Kind.RESPONSE).count() == 2


def test_a_removal_moves_items_to_removed(users, sent_notice):
    record_response(
        sent_notice,
        actor=users["analyst"],
        kind="decision",
        decision="removed",
        received_at=timezone.now(),
    )
    sent_notice.refresh_from_db()
    assert sent_notice.status == Notice.Status.DECIDED and sent_notice.decided_at
    assert item_statuses(sent_notice) == {Item.Status.REMOVED}


@pytest.mark.parametrize(
    "decision", ["disabled", "restricted", "geo_blocked", "demoted", "account_suspended"]
)
def test_anything_short_of_removal_moves_items_to_restricted(users, sent_notice, decision):
    record_response(
        sent_notice,
        actor=users["analyst"],
        kind="decision",
        decision=decision,
        received_at=timezone.now(),
    )
    sent_notice.refresh_from_db()
    assert sent_notice.status == Notice.Status.DECIDED and sent_notice.decided_at
    assert item_statuses(sent_notice) == {Item.Status.RESTRICTED}


@pytest.mark.parametrize("decision", ["refused", "no_action"])
def test_refusals_keep_the_statement_verbatim(users, sent_notice, decision):
    statement = "  We reviewed the content.\r\nIt does not violate our Community Guidelines.  "
    response = record_response(
        sent_notice,
        actor=users["coordinator"],
        kind="decision",
        decision=decision,
        received_at=timezone.now(),
        statement=statement,
    )
    assert NoticeResponse.objects.get(pk=response.pk).statement == statement
    assert item_statuses(sent_notice) == {Item.Status.REFUSED}
    event = CaseEvent.objects.filter(kind=CaseEvent.Kind.RESPONSE).last()
    assert event.note == statement and event.data["decision"] == decision


def test_a_reversal_after_refusal_removes_the_items(users, sent_notice):
    for decision in ("refused", "removed"):
        record_response(
            sent_notice,
            actor=users["analyst"],
            kind="decision",
            decision=decision,
            received_at=timezone.now(),
        )
    assert item_statuses(sent_notice) == {Item.Status.REMOVED}


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"kind": "complaint"}, "kind"),
        ({"kind": "decision"}, "decision"),
        ({"kind": "decision", "decision": "deleted"}, "decision"),
        ({"kind": "acknowledgement", "decision": "removed"}, "decision"),
        (
            {"kind": "acknowledgement", "received_at": timezone.now() + dt.timedelta(hours=1)},
            "received_at",
        ),
    ],
)
def test_invalid_responses_are_refused_with_a_field_message(users, sent_notice, kwargs, field):
    kwargs.setdefault("received_at", timezone.now())
    with pytest.raises(ValidationFailed) as e:
        record_response(sent_notice, actor=users["analyst"], **kwargs)
    assert field in e.value.fields
    assert not NoticeResponse.objects.exists()


def test_a_few_minutes_of_clock_skew_are_accepted(users, sent_notice):
    """A platform's clock a little ahead of ours is not a "future" answer; it is recorded as
    received, with the time the platform gave."""
    now = timezone.now()
    ahead = now + dt.timedelta(minutes=3)
    response = record_response(
        sent_notice, actor=users["analyst"], kind="acknowledgement", received_at=ahead, now=now
    )
    [stored] = NoticeResponse.objects.filter(notice=sent_notice)
    assert stored.pk == response.pk and stored.received_at == ahead
    sent_notice.refresh_from_db()
    assert sent_notice.status == Notice.Status.ACKNOWLEDGED
    assert sent_notice.acknowledged_at == ahead


def test_a_queued_notice_cannot_be_answered(users, platform):
    [notice] = queue_notices([approved_item(users)], actor=users["analyst"])
    with pytest.raises(Conflict):
        record_response(
            notice, actor=users["analyst"], kind="acknowledgement", received_at=timezone.now()
        )


@pytest.mark.parametrize("role", ["admin", "auditor", "partner", "none"])
def test_only_casework_roles_record_responses(users, sent_notice, role):
    with pytest.raises(PermissionDenied):
        record_response(
            sent_notice, actor=users[role], kind="acknowledgement", received_at=timezone.now()
        )
