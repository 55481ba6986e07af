"""What a reporter sees of their report: per address, what happened and when, the platform's
answer, and what we do next (docs/status-page.md).

Built from the append-only case events and the notices' recorded answers, read only. A
whitelist of what may be told: the status moves a victim understands, the notices we sent
(with the platform's name), the platform's decisions with the public part of its statement of
reasons (decision, ground, where it applies, whether automated), and re-checks. Never who did
anything (staff names, who recorded an answer), no notes, no assessment, no other reporter's
data (their messages are other events), and only the addresses this report listed or added
later: other items of the same case are not the reporter's to see.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flagdesk.cases.models import CaseEvent, Item
from flagdesk.notices.models import ItemDecision, Notice
from flagdesk.notices.services.responses import ITEM_OUTCOME

from .models import Report, ReportMessage, ReportSignal
from .queries import PUBLIC_STATUS, overall_status, public_status

S = Item.Status
K = Notice.Kind

# The notice kinds, as the reporter's timeline names their sending.
SENT = {
    K.NOTICE: "notice_sent",
    K.REMINDER: "reminder_sent",
    K.RENOTICE: "renotice_sent",
    K.COMPLAINT: "complaint_sent",
    K.DSC_COMPLAINT: "dsc_complaint",
}
# Status moves told as such; the others are told by another event (a notice sent, a
# decision) or are not the reporter's business (duplicate, a return to assessment).
MOVES: dict[str, str] = {
    S.ASSESSING: "in_review",
    S.AWAITING_REVIEW: "in_review",
    S.APPROVED: "in_review",
    S.NOT_ILLEGAL: "not_illegal",
    S.OUT_OF_SCOPE: "out_of_scope",
    S.STILL_ONLINE: "still_online",
    S.ESCALATED: "escalated",
    S.CLOSED: "closed",
    S.REMOVED: "removed",
    S.RESTRICTED: "restricted",
    S.REFUSED: "refused",
}
# Every ``what`` an event can have (docs/api.md), in the order the page's legend lists them.
EVENTS = (
    "received",
    "information_added",
    "copy_found",
    "in_review",
    "not_illegal",
    "out_of_scope",
    *SENT.values(),
    "removed",
    "restricted",
    "refused",
    "gone_on_recheck",
    "still_online",
    "escalated",
    "closed",
)
NEXT_STEPS = (
    "assessment",
    "review",
    "await_decision",
    "follow_up",
    "watch",
    "restricted",
    "consider_options",
    "follow_up_prepared",
    "await_complaint",
    "await_dsc",
    "await_outcome",
    "report_to_platform",
    "none",
)
OPEN_FOLLOW_UP = (Notice.Status.DRAFT, Notice.Status.QUEUED)
REACHED = (Notice.Status.SENT, Notice.Status.ACKNOWLEDGED, Notice.Status.DECIDED)


@dataclass(frozen=True)
class PublicEvent:
    at: dt.datetime
    what: str  # one of EVENTS
    platform: str | None = None


@dataclass(frozen=True)
class PlatformAnswer:
    """The platform's current decision on the address, as its statement of reasons gave it."""

    platform: str
    decision: str  # notices' Decision: removed, disabled, geo_blocked, refused...
    decided_at: dt.datetime
    ground: str | None  # "illegal" or "terms"; None when it did not say
    territorial_scope: list[str]
    automated: bool | None


@dataclass(frozen=True)
class ItemTimeline:
    url: str
    status: str  # the public status (queries.PUBLIC_STATUS)
    platform: str | None
    events: list[PublicEvent]
    platform_answer: PlatformAnswer | None
    next_step: str  # one of NEXT_STEPS


@dataclass(frozen=True)
class ReportTimeline:
    reference: str
    status: str
    received_at: dt.datetime
    updated_at: dt.datetime
    phenomenon: str
    items: list[ItemTimeline]


@dataclass
class _Notices:
    """The notices naming the report's items (kind, platform, state), by notice id and by
    item id; ids as text, as case events store them."""

    by_id: dict[str, dict[str, Any]]
    by_item: dict[str, list[dict[str, Any]]]


def _notices(ids: list[Any]) -> _Notices:
    rows = Notice.objects.filter(items__in=ids).values(
        "id", "items", "kind", "status", "sent_at", "platform__name"
    )
    by_id: dict[str, dict[str, Any]] = {}
    by_item: dict[str, list[dict[str, Any]]] = {}
    for values in rows:
        row = dict(values)
        by_id[str(row["id"])] = row
        by_item.setdefault(str(row["items"]), []).append(row)
    return _Notices(by_id, by_item)


def _received(report: Report, ids: list[Any]) -> dict[str, dt.datetime]:
    """When the reporter gave each address: with the report, or in a message added later."""
    added: dict[str, dt.datetime] = {}
    rows = ReportMessage.items.through.objects.filter(
        reportmessage__report=report, item_id__in=ids
    ).values_list("item_id", "reportmessage__created_at")
    for item_id, at in rows:
        key = str(item_id)
        added[key] = min(at, added.get(key, at))
    return {str(i): added.get(str(i), report.created_at) for i in ids}


def _event_of(row: dict[str, Any], reference: str, notices: _Notices) -> PublicEvent | None:
    """One case event as the reporter may read it, or None when it is not theirs to see."""
    data = row["data"] or {}
    at = row["created_at"]
    kind = row["kind"]
    if kind == CaseEvent.Kind.REPORTER_MESSAGE:
        # Only this reporter's own messages: another reporter of the same address is not
        # this reporter's business.
        return PublicEvent(at, "information_added") if data.get("report") == reference else None
    if kind == CaseEvent.Kind.NOTICE_SENT:
        notice = notices.by_id.get(str(data.get("notice")))
        if notice is None or notice["kind"] not in SENT:
            return None
        return PublicEvent(at, SENT[notice["kind"]], notice["platform__name"])
    if kind != CaseEvent.Kind.STATUS or row["after"] not in MOVES:
        return None
    if "item_decision" in data:
        return None  # told by the decision itself, with the platform and its date
    what = MOVES[row["after"]]
    if row["after"] == S.REMOVED:
        # Not a platform's decision: an analyst confirmed what a re-check found.
        what = "gone_on_recheck"
    elif row["after"] in (S.RESTRICTED, S.REFUSED):
        return None  # only ever a platform's decision, told below
    return PublicEvent(at, what)


def _decisions(ids: list[Any]) -> dict[str, list[dict[str, Any]]]:
    rows = (
        ItemDecision.objects.filter(item_id__in=ids)
        .order_by("created_at")
        .values(
            "item_id",
            "decision",
            "ground",
            "territorial_scope",
            "is_automated",
            "decided_at",
            "notice__platform__name",
        )
    )
    by_item: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_item.setdefault(str(row["item_id"]), []).append(row)
    return by_item


def _answer(row: dict[str, Any]) -> PlatformAnswer:
    return PlatformAnswer(
        platform=row["notice__platform__name"],
        decision=row["decision"],
        decided_at=row["decided_at"],
        ground=row["ground"] or None,
        territorial_scope=list(row["territorial_scope"] or []),
        automated=row["is_automated"],
    )


def _next_step(item: Item, notices: Iterable[dict[str, Any]]) -> str:
    """What we do next for the address, from its status and the follow-ups on record."""
    status = item.status
    follow_ups = [n for n in notices if n["kind"] != K.NOTICE]
    if status == S.NEW:
        return "assessment"
    if status in (S.ASSESSING, S.AWAITING_REVIEW, S.APPROVED, S.DUPLICATE):
        return "review"
    if status == S.NOTIFIED:
        return "await_decision"
    if status == S.STILL_ONLINE:
        return "follow_up"
    if status == S.REMOVED:
        return "watch"
    if status == S.ESCALATED:
        return "await_outcome"
    if status == S.CLOSED:
        return "none"
    if status in (S.NOT_ILLEGAL, S.OUT_OF_SCOPE):
        return "report_to_platform"
    # Refused or restricted: what the follow-ups on record say.
    reached = {n["kind"] for n in follow_ups if n["status"] in REACHED}
    if K.DSC_COMPLAINT in reached:
        return "await_dsc"
    if K.COMPLAINT in reached or K.RENOTICE in reached:
        return "await_complaint"
    if any(n["status"] in OPEN_FOLLOW_UP for n in follow_ups):
        return "follow_up_prepared"
    return "restricted" if status == S.RESTRICTED else "consider_options"


def _copies_found(report: Report, own: list[Item]) -> dict[str, dt.datetime]:
    """For a report that sent a picture's fingerprints: the addresses where staff found a copy
    and put it in the report's case (docs/victims.md), with when they did (the move, else
    when the item was opened in the case)."""
    if not ReportSignal.objects.filter(report=report).exists():
        return {}
    others = Item.objects.filter(case_id=report.case_id).exclude(pk__in=[i.pk for i in own])
    found = {str(pk): at for pk, at in others.values_list("pk", "created_at")}
    moves = CaseEvent.objects.filter(
        case_id=report.case_id, kind=CaseEvent.Kind.MOVED, item_id__in=list(found)
    ).values_list("item_id", "created_at")
    for item_id, at in moves:
        found[str(item_id)] = max(at, found[str(item_id)])
    return found


def report_timeline(report: Report) -> ReportTimeline:
    """The whole page's content for ``report``, in a fixed number of queries."""
    own = list(report.items.select_related("platform").order_by("created_at"))
    copies = _copies_found(report, own)
    found = Item.objects.filter(pk__in=list(copies)).select_related("platform")
    items = own + list(found.order_by("created_at"))
    ids = [i.id for i in items]
    notices = _notices(ids)
    received = _received(report, [i.id for i in own])
    decisions = _decisions(ids)
    events = {key: [PublicEvent(at, "received")] for key, at in received.items()}
    events.update({key: [PublicEvent(at, "copy_found")] for key, at in copies.items()})
    rows = (
        CaseEvent.objects.filter(
            item_id__in=ids,
            kind__in=(
                CaseEvent.Kind.STATUS,
                CaseEvent.Kind.NOTICE_SENT,
                CaseEvent.Kind.REPORTER_MESSAGE,
            ),
        )
        .order_by("created_at")
        .values("item_id", "kind", "after", "data", "created_at")
    )
    for row in rows:
        event = _event_of(row, report.reference, notices)
        if event is not None:
            events[str(row["item_id"])].append(event)
    for item_id, rows_of_item in decisions.items():
        for row in rows_of_item:
            outcome = MOVES[ITEM_OUTCOME[row["decision"]]]
            events[item_id].append(
                PublicEvent(row["decided_at"], outcome, row["notice__platform__name"])
            )
    for row in notices.by_id.values():
        # The file for the Digital Services Coordinator has no send event: it is lodged.
        if row["kind"] == K.DSC_COMPLAINT and row["status"] in REACHED and row["sent_at"]:
            events[str(row["items"])].append(
                PublicEvent(row["sent_at"], "dsc_complaint", row["platform__name"])
            )
    public = public_status(report)
    timelines = []
    for item in items:
        key = str(item.id)
        answers = decisions.get(key)
        timelines.append(
            ItemTimeline(
                url=item.url,
                status=PUBLIC_STATUS[S(item.status)],
                platform=item.platform.name if item.platform else None,
                events=_collapsed(sorted(events[key], key=lambda e: e.at)),
                platform_answer=_answer(answers[-1]) if answers else None,
                next_step=_next_step(item, notices.by_item.get(key, [])),
            )
        )
    # Copies found for a picture count as the report's addresses (their events too).
    status = overall_status([t.status for t in timelines]) if copies else public.status
    updated = max([public.updated_at, *(e.at for t in timelines for e in t.events)])
    return ReportTimeline(
        reference=report.reference,
        status=status,
        received_at=report.created_at,
        updated_at=updated,
        phenomenon=report.phenomenon,
        items=timelines,
    )


def _collapsed(events: list[PublicEvent]) -> list[PublicEvent]:
    """Repeats of one step in a row told once (sent back and assessed again: still assessed)."""
    kept: list[PublicEvent] = []
    for event in events:
        if kept and kept[-1].what == event.what == "in_review":
            continue
        kept.append(event)
    return kept
