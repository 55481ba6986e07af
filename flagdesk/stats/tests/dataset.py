"""A small known data set for the dashboard's tests: every figure it gives is computed by hand
in ``test_dashboard_figures.py``.

Rows are written directly (reports, items and notices dated in 2025 and 2026 cannot come from
services that stamp "now"), kept consistent the way the services keep them: a notice's
``acknowledged_at``/``decided_at`` match its responses and item decisions, a correction names
the decision it corrects. Times are in the organisation's zone (Europe/Brussels).
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from flagdesk.accounts.models import User
from flagdesk.cases.models import Case, CaseFacts, Item
from flagdesk.intake.models import Report
from flagdesk.notices.models import ItemDecision, Notice, NoticeResponse
from flagdesk.platforms.models import Platform

_numbers = itertools.count(1)


def at(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> dt.datetime:
    """A moment in the organisation's time zone."""
    return timezone.make_aware(dt.datetime(year, month, day, hour, minute))


@dataclass
class World:
    actor: User
    platforms: dict[str, Platform] = field(default_factory=dict)
    cases: dict[str, Case] = field(default_factory=dict)
    items: dict[str, Item] = field(default_factory=dict)
    notices: dict[str, Notice] = field(default_factory=dict)

    def platform(self, name: str, hours: int) -> Platform:
        platform = Platform.objects.create(
            name=name, slug=name.lower(), sla_hours={"default": hours}, languages=["en"]
        )
        self.platforms[name] = platform
        return platform

    def case(self, key: str, created_at: dt.datetime, **facts: Any) -> Case:
        case = Case.objects.create()
        Case.objects.filter(pk=case.pk).update(created_at=created_at)
        case.created_at = created_at
        if facts:
            CaseFacts.objects.create(case=case, **facts)
        self.cases[key] = case
        return case

    def item(self, key: str, case: str, phenomenon: str, platform: str | None) -> Item:
        n = next(_numbers)
        url = f"https://example.test/{key.lower()}/{n}"
        item = Item.objects.create(
            case=self.cases[case],
            url=url,
            normalised_url=url,
            url_key=f"{key}-{n}",
            phenomenon=phenomenon,
            platform=self.platforms[platform] if platform else None,
            status=Item.Status.NOTIFIED,
        )
        Item.objects.filter(pk=item.pk).update(created_at=self.cases[case].created_at)
        self.items[key] = item
        return item

    def report(
        self,
        case: str,
        items: list[str],
        created_at: dt.datetime,
        *,
        channel: str = "web",
        role: str = "victim",
        phenomenon: str = "",
        age: str = "",
        gender: str = "",
    ) -> Report:
        report = Report.objects.create(
            receipt_code_hash="x" * 64,
            case=self.cases[case],
            channel=channel,
            role=role,
            phenomenon=phenomenon,
            victim_age_band=age,
            victim_gender=gender,
        )
        Report.objects.filter(pk=report.pk).update(created_at=created_at)
        report.items.set([self.items[k] for k in items])
        return report

    def notice(
        self,
        key: str,
        platform: str,
        items: list[str],
        sent_at: dt.datetime,
        *,
        kind: str = Notice.Kind.NOTICE,
        acknowledged_at: dt.datetime | None = None,
        decisions: list[tuple[str, str, dt.datetime]] = (),  # type: ignore[assignment]
        corrections: list[tuple[str, str, dt.datetime]] = (),  # type: ignore[assignment]
    ) -> Notice:
        """``decisions``/``corrections``: (item key, decision, decided_at); a correction
        replaces that item's decision on this notice. ``decided_at`` and the status follow
        from what was decided, as ``notices.services`` sets them."""
        n = next(_numbers)
        notice = Notice.objects.create(
            platform=self.platforms[platform],
            kind=kind,
            status=Notice.Status.SENT,
            channel_kind="email",
            recipient="abuse@example.test",
            sender="flagger@example.test",
            language="en",
            subject=f"Notice {key}",
            body="…",
            message_id=f"<{key}-{n}@flagdesk.test>",
            created_by=self.actor,
            queued_at=sent_at,
            sent_at=sent_at,
        )
        notice.items.set([self.items[k] for k in items])
        if acknowledged_at:
            NoticeResponse.objects.create(
                notice=notice, kind=NoticeResponse.Kind.ACKNOWLEDGEMENT, received_at=acknowledged_at
            )
            notice.acknowledged_at = acknowledged_at
            notice.status = Notice.Status.ACKNOWLEDGED
        first: dict[str, ItemDecision] = {}
        for item_key, decision, decided_at in decisions:
            response = NoticeResponse.objects.create(
                notice=notice,
                kind=NoticeResponse.Kind.DECISION,
                decision=decision,
                received_at=decided_at,
            )
            first[item_key] = ItemDecision.objects.create(
                response=response,
                notice=notice,
                item=self.items[item_key],
                decision=decision,
                decided_at=decided_at,
            )
        for item_key, decision, decided_at in corrections:
            response = NoticeResponse.objects.create(
                notice=notice,
                kind=NoticeResponse.Kind.DECISION,
                decision=decision,
                received_at=decided_at,
            )
            ItemDecision.objects.create(
                response=response,
                notice=notice,
                item=self.items[item_key],
                decision=decision,
                decided_at=decided_at,
                corrects=first[item_key],
            )
        decided_items = {k for k, _d, _t in decisions}
        if decided_items and decided_items == set(items):
            notice.decided_at = max(t for _k, _d, t in [*decisions, *corrections])
            notice.status = Notice.Status.DECIDED
        notice.save()
        self.notices[key] = notice
        return notice


def build(actor: User) -> World:
    """The data set of ``test_dashboard_figures.py`` (read its comments for the figures)."""
    w = World(actor=actor)
    w.platform("Alpha", 24)
    w.platform("Beta", 48)
    D = NoticeResponse.Decision

    # The period: 2026-01-01 .. 2026-06-30.
    w.case("A", at(2026, 1, 10), victim_age=25)
    w.item("I1", "A", "ncii", "Alpha")
    w.item("I2", "A", "doxing", "Beta")
    w.report("A", ["I1", "I2"], at(2026, 1, 10), phenomenon="ncii", age="18-24", gender="female")

    w.case(
        "B",
        at(2026, 2, 5),
        victim_age=13,
        victim_gender="male",
        school_level="secondary",
        demand_money=True,
        demand_images=True,
    )
    w.item("I3", "B", "sextortion", "Alpha")
    w.report(
        "B", ["I3"], at(2026, 2, 5), channel="phone", role="parent", phenomenon="sextortion",
        age="13-17", gender="male",
    )  # fmt: skip

    w.case("C", at(2026, 3, 15))
    w.item("I4", "C", "gender_hate_speech", "Alpha")
    w.item("I5", "C", "gender_hate_speech", "Beta")
    w.report("C", ["I4"], at(2026, 3, 15), role="witness", phenomenon="gender_hate_speech")
    w.report(
        "C", ["I4", "I5"], at(2026, 3, 16), channel="phone", role="witness",
        phenomenon="gender_hate_speech", age="25-34", gender="male",
    )  # fmt: skip

    # 00:30 on 1 January in Brussels is still 31 December in UTC: it counts in January 2026.
    w.case("D", at(2026, 1, 1, 0, 30), victim_age=11, school_level="primary", meeting_sought=True)
    w.item("I6", "D", "grooming", "Beta")
    w.report(
        "D", ["I6"], at(2026, 1, 1, 0, 30), channel="email", phenomenon="grooming",
        age="under-13", gender="female",
    )  # fmt: skip

    w.case("E", at(2026, 6, 30, 23, 30))
    w.item("I7", "E", "", "Alpha")
    w.report(
        "E", ["I7"], at(2026, 6, 30, 23, 30), channel="api", role="professional",
        age="13-17", gender="non_binary",
    )  # fmt: skip

    w.case("F", at(2026, 4, 20), victim_gender="female", demand_other=True)
    w.item("I8", "F", "sextortion", "Alpha")
    w.report("F", ["I8"], at(2026, 4, 20), phenomenon="sextortion")

    # A year earlier: 2025-01-01 .. 2025-06-30.
    w.case("G", at(2025, 2, 10))
    w.item("I9", "G", "ncii", "Alpha")
    w.item("I10", "G", "ncii", "Alpha")
    w.report("G", ["I9", "I10"], at(2025, 2, 10), phenomenon="ncii")
    w.case("H", at(2025, 5, 1))
    w.item("I11", "H", "sextortion", "Beta")
    w.report("H", ["I11"], at(2025, 5, 1), role="witness", phenomenon="sextortion")

    # Neither: 23:30 on 31 December 2025 in Brussels; 00:30 on 1 July 2026 in Brussels
    # (still 30 June in UTC).
    w.case("X", at(2025, 12, 31, 23, 30), victim_age=30)
    w.item("I12", "X", "ncii", "Alpha")
    w.report("X", ["I12"], at(2025, 12, 31, 23, 30), phenomenon="ncii")
    w.case("Y", at(2026, 7, 1, 0, 30), victim_age=8)
    w.item("I13", "Y", "ncii", "Beta")
    w.report("Y", ["I13"], at(2026, 7, 1, 0, 30), phenomenon="ncii")

    w.notice(
        "N1", "Alpha", ["I1", "I3"], at(2026, 1, 11, 10),
        acknowledged_at=at(2026, 1, 11, 12),
        decisions=[
            ("I1", D.REMOVED, at(2026, 1, 11, 20)),
            ("I3", D.RESTRICTED, at(2026, 1, 12, 10)),
        ],
    )  # fmt: skip
    w.notice(
        "N2", "Alpha", ["I4"], at(2026, 3, 16, 8),
        decisions=[("I4", D.REFUSED, at(2026, 3, 16, 20))],
        corrections=[("I4", D.REMOVED, at(2026, 3, 18, 8))],
    )  # fmt: skip
    w.notice(
        "N3", "Beta", ["I2", "I5"], at(2026, 3, 20, 9),
        acknowledged_at=at(2026, 3, 21, 9),
        decisions=[("I5", D.NO_ACTION, at(2026, 3, 20, 21))],
    )  # fmt: skip
    w.notice("N4", "Beta", ["I6"], at(2026, 1, 2, 10))
    w.notice(
        "N5", "Alpha", ["I8"], at(2026, 4, 21, 10), kind=Notice.Kind.RENOTICE,
        acknowledged_at=at(2026, 4, 21, 14),
        decisions=[("I8", D.REMOVED, at(2026, 4, 22, 11))],
    )  # fmt: skip
    w.notice("N6", "Alpha", ["I7"], at(2026, 6, 1, 10), kind=Notice.Kind.REMINDER)
    w.notice("N7", "Alpha", ["I4"], at(2026, 4, 1, 10), kind=Notice.Kind.COMPLAINT)
    w.notice(
        "N8", "Alpha", ["I9"], at(2025, 2, 11, 10),
        decisions=[("I9", D.REMOVED, at(2025, 2, 11, 12))],
    )  # fmt: skip
    w.notice("N9", "Beta", ["I13"], at(2026, 7, 1, 10))
    return w
