"""Follow-through on sent notices: what is overdue, what can still be contested, how each
platform answers (reads only, S5).

Why this module exists: a notice is only worth the decision it gets. Art. 16(4)-(5) DSA make the
platform confirm receipt and decide "in a timely, diligent, non-arbitrary and objective
manner", art. 22(1) asks it to decide on a trusted flagger's notices "without undue delay", and
art. 20 gives us at least six months to contest a refusal. Nobody remembers those clocks for
hundreds of notices, so the follow-up queue and the quality page read them from here.

The other side of the coin is art. 22(6): a platform that sees "a significant number of
insufficiently precise, inaccurate or inadequately substantiated notices" from a trusted flagger
reports it to the Digital Services Coordinator that awarded the status, which can suspend the
status while it investigates. The refusal share per platform (and the platforms' own stated
reasons) are our early warning of that, long before a regulator asks.

Every function takes ``now`` so tests and reports never depend on the wall clock.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from calendar import monthrange
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from uuid import UUID

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Length, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from flagdesk.accounts.policy import Action, roles_for
from flagdesk.cases.models import Assessment, Item
from flagdesk.core.errors import ValidationFailed
from flagdesk.platforms.models import Platform

from .models import ItemDecision, Notice, NoticeResponse

# Who may read the quality figures: caseworkers, and auditors, who check that the organisation
# keeps to the conditions of its designation (art. 22(2)(c): "diligently, accurately and
# objectively") without working on cases.
QUALITY_ROLES = roles_for(Action.QUALITY_READ)

# Notices that ask the platform for a decision on items: the platform's clock runs on these.
# Complaints (art. 20) and files for the Digital Services Coordinator run on other clocks.
FOLLOWED_KINDS = (Notice.Kind.NOTICE, Notice.Kind.RENOTICE, Notice.Kind.REMINDER)
# Notices whose quality the platform judges: the ones carrying a substantiated allegation
# (art. 16(2)). A reminder only repeats one, so counting it would count the notice twice.
QUALITY_KINDS = (Notice.Kind.NOTICE, Notice.Kind.RENOTICE)
# Sent and waiting for the platform: a decided, failed or cancelled notice is not overdue.
WAITING_STATUSES = (Notice.Status.SENT, Notice.Status.ACKNOWLEDGED)

# Decisions that leave the content online: what an art. 20 complaint contests, and what a
# platform reports under art. 22(6) when it finds notices unsubstantiated.
REFUSALS = (NoticeResponse.Decision.REFUSED, NoticeResponse.Decision.NO_ACTION)

# Art. 20(1) DSA: the internal complaint-handling system is open "for a period of at least six
# months following the decision". We count six calendar months from the decision (the same
# day, or the month's last day when it has no such day): the earliest the platform may close.
COMPLAINT_MONTHS = 6
# A queued notice is normally with its channel within a minute (the worker polls every few
# seconds, a transient failure retries after one). After 15 minutes a person should look: the
# worker may be down, or a web-form notice is waiting for someone to submit it by hand.
STUCK_AFTER = dt.timedelta(minutes=15)

# Quality warning thresholds. 30 %: when almost one in three decided items is refused (or one in
# three notices gets no answer at all), it is a pattern, not a disagreement on a borderline
# case; art. 22(6) speaks of "a significant number" without a figure, so we warn early.
REFUSED_SHARE_WARNING = 0.30
IGNORED_SHARE_WARNING = 0.30
# Under five notices a share is noise (one refusal out of two is 50 %): no warning below this.
MIN_NOTICES_FOR_WARNING = 5
# The refusal reasons shown per platform, newest first, each cut to this many characters.
REFUSAL_REASONS_SHOWN = 10
REFUSAL_REASON_CHARS = 300
# The 90th percentile of response times ("nine in ten answered within ...").
PERCENTILE = 90

HOUR = 3600.0


def add_months(value: dt.datetime, months: int) -> dt.datetime:
    """``value`` moved by ``months`` calendar months in local time, same time of day.

    A day the target month lacks becomes its last day (31 August + 6 months = 28 or 29
    February): never later than the calendar month, so a deadline is never overstated.
    """
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    index = local.year * 12 + (local.month - 1) + months
    year, month = divmod(index, 12)
    day = min(local.day, monthrange(year, month + 1)[1])
    return local.replace(year=year, month=month + 1, day=day)


def _latest_phenomenon(item: Item) -> str:
    """The phenomenon of the item's latest assessment (the legal qualification a platform was
    told), else the one reported; reads a prefetch of ``assessments`` when there is one."""
    assessments = list(item.assessments.all())
    if assessments:
        latest = max(assessments, key=lambda a: a.created_at)
        if latest.phenomenon:
            return latest.phenomenon
    return item.phenomenon


def expected_hours(notice: Notice) -> int:
    """Hours the platform should take to decide on ``notice``: the shortest of its SLAs for the
    phenomena of the notice's items.

    The shortest wins because a notice about NCII and harassment is as urgent as its NCII item
    (the platform decides on the notice as a whole). Without items or phenomena, the platform's
    default. Uses prefetched ``items`` and ``items__assessments`` when present
    (``overdue_notices`` prefetches them); otherwise it queries.
    """
    platform: Platform = notice.platform
    phenomena = {_latest_phenomenon(item) for item in notice.items.all()}
    return min((platform.sla_hours_for(p) for p in phenomena), default=platform.sla_hours_for(""))


def due_at(notice: Notice) -> dt.datetime | None:
    """When the platform's decision on ``notice`` is due (None for a notice never sent)."""
    if notice.sent_at is None:
        return None
    return notice.sent_at + dt.timedelta(hours=expected_hours(notice))


def _with_phenomena(notices: QuerySet[Notice]) -> QuerySet[Notice]:
    """``notices`` with what ``expected_hours`` reads, in three queries whatever their number."""
    return notices.select_related("platform").prefetch_related(
        Prefetch("items", queryset=Item.objects.only("id", "phenomenon")),
        Prefetch(
            "items__assessments",
            queryset=Assessment.objects.only("id", "item_id", "phenomenon", "created_at"),
        ),
    )


# Large texts no list needs (the frozen notice body, its JSON payload).
_HEAVY = ("body", "payload", "channel_config", "designations")


# --- the follow-up queue --------------------------------------------------------------------


@dataclass(frozen=True)
class OverdueNotice:
    notice: Notice
    due_at: dt.datetime
    overdue_hours: float
    undecided_items: int


def overdue_notices(now: dt.datetime | None = None) -> list[OverdueNotice]:
    """Notices still waiting for the platform (sent or acknowledged) whose SLA has run out,
    oldest first.

    An acknowledgement does not stop the clock: art. 16(4)'s receipt is not art. 16(5)'s
    decision. A partly decided notice stays here until every item has a decision, with the
    number still undecided. The SLA depends on each notice's phenomena, so the cut is made in
    Python over the waiting notices, with a constant number of queries (prefetches).
    """
    now = now or timezone.now()
    waiting = _with_phenomena(
        Notice.objects.defer(*_HEAVY)
        .filter(kind__in=FOLLOWED_KINDS, status__in=WAITING_STATUSES, sent_at__lt=now)
        .annotate(decided_items=Count("item_decisions__item", distinct=True))
        .order_by("sent_at", "reference")
    )
    overdue = []
    for notice in waiting:
        due = due_at(notice)
        if due is None or due >= now:
            continue
        undecided = len(notice.items.all()) - notice.decided_items  # type: ignore[attr-defined]
        overdue.append(
            OverdueNotice(
                notice=notice,
                due_at=due,
                overdue_hours=(now - due).total_seconds() / HOUR,
                undecided_items=max(undecided, 0),
            )
        )
    return overdue


@dataclass(frozen=True)
class OpenRefusal:
    """A notice with refusals that still stand and that we have not contested yet."""

    notice: Notice
    decided_at: dt.datetime  # the earliest standing refusal: its deadline comes first
    deadline: dt.datetime
    refused_items: int


def open_to_complaint(
    now: dt.datetime | None = None, *, due_within: dt.timedelta | None = None
) -> list[OpenRefusal]:
    """Notices with a refused or no-action decision that still stands (no later decision
    corrected it, here or on another notice), taken less than ``COMPLAINT_MONTHS`` ago, and no
    art. 20 complaint about the notice yet (a cancelled or failed one does not count: it never
    reached the platform). Most urgent deadline first.

    ``due_within`` keeps only the notices whose deadline is that close: the database then
    reads a month of decisions rather than six (every coordinator's page counts them).
    """
    now = now or timezone.now()
    # A generous cut in SQL; the exact deadline (calendar months) is checked below.
    earliest = add_months(now, -COMPLAINT_MONTHS) - dt.timedelta(days=3)
    complained = Notice.objects.filter(
        previous=OuterRef("notice_id"), kind=Notice.Kind.COMPLAINT
    ).exclude(status__in=(Notice.Status.CANCELLED, Notice.Status.FAILED))
    corrected = ItemDecision.objects.filter(corrects=OuterRef("pk"))
    standing = (
        ItemDecision.objects.filter(
            decision__in=REFUSALS,
            decided_at__gt=earliest,
            notice__kind__in=FOLLOWED_KINDS,
        )
        .filter(~Exists(corrected), ~Exists(complained))
        .values_list("notice_id", "item_id", "decided_at")
    )
    if due_within is not None:
        # A generous cut again; the exact test (calendar months) is below.
        latest = add_months(now + due_within, -COMPLAINT_MONTHS) + dt.timedelta(days=3)
        standing = standing.filter(decided_at__lte=latest)
    first: dict[UUID, dt.datetime] = {}
    items: dict[UUID, set[UUID]] = defaultdict(set)
    for notice_id, item_id, decided_at in standing:
        deadline = add_months(decided_at, COMPLAINT_MONTHS)
        if deadline <= now or (due_within is not None and deadline - now > due_within):
            continue
        items[notice_id].add(item_id)
        first[notice_id] = min(decided_at, first.get(notice_id, decided_at))
    notices = Notice.objects.defer(*_HEAVY).select_related("platform").in_bulk(list(first))
    rows = [
        OpenRefusal(
            notice=notices[notice_id],
            decided_at=decided_at,
            deadline=add_months(decided_at, COMPLAINT_MONTHS),
            refused_items=len(items[notice_id]),
        )
        for notice_id, decided_at in first.items()
        if notice_id in notices
    ]
    return sorted(rows, key=lambda r: (r.deadline, r.notice.reference))


def failed() -> QuerySet[Notice]:
    """Notices whose sending failed for good: a person must fix the channel and re-queue
    (the follow-up page and the coordinators' alerts read the same rows)."""
    return Notice.objects.filter(status=Notice.Status.FAILED)


def stuck(now: dt.datetime) -> QuerySet[Notice]:
    """Notices queued more than ``STUCK_AFTER`` ago and still not sent."""
    return Notice.objects.filter(status=Notice.Status.QUEUED, queued_at__lt=now - STUCK_AFTER)


def failed_notices() -> list[Notice]:
    return list(
        failed()
        .defer(*_HEAVY)
        .select_related("platform", "outbox")
        .order_by("created_at", "reference")
    )


def stuck_notices(now: dt.datetime | None = None) -> list[Notice]:
    """``stuck`` notices, oldest first."""
    return list(
        stuck(now or timezone.now())
        .defer(*_HEAVY)
        .select_related("platform", "outbox")
        .order_by("queued_at", "reference")
    )


@dataclass(frozen=True)
class FollowUp:
    """Everything the "Needs follow-up" page lists, read once."""

    now: dt.datetime
    overdue: list[OverdueNotice]
    open_to_complaint: list[OpenRefusal]
    failed: list[Notice]
    stuck: list[Notice]
    # Items a re-check (or a person) found still online after the platform's deadline.
    still_online: list[Item] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "overdue": len(self.overdue),
            "still_online": len(self.still_online),
            "open_to_complaint": len(self.open_to_complaint),
            "failed": len(self.failed),
            "stuck": len(self.stuck),
        }


# The still-online list shows at most this many items, longest waiting first.
STILL_ONLINE_SHOWN = 200


def still_online_items(scope: Q | None = None) -> list[Item]:
    """Items in ``still_online``: the next step is a reminder, a re-notice or a complaint.
    ``scope`` narrows them to the items a user may see (``cases.access.item_scope``)."""
    return list(
        Item.objects.filter(status=Item.Status.STILL_ONLINE)
        .filter(scope if scope is not None else Q())
        .select_related("platform", "case")
        .order_by("updated_at")[:STILL_ONLINE_SHOWN]
    )


def follow_up(now: dt.datetime | None = None, *, scope: Q | None = None) -> FollowUp:
    now = now or timezone.now()
    return FollowUp(
        now=now,
        overdue=overdue_notices(now),
        open_to_complaint=open_to_complaint(now),
        failed=failed_notices(),
        stuck=stuck_notices(now),
        still_online=still_online_items(scope),
    )


def follow_up_counts(now: dt.datetime | None = None) -> dict[str, int]:
    """The counters of the queue's header: ``overdue`` notices, notices with refusals
    ``open_to_complaint``, ``failed`` notices and ``stuck`` (queued over 15 minutes) ones."""
    return follow_up(now).counts()


# --- quality per platform -------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    """Hours from sending to an answer: the median and the 90th percentile (nearest rank)."""

    count: int = 0
    median: float | None = None
    p90: float | None = None


def nearest_rank(values: Sequence[float], percentile: float) -> float:
    """The nearest-rank percentile: the smallest value with at least ``percentile`` % of the
    values at or below it. Always a time that really happened (no interpolation), and defined
    for a single value, unlike ``statistics.quantiles``."""
    ordered = sorted(values)
    rank = max(math.ceil(percentile / 100 * len(ordered)), 1)
    return ordered[rank - 1]


def timing(hours: Sequence[float]) -> Timing:
    """Median (``statistics.median``: the mean of the two middle values for an even count)
    and the nearest-rank 90th percentile; ``None`` without data."""
    if not hours:
        return Timing()
    return Timing(
        count=len(hours),
        median=statistics.median(hours),
        p90=nearest_rank(hours, PERCENTILE),
    )


@dataclass(frozen=True)
class RefusalReason:
    """A platform's statement with a refusal, as received, cut to ``REFUSAL_REASON_CHARS``."""

    response_id: UUID
    notice_id: UUID
    reference: str
    received_at: dt.datetime
    decisions: tuple[str, ...]  # "refused" and/or "no_action"
    statement: str
    truncated: bool

    def decision_labels(self) -> list[str]:
        return [str(NoticeResponse.Decision(d).label) for d in self.decisions]


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass
class PlatformQuality:
    """How one platform answered our notices in a period.

    ``sent``: notices sent. ``acknowledged``: with a confirmation of receipt (art. 16(4)).
    ``decided``: every item decided. ``ignored``: neither acknowledged nor any item decided,
    and past the platform's SLA. ``items_decided``/``items_refused``: items of those notices
    with a decision, and those whose latest decision on the notice is a refusal or no action.
    """

    platform: Platform
    sent: int = 0
    acknowledged: int = 0
    decided: int = 0
    ignored: int = 0
    items_decided: int = 0
    items_refused: int = 0
    to_acknowledgement: Timing = field(default_factory=Timing)
    to_decision: Timing = field(default_factory=Timing)
    refusal_count: int = 0
    refusal_reasons: list[RefusalReason] = field(default_factory=list)

    @property
    def acknowledged_share(self) -> float | None:
        return _share(self.acknowledged, self.sent)

    @property
    def decided_share(self) -> float | None:
        return _share(self.decided, self.sent)

    @property
    def refused_share(self) -> float | None:
        return _share(self.items_refused, self.items_decided)

    @property
    def ignored_share(self) -> float | None:
        return _share(self.ignored, self.sent)

    @property
    def warning_reasons(self) -> list[str]:
        """``refused`` and/or ``ignored`` when that share reaches its threshold, for a
        platform with at least ``MIN_NOTICES_FOR_WARNING`` notices sent."""
        if self.sent < MIN_NOTICES_FOR_WARNING:
            return []
        reasons = []
        if (self.refused_share or 0) >= REFUSED_SHARE_WARNING:
            reasons.append("refused")
        if (self.ignored_share or 0) >= IGNORED_SHARE_WARNING:
            reasons.append("ignored")
        return reasons

    @property
    def warning(self) -> bool:
        return bool(self.warning_reasons)

    # Percentages for templates, which cannot multiply.
    def _percent(self, share: float | None) -> float | None:
        return None if share is None else share * 100

    @property
    def acknowledged_percent(self) -> float | None:
        return self._percent(self.acknowledged_share)

    @property
    def decided_percent(self) -> float | None:
        return self._percent(self.decided_share)

    @property
    def refused_percent(self) -> float | None:
        return self._percent(self.refused_share)

    @property
    def ignored_percent(self) -> float | None:
        return self._percent(self.ignored_share)


def parse_period(since: str = "", until: str = "") -> tuple[dt.date | None, dt.date | None]:
    """``?since=YYYY-MM-DD&until=YYYY-MM-DD`` as dates (both optional, both included).

    Raises ``ValidationFailed`` naming the field: not a date in that form, or ``since`` after
    ``until``. Only the ISO form is accepted, so "03/04/2026" is never read the wrong way round.
    """
    errors: dict[str, list[str]] = {}
    parsed: dict[str, dt.date | None] = {}
    for name, raw in (("since", since), ("until", until)):
        raw = (raw or "").strip()
        parsed[name] = None
        if not raw:
            continue
        try:
            parsed[name] = dt.datetime.strptime(raw[:20], "%Y-%m-%d").date()
        except ValueError:
            errors[name] = [_("Enter a date as YYYY-MM-DD, for example 2026-01-31.")]
    start, end = parsed["since"], parsed["until"]
    if start and end and start > end:
        errors["until"] = [_("The end of the period is before its start.")]
    if errors:
        raise ValidationFailed(_("The period is not valid."), fields=errors)
    return start, end


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _sent_in_period(since: dt.date | None, until: dt.date | None) -> QuerySet[Notice]:
    """Notices of ``QUALITY_KINDS`` sent between ``since`` and ``until``, days included, in
    local time."""
    notices = Notice.objects.filter(kind__in=QUALITY_KINDS, sent_at__isnull=False)
    if since:
        notices = notices.filter(sent_at__gte=_day_start(since))
    if until:
        notices = notices.filter(sent_at__lt=_day_start(until + dt.timedelta(days=1)))
    return notices


def _hours(start: dt.datetime, end: dt.datetime) -> float:
    # An answer recorded before the send (a typo in a received time) counts as immediate.
    return max((end - start).total_seconds() / HOUR, 0.0)


def _qualities(notices: QuerySet[Notice], now: dt.datetime) -> dict[UUID, PlatformQuality]:
    """The figures of every platform with a notice in ``notices``, in five queries: the
    notices, their items and assessments (for the SLA), their decisions, the shown reasons."""
    rows = list(
        _with_phenomena(
            notices.only(
                "id",
                "reference",
                "kind",
                "platform",
                "sent_at",
                "acknowledged_at",
                "decided_at",
            )
        )
    )
    # The latest decision per (notice, item) on that notice: corrections replace decisions.
    latest: dict[tuple[UUID, UUID], tuple[str, dt.datetime, UUID, dt.datetime]] = {}
    decisions = (
        ItemDecision.objects.filter(notice__in=notices.values("pk"))
        .order_by("created_at", "id")
        .values_list(
            "notice_id", "item_id", "decision", "decided_at", "response_id", "response__received_at"
        )
    )
    for notice_id, item_id, decision, decided_at, response_id, received_at in decisions:
        latest[(notice_id, item_id)] = (decision, decided_at, response_id, received_at)
    by_notice: dict[UUID, list[tuple[str, dt.datetime, UUID, dt.datetime]]] = defaultdict(list)
    for (notice_id, _item_id), value in latest.items():
        by_notice[notice_id].append(value)

    qualities: dict[UUID, PlatformQuality] = {}
    to_ack: dict[UUID, list[float]] = defaultdict(list)
    to_decision: dict[UUID, list[float]] = defaultdict(list)
    # Per platform: refusal response id -> (received_at, notice, decisions refused in it).
    refusals: dict[UUID, dict[UUID, tuple[dt.datetime, Notice, set[str]]]] = defaultdict(dict)
    for notice in rows:
        sent_at = notice.sent_at
        assert sent_at is not None  # noqa: S101 - _sent_in_period keeps sent notices only
        q = qualities.setdefault(notice.platform_id, PlatformQuality(platform=notice.platform))
        q.sent += 1
        decided = by_notice.get(notice.id, [])
        if notice.acknowledged_at:
            q.acknowledged += 1
            to_ack[notice.platform_id].append(_hours(sent_at, notice.acknowledged_at))
        if notice.decided_at:
            q.decided += 1
        if not notice.acknowledged_at and not decided:
            due = due_at(notice)
            if due is not None and due < now:
                q.ignored += 1
        for decision, decided_at, response_id, received_at in decided:
            q.items_decided += 1
            to_decision[notice.platform_id].append(_hours(sent_at, decided_at))
            if decision in REFUSALS:
                q.items_refused += 1
                entry = refusals[notice.platform_id].setdefault(
                    response_id, (received_at, notice, set())
                )
                entry[2].add(decision)
    shown: dict[UUID, list[UUID]] = {}
    for platform_id, q in qualities.items():
        q.to_acknowledgement = timing(to_ack[platform_id])
        q.to_decision = timing(to_decision[platform_id])
        found = refusals[platform_id]
        q.refusal_count = len(found)
        newest = sorted(found, key=lambda r: found[r][0], reverse=True)
        shown[platform_id] = newest[:REFUSAL_REASONS_SHOWN]
    texts = _statements([r for ids in shown.values() for r in ids])
    for platform_id, ids in shown.items():
        found = refusals[platform_id]
        qualities[platform_id].refusal_reasons = [
            RefusalReason(
                response_id=r,
                notice_id=found[r][1].id,
                reference=found[r][1].reference,
                received_at=found[r][0],
                decisions=tuple(d for d in REFUSALS if d in found[r][2]),
                statement=texts.get(r, ("", False))[0],
                truncated=texts.get(r, ("", False))[1],
            )
            for r in ids
        ]
    return qualities


def _statements(response_ids: Iterable[UUID]) -> dict[UUID, tuple[str, bool]]:
    """Response id -> (statement cut to ``REFUSAL_REASON_CHARS``, whether it was cut); reads
    only the beginning of each statement (they can be 50,000 characters long)."""
    ids = list(response_ids)
    if not ids:
        return {}
    limit = REFUSAL_REASON_CHARS
    rows = (
        NoticeResponse.objects.filter(pk__in=ids)
        .annotate(excerpt=Substr("statement", 1, limit), length=Length("statement"))
        .values_list("id", "excerpt", "length")
    )
    result = {}
    for response_id, excerpt, length in rows:
        text = excerpt or ""
        truncated = (length or 0) > limit
        if truncated:
            text = text[: limit - 1].rstrip() + "…"
        result[response_id] = (text, truncated)
    return result


def quality_by_platform(
    since: dt.date | None = None,
    until: dt.date | None = None,
    *,
    now: dt.datetime | None = None,
) -> list[PlatformQuality]:
    """One ``PlatformQuality`` per platform with a notice sent in the period, by name.

    A notice belongs to the period of its sending; its answers count whenever they came.
    """
    qualities = _qualities(_sent_in_period(since, until), now or timezone.now())
    return sorted(qualities.values(), key=lambda q: (q.platform.name.lower(), q.platform.name))


def quality_for(
    platform: Platform,
    since: dt.date | None = None,
    until: dt.date | None = None,
    *,
    now: dt.datetime | None = None,
) -> PlatformQuality:
    """The figures of one platform (all zero when it got no notice in the period)."""
    notices = _sent_in_period(since, until).filter(platform=platform)
    found = _qualities(notices, now or timezone.now())
    return found.get(platform.pk) or PlatformQuality(platform=platform)
