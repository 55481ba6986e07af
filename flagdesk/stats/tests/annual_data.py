"""A small, fully known year of notices for the annual report's tests: every figure of the
report over it is written by hand in test_annual_figures.py.

2025, three providers (Alpha and Beta are companies, "Jo's forum" is run by a natural person):

=====  ========  ==============  ==================================  ===========================
notice provider  sent (UTC)      items (type)                        answers
=====  ========  ==============  ==================================  ===========================
N1     Alpha     1 Feb 10:00 TF  i1 ncii, i2 ncii, i3 harassment*    ack +2 h; i1 removed +10 h;
                                                                     i2 removed +20 h, corrected
                                                                     to refused +30 h; i3
                                                                     geo-blocked +40 h
N2     Alpha     10 Jun 08:00 TF i4 ncii                             ack +4 h; none (pending)
N3     Beta      5 Mar 12:00     i5 harassment, i6 csam              i5 no action +48 h; i6
                                                                     disabled +6 h
N4     Jo        1 Sep 09:00     i7 ncii                             ack +1 h; removed +12 h
N5     Alpha     20 Dec 2024     i8 ncii                             removed (last year)
N6     Beta      2 Jan 2026      i9 ncii                             (next year)
N7     Alpha     never sent      i10 ncii                            (a draft)
R1     Alpha     reminder of N2, 20 Jun 2025
RN1    Beta      re-notice of N3 (i5), 1 Apr 2025
=====  ========  ==============  ==================================  ===========================

* i3 was reported as ncii; its latest assessment says cyber_harassment.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from flagdesk.accounts.models import User
from flagdesk.cases.models import Assessment, Case, Item
from flagdesk.core import taxonomy
from flagdesk.notices.models import ItemDecision, Notice, NoticeResponse
from flagdesk.platforms.models import Platform

UTC = dt.UTC
H = dt.timedelta(hours=1)
NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


@dataclass
class Year:
    platforms: dict[str, Platform] = field(default_factory=dict)
    items: dict[str, Item] = field(default_factory=dict)
    notices: dict[str, Notice] = field(default_factory=dict)


def _platform(name: str, *, natural: bool = False) -> Platform:
    slug = name.lower().replace(" ", "-").replace("'", "")
    return Platform.objects.create(
        name=name, slug=slug, languages=["en"], is_natural_person=natural
    )


def _item(case: Case, platform: Platform, n: int, reported: str, assessed: str, by: User) -> Item:
    url = f"https://{platform.slug}.test/p/{n}"
    item = Item.objects.create(
        case=case,
        url=url,
        normalised_url=url,
        url_key=hashlib.sha256(url.encode()).hexdigest(),
        platform=platform,
        phenomenon=reported,
        status=Item.Status.NOTIFIED,
    )
    Assessment.objects.create(
        item=item,
        author=by,
        verdict="illegal",
        phenomenon=reported,
        tdb_category=taxonomy.phenomena()[reported].tdb_category or "",
    )
    if assessed != reported:
        Assessment.objects.create(
            item=item,
            author=by,
            verdict="illegal",
            phenomenon=assessed,
            tdb_category=taxonomy.phenomena()[assessed].tdb_category or "",
        )
    return item


_seq = iter(range(1, 1_000_000))


def _notice(
    platform: Platform,
    items: Sequence[Item],
    by: User,
    *,
    sent_at: dt.datetime | None,
    kind: str = Notice.Kind.NOTICE,
    tf: bool = False,
    ack: dt.timedelta | None = None,
    previous: Notice | None = None,
) -> Notice:
    n = next(_seq)
    notice = Notice.objects.create(
        platform=platform,
        kind=kind,
        previous=previous,
        status=Notice.Status.SENT if sent_at else Notice.Status.DRAFT,
        channel_kind="email",
        recipient=f"dsa@{platform.slug}.test",
        sender="notices@org.test",
        language="en",
        is_trusted_flagger=tf,
        subject=f"Notice {n}",
        body="Frozen text of the notice.",
        payload={},
        message_id=f"<annual-{n}@org.test>",
        created_by=by,
        sent_at=sent_at,
        acknowledged_at=sent_at + ack if sent_at and ack else None,
    )
    notice.items.set(items)
    return notice


def _decide(
    notice: Notice,
    item: Item,
    decision: str,
    after: dt.timedelta,
    *,
    corrects: ItemDecision | None = None,
) -> ItemDecision:
    assert notice.sent_at is not None
    when = notice.sent_at + after
    response = NoticeResponse.objects.create(
        notice=notice, kind=NoticeResponse.Kind.DECISION, decision=decision, received_at=when
    )
    return ItemDecision.objects.create(
        response=response,
        notice=notice,
        item=item,
        decision=decision,
        decided_at=when,
        corrects=corrects,
    )


def build_year(users: dict[str, User]) -> Year:
    analyst = users["analyst"]
    y = Year()
    alpha = y.platforms["alpha"] = _platform("Alpha")
    beta = y.platforms["beta"] = _platform("Beta")
    jo = y.platforms["jo"] = _platform("Jo's forum", natural=True)
    case = Case.objects.create()

    def item(key: str, platform: Platform, reported: str, assessed: str = "") -> Item:
        y.items[key] = _item(
            case, platform, len(y.items) + 1, reported, assessed or reported, analyst
        )
        return y.items[key]

    i1, i2 = item("i1", alpha, "ncii"), item("i2", alpha, "ncii")
    i3 = item("i3", alpha, "ncii", "cyber_harassment")
    i4 = item("i4", alpha, "ncii")
    i5, i6 = item("i5", beta, "cyber_harassment"), item("i6", beta, "csam")
    i7 = item("i7", jo, "ncii")
    i8, i9, i10 = item("i8", alpha, "ncii"), item("i9", beta, "ncii"), item("i10", alpha, "ncii")

    n1 = _notice(alpha, [i1, i2, i3], analyst, sent_at=at(2025, 2, 1, 10), tf=True, ack=2 * H)
    _decide(n1, i1, "removed", 10 * H)
    first = _decide(n1, i2, "removed", 20 * H)
    _decide(n1, i2, "refused", 30 * H, corrects=first)
    _decide(n1, i3, "geo_blocked", 40 * H)
    n2 = _notice(alpha, [i4], analyst, sent_at=at(2025, 6, 10, 8), tf=True, ack=4 * H)
    n3 = _notice(beta, [i5, i6], analyst, sent_at=at(2025, 3, 5, 12))
    _decide(n3, i5, "no_action", 48 * H)
    _decide(n3, i6, "disabled", 6 * H)
    n4 = _notice(jo, [i7], analyst, sent_at=at(2025, 9, 1, 9), ack=1 * H)
    _decide(n4, i7, "removed", 12 * H)
    n5 = _notice(alpha, [i8], analyst, sent_at=at(2024, 12, 20, 9))
    _decide(n5, i8, "removed", 5 * H)
    n6 = _notice(beta, [i9], analyst, sent_at=at(2026, 1, 2, 9))
    n7 = _notice(alpha, [i10], analyst, sent_at=None)
    r1 = _notice(
        alpha, [i4], analyst, sent_at=at(2025, 6, 20, 8), kind=Notice.Kind.REMINDER, previous=n2
    )
    rn1 = _notice(
        beta, [i5], analyst, sent_at=at(2025, 4, 1, 8), kind=Notice.Kind.RENOTICE, previous=n3
    )
    y.notices.update(n1=n1, n2=n2, n3=n3, n4=n4, n5=n5, n6=n6, n7=n7, r1=r1, rn1=rn1)
    return y


def provider(report: dict[str, Any], name: str) -> dict[str, Any]:
    [row] = [p for p in report["by_provider"] if p["provider"] == name]
    return row


def type_row(row: dict[str, Any], code: str) -> dict[str, Any]:
    [t] = [t for t in row["by_type"] if t["type"] == code]
    return t
