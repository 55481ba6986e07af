"""Follow-through reads (``flagdesk.notices.sla``): overdue notices against per-phenomenon SLAs,
the follow-up counters, and each platform's answers to our notices (art. 22(6) early warning).

Every clock is an explicit ``now``: notices are queued and sent at fixed times in the past.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from flagdesk.accounts.models import User
from flagdesk.cases.models import Assessment, Item
from flagdesk.core.errors import ValidationFailed
from flagdesk.notices import outbox, sla
from flagdesk.notices.models import Notice, NoticeResponse
from flagdesk.notices.services import queue_notices, record_response
from flagdesk.notices.services.responses import ItemDecisionInput
from flagdesk.platforms.channels import Delivery
from flagdesk.platforms.models import Platform

from .factories import approved_item, make_platform

pytestmark = pytest.mark.django_db

H = dt.timedelta(hours=1)
# A fixed hour a month ago: every answer below is "received" before the real now.
T0 = (timezone.now() - dt.timedelta(days=30)).replace(minute=0, second=0, microsecond=0)
SLA = {"default": 48, "ncii": 12, "cyber_harassment": 24}


@pytest.fixture
def social(platform: Platform) -> Platform:
    platform.sla_hours = SLA
    platform.save(update_fields=["sla_hours"])
    return platform


def items(users: dict[str, User], *phenomena: str, domain: str = "social.test") -> list[Item]:
    return [approved_item(users, phenomenon=p, domain=domain) for p in phenomena]


def queue(users: dict[str, User], members: Sequence[Item], *, at: dt.datetime) -> Notice:
    [notice] = queue_notices(members, actor=users["analyst"], now=at)
    return notice


def send(
    users: dict[str, User], *phenomena: str, at: dt.datetime, domain: str = "social.test"
) -> Notice:
    """A notice about new items of ``phenomena``, queued and delivered at ``at``."""
    notice = queue(users, items(users, *phenomena, domain=domain), at=at)
    row = outbox.claim(notice.outbox.id, worker="test", now=at)
    assert row is not None
    outbox.mark_sent(row, Delivery(reference=notice.message_id, sent_at=at))
    notice.refresh_from_db()
    assert notice.status == Notice.Status.SENT and notice.sent_at == at
    return notice


def acknowledge(users: dict[str, User], notice: Notice, *, at: dt.datetime) -> None:
    record_response(notice, actor=users["intake"], kind="acknowledgement", received_at=at)


def decide(
    users: dict[str, User],
    notice: Notice,
    decision: str,
    *,
    at: dt.datetime,
    statement: str = "",
    only: Sequence[Item] = (),
) -> NoticeResponse:
    """The platform's decision on every item of ``notice`` (or on ``only`` these)."""
    return record_response(
        notice,
        actor=users["analyst"],
        kind="decision",
        decision="" if only else decision,
        items=[ItemDecisionInput(item.id, decision) for item in only] or None,
        received_at=at,
        statement=statement,
    )


# --- expected hours -------------------------------------------------------------------------


def test_expected_hours_is_the_shortest_sla_of_the_items_phenomena(users, social):
    mixed = queue(users, items(users, "cyber_harassment", "ncii"), at=T0)
    harassment = queue(users, items(users, "cyber_harassment"), at=T0)
    unlisted = queue(users, items(users, "sextortion"), at=T0)
    assert sla.expected_hours(mixed) == 12  # ncii's 12 beats harassment's 24
    assert sla.expected_hours(harassment) == 24
    assert sla.expected_hours(unlisted) == 48  # the platform's default


def test_a_platform_without_slas_gets_24_hours(users, platform):
    notice = queue(users, items(users, "ncii"), at=T0)
    assert sla.expected_hours(notice) == 24


def test_the_latest_assessment_gives_the_phenomenon(users, social):
    notice = queue(users, items(users, "ncii"), at=T0)
    [item] = notice.items.all()
    # A later qualification of the same item (a re-assessment) is what counts now.
    Assessment.objects.create(
        item=item, author=users["analyst"], verdict="illegal", phenomenon="cyber_harassment"
    )
    assert sla.expected_hours(notice) == 24


# --- overdue --------------------------------------------------------------------------------


@pytest.fixture
def waiting(users, social) -> dict[str, Notice]:
    """Notices at various stages; due = sent + 12 h (ncii) or + 24 h (harassment)."""
    notices = {
        "ncii": send(users, "ncii", at=T0),  # due T0+12h
        "harassment": send(users, "cyber_harassment", at=T0 + H),  # due T0+25h
        "acknowledged": send(users, "ncii", at=T0 + 2 * H),  # due T0+14h
        "decided": send(users, "ncii", at=T0 - H),
        "partial": send(users, "ncii", "ncii", at=T0 + 3 * H),  # due T0+15h
        "recent": send(users, "ncii", at=T0 + 20 * H),  # due T0+32h
        "complaint": send(users, "ncii", at=T0 - 2 * H),
    }
    acknowledge(users, notices["acknowledged"], at=T0 + 3 * H)
    decide(users, notices["decided"], "removed", at=T0 + 5 * H)
    first = notices["partial"].items.order_by("created_at").first()
    decide(users, notices["partial"], "removed", at=T0 + 4 * H, only=[first])
    # Complaints run on the art. 20 clock, not the platform's notice SLA.
    Notice.objects.filter(pk=notices["complaint"].pk).update(kind=Notice.Kind.COMPLAINT)
    return notices


def test_overdue_notices_oldest_first_with_hours_and_undecided_items(waiting):
    now = T0 + 30 * H
    rows = sla.overdue_notices(now=now)
    assert [r.notice.reference for r in rows] == [
        waiting[k].reference for k in ("ncii", "harassment", "acknowledged", "partial")
    ]
    by_key = {r.notice.pk: r for r in rows}
    ncii = by_key[waiting["ncii"].pk]
    assert ncii.due_at == T0 + 12 * H
    assert ncii.overdue_hours == pytest.approx(18.0)
    assert ncii.undecided_items == 1
    assert by_key[waiting["harassment"].pk].overdue_hours == pytest.approx(5.0)
    # An acknowledgement is no decision: the clock keeps running.
    acknowledged = by_key[waiting["acknowledged"].pk]
    assert acknowledged.notice.status == Notice.Status.ACKNOWLEDGED
    assert acknowledged.overdue_hours == pytest.approx(16.0)
    # A partly decided notice stays until every item is decided.
    partial = by_key[waiting["partial"].pk]
    assert partial.notice.status == Notice.Status.SENT and partial.undecided_items == 1


def test_a_notice_is_overdue_only_once_its_due_time_has_passed(waiting):
    due = T0 + 12 * H
    assert waiting["ncii"].pk not in {r.notice.pk for r in sla.overdue_notices(now=due)}
    later = sla.overdue_notices(now=due + dt.timedelta(minutes=1))
    assert [r.notice.pk for r in later] == [waiting["ncii"].pk]
    assert later[0].overdue_hours == pytest.approx(1 / 60)


def test_decided_failed_and_queued_notices_are_never_overdue(users, social):
    decided = send(users, "ncii", at=T0)
    decide(users, decided, "refused", at=T0 + 50 * H)
    queued = queue(users, items(users, "ncii"), at=T0)
    failed = queue(users, items(users, "ncii"), at=T0)
    outbox.give_up(failed.outbox, reason="550 5.7.1 Rejected", now=T0)
    assert Notice.objects.get(pk=failed.pk).status == Notice.Status.FAILED
    assert sla.overdue_notices(now=T0 + 100 * H) == []
    assert {queued.pk, failed.pk, decided.pk}.isdisjoint(
        r.notice.pk for r in sla.overdue_notices(now=T0 + 100 * H)
    )


def test_overdue_reads_a_constant_number_of_queries(users, social, django_assert_max_num_queries):
    for n in range(6):
        send(users, "ncii", "cyber_harassment", at=T0 + n * H)
    # The notices, their items and the items' assessments: three queries, however many.
    with django_assert_max_num_queries(3):
        rows = sla.overdue_notices(now=T0 + 100 * H)
        assert [r.undecided_items for r in rows] == [2] * 6
        assert {sla.expected_hours(r.notice) for r in rows} == {12}


# --- the follow-up counters -----------------------------------------------------------------


def test_add_months_keeps_the_day_or_takes_the_month_s_last():
    brussels = ZoneInfo("Europe/Brussels")
    at = dt.datetime(2025, 8, 31, 14, 30, tzinfo=brussels)
    assert sla.add_months(at, 6) == dt.datetime(2026, 2, 28, 14, 30, tzinfo=brussels)
    assert sla.add_months(at.replace(year=2027), 6) == dt.datetime(
        2028, 2, 29, 14, 30, tzinfo=brussels
    )
    assert sla.add_months(dt.datetime(2026, 1, 15, 9, tzinfo=brussels), 6) == dt.datetime(
        2026, 7, 15, 9, tzinfo=brussels
    )
    assert sla.add_months(dt.datetime(2026, 3, 31, tzinfo=brussels), -6) == dt.datetime(
        2025, 9, 30, tzinfo=brussels
    )
    # An aware UTC time is moved in local (Brussels) calendar days.
    late = dt.datetime(2026, 1, 31, 23, 30, tzinfo=dt.UTC)  # 1 February, 00:30 in Brussels
    assert sla.add_months(late, 1) == dt.datetime(2026, 3, 1, 0, 30, tzinfo=brussels)


def test_follow_up_counts(users, social):
    now = T0 + 30 * H
    send(users, "ncii", at=T0)  # overdue
    refused = send(users, "ncii", at=T0)
    decide(users, refused, "refused", at=T0 + 2 * H)
    no_action = send(users, "ncii", at=T0)
    decide(users, no_action, "no_action", at=T0 + 3 * H)
    contested = send(users, "ncii", at=T0)
    decide(users, contested, "refused", at=T0 + 2 * H)
    complaint = queue(users, items(users, "ncii"), at=now - dt.timedelta(minutes=10))
    Notice.objects.filter(pk=complaint.pk).update(kind=Notice.Kind.COMPLAINT, previous=contested)
    reversed_ = send(users, "ncii", at=T0)
    decide(users, reversed_, "refused", at=T0 + 2 * H)
    decide(users, reversed_, "removed", at=T0 + 5 * H)  # the platform reversed itself
    removed = send(users, "ncii", at=T0)
    decide(users, removed, "removed", at=T0 + 2 * H)
    failed = queue(users, items(users, "ncii"), at=T0)
    outbox.give_up(failed.outbox, reason="550 5.7.1 Rejected", now=T0)
    queue(users, items(users, "ncii"), at=now - dt.timedelta(minutes=16))  # stuck
    queue(users, items(users, "ncii"), at=now - dt.timedelta(minutes=14))  # not yet

    assert sla.follow_up_counts(now=now) == {
        "overdue": 1,
        "still_online": 0,
        "open_to_complaint": 2,
        "failed": 1,
        "stuck": 1,
    }
    rows = sla.open_to_complaint(now=now)
    assert [r.notice.pk for r in rows] == [refused.pk, no_action.pk]  # nearest deadline first
    assert rows[0].refused_items == 1
    assert rows[0].decided_at == T0 + 2 * H
    assert rows[0].deadline == sla.add_months(T0 + 2 * H, 6)


def test_a_cancelled_complaint_leaves_the_refusal_open(users, social):
    refused = send(users, "ncii", at=T0)
    decide(users, refused, "refused", at=T0 + 2 * H)
    complaint = queue(users, items(users, "ncii"), at=T0 + 3 * H)
    Notice.objects.filter(pk=complaint.pk).update(
        kind=Notice.Kind.COMPLAINT, previous=refused, status=Notice.Status.CANCELLED
    )
    assert [r.notice.pk for r in sla.open_to_complaint(now=T0 + 4 * H)] == [refused.pk]


def test_a_refusal_is_open_to_complaint_until_six_calendar_months_after_it(users, social):
    refused = send(users, "ncii", "ncii", at=T0)
    decided_at = T0 + 2 * H
    decide(users, refused, "refused", at=decided_at)
    deadline = sla.add_months(decided_at, 6)
    [row] = sla.open_to_complaint(now=deadline - dt.timedelta(minutes=1))
    assert row.deadline == deadline and row.refused_items == 2
    assert sla.open_to_complaint(now=deadline) == []


def test_stuck_means_queued_for_more_than_15_minutes(users, social):
    notice = queue(users, items(users, "ncii"), at=T0)
    assert sla.stuck_notices(now=T0 + dt.timedelta(minutes=15)) == []
    assert sla.stuck_notices(now=T0 + dt.timedelta(minutes=15, seconds=1)) == [notice]


# --- quality --------------------------------------------------------------------------------


def test_percentiles_median_and_nearest_rank():
    assert sla.timing([]) == sla.Timing(count=0, median=None, p90=None)
    assert sla.timing([5.0]) == sla.Timing(count=1, median=5.0, p90=5.0)
    assert sla.timing([10.0, 1.0, 3.0, 2.0, 4.0]) == sla.Timing(count=5, median=3.0, p90=10.0)
    # Even count: the median is the mean of the middle two; rank ceil(0.9 * 4) = 4.
    assert sla.timing([1.0, 2.0, 3.0, 4.0]) == sla.Timing(count=4, median=2.5, p90=4.0)
    assert sla.nearest_rank([float(n) for n in range(1, 11)], 90) == 9.0
    assert sla.nearest_rank([float(n) for n in range(1, 21)], 90) == 18.0


@pytest.fixture
def answered(users, social) -> dict[str, Notice]:
    """Six notices to Social, all sent at T0 (ncii: due T0+12h) but the last."""
    n = {key: send(users, "ncii", at=T0) for key in ("removed", "refused", "no_action", "acked")}
    n["ignored"] = send(users, "ncii", at=T0)
    n["fresh"] = send(users, "ncii", at=T0 + 47 * H)  # due T0+59h: not ignored yet
    acknowledge(users, n["removed"], at=T0 + 1 * H)
    decide(users, n["removed"], "removed", at=T0 + 4 * H)
    acknowledge(users, n["refused"], at=T0 + 2 * H)
    decide(users, n["refused"], "refused", at=T0 + 10 * H, statement="Satire, not illegal.")
    decide(users, n["no_action"], "no_action", at=T0 + 6 * H, statement="No violation found.")
    acknowledge(users, n["acked"], at=T0 + 3 * H)
    return n


def test_quality_shares_times_and_reasons(answered, social):
    [q] = sla.quality_by_platform(now=T0 + 48 * H)
    assert q.platform == social
    assert (q.sent, q.acknowledged, q.decided, q.ignored) == (6, 3, 3, 1)
    assert q.acknowledged_share == pytest.approx(3 / 6)
    assert q.decided_share == pytest.approx(3 / 6)
    assert (q.items_decided, q.items_refused) == (3, 2)
    assert q.refused_share == pytest.approx(2 / 3)
    assert q.ignored_share == pytest.approx(1 / 6)
    # Acknowledged after 1, 2 and 3 hours; decided after 4, 10 and 6 hours.
    assert q.to_acknowledgement == sla.Timing(count=3, median=2.0, p90=3.0)
    assert q.to_decision == sla.Timing(count=3, median=6.0, p90=10.0)
    assert q.refusal_count == 2
    assert [(r.reference, r.statement, r.decisions) for r in q.refusal_reasons] == [
        (answered["refused"].reference, "Satire, not illegal.", ("refused",)),
        (answered["no_action"].reference, "No violation found.", ("no_action",)),
    ]
    assert q.warning and q.warning_reasons == ["refused"]  # 67 % refused, 6 notices


def test_a_notice_is_ignored_only_past_its_sla(answered):
    [q] = sla.quality_by_platform(now=T0 + 12 * H)  # the ignored one is due right now
    assert q.ignored == 0
    [q] = sla.quality_by_platform(now=T0 + 60 * H)  # the fresh one is past its SLA too
    assert q.ignored == 2


def test_a_correction_replaces_the_refusal_it_corrects(users, answered):
    decide(users, answered["refused"], "removed", at=T0 + 20 * H)
    [q] = sla.quality_by_platform(now=T0 + 48 * H)
    assert (q.items_decided, q.items_refused) == (3, 1)
    assert [r.reference for r in q.refusal_reasons] == [answered["no_action"].reference]
    # The time to decision is the latest decision's: 4, 20 and 6 hours.
    assert q.to_decision == sla.Timing(count=3, median=6.0, p90=20.0)


def test_quality_per_platform_in_a_period(users, answered, social):
    video = make_platform(users, name="Video", domain="video.test")
    send(users, "ncii", at=T0 + 72 * H, domain="video.test")
    day = timezone.localdate(T0)
    later = timezone.localdate(T0 + 72 * H)
    rows = sla.quality_by_platform(now=T0 + 96 * H)
    assert [(q.platform, q.sent) for q in rows] == [(social, 6), (video, 1)]
    assert [q.platform for q in sla.quality_by_platform(since=later, now=T0 + 96 * H)] == [video]
    until_day = sla.quality_by_platform(until=day, now=T0 + 96 * H)
    assert [(q.platform, q.sent) for q in until_day] == [(social, 5)]  # "fresh" went out later
    assert sla.quality_for(video, now=T0 + 96 * H).sent == 1
    empty = sla.quality_for(video, until=day, now=T0 + 96 * H)
    assert (empty.sent, empty.acknowledged_share, empty.refused_share, empty.warning) == (
        0,
        None,
        None,
        False,
    )
    assert empty.to_decision == sla.Timing()


def test_refusal_reasons_are_the_latest_ten_cut_to_300_characters(users, social):
    notice = send(users, *["ncii"] * 12, at=T0)
    members = list(notice.items.order_by("created_at"))
    for n, item in enumerate(members):
        statement = f"Reason {n:02d}. " + "x" * (400 if n == 11 else 20)
        decide(users, notice, "refused", at=T0 + (n + 1) * H, statement=statement, only=[item])
    q = sla.quality_for(social, now=T0 + 48 * H)
    assert q.refusal_count == 12 and q.items_refused == 12
    assert len(q.refusal_reasons) == sla.REFUSAL_REASONS_SHOWN == 10
    assert [r.statement[:9] for r in q.refusal_reasons] == [
        f"Reason {n:02d}" for n in range(11, 1, -1)
    ]
    newest = q.refusal_reasons[0]
    assert newest.truncated and len(newest.statement) == 300 and newest.statement.endswith("…")
    assert not q.refusal_reasons[1].truncated


@pytest.mark.parametrize(
    ("sent", "decided", "refused", "ignored", "reasons"),
    [
        (4, 4, 4, 4, []),  # under five notices: no warning, whatever the shares
        (5, 10, 3, 0, ["refused"]),  # 30 % refused: the threshold itself warns
        (5, 10, 2, 0, []),
        (10, 0, 0, 3, ["ignored"]),  # 30 % ignored
        (10, 0, 0, 2, []),
        (10, 10, 5, 5, ["refused", "ignored"]),
    ],
)
def test_warning_thresholds(platform, sent, decided, refused, ignored, reasons):
    q = sla.PlatformQuality(
        platform=platform, sent=sent, items_decided=decided, items_refused=refused, ignored=ignored
    )
    assert q.warning_reasons == reasons
    assert q.warning is bool(reasons)


def test_quality_reads_a_constant_number_of_queries(users, answered, django_assert_max_num_queries):
    make_platform(users, name="Video", domain="video.test")
    for n in range(3):
        notice = send(users, "ncii", "cyber_harassment", at=T0 + n * H, domain="video.test")
        decide(users, notice, "refused", at=T0 + (n + 5) * H, statement="No.")
    # Notices, items, assessments, decisions, refusal statements.
    with django_assert_max_num_queries(5):
        rows = sla.quality_by_platform(now=T0 + 48 * H)
        assert [q.refusal_count for q in rows] == [2, 3]


# --- the period -----------------------------------------------------------------------------


def test_parse_period():
    assert sla.parse_period("", "") == (None, None)
    assert sla.parse_period(" 2026-01-01 ", "2026-01-31") == (
        dt.date(2026, 1, 1),
        dt.date(2026, 1, 31),
    )
    for since, until, field in [
        ("2026-13-01", "", "since"),
        ("03/04/2026", "", "since"),
        ("", "yesterday", "until"),
        ("2026-02-01", "2026-01-31", "until"),
    ]:
        with pytest.raises(ValidationFailed) as refused:
            sla.parse_period(since, until)
        assert list(refused.value.fields) == [field]
