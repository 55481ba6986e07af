"""Which platform an item is on: adoption after a registration, and corrections by hand.

Registrations here go through ``flagdesk.site.platforms`` (the composition every entry point
uses); the cases service alone is called where a test needs the step in isolation.
"""

from __future__ import annotations

import pytest

from flagdesk.cases.models import CaseEvent, Item
from flagdesk.cases.services import (
    adopt_open_items,
    open_items,
    review_assessment,
    set_item_platform,
)
from flagdesk.cases.services.platform import PLATFORM_OPEN_STATUSES, platform_can_change
from flagdesk.cases.transitions import transition
from flagdesk.core.errors import Conflict, PermissionDenied, ValidationFailed
from flagdesk.notices.services import queue_notices
from flagdesk.platforms.models import Platform
from flagdesk.platforms.services import add_platform
from flagdesk.site.platforms import add_platform_domains, register_platform

from .factories import approved_item, assessed_item, reported_item, social_platform

pytestmark = pytest.mark.django_db


def register(users, name: str, *domains: str):
    return register_platform(
        actor=users["coordinator"],
        name=name,
        domains=list(domains),
        notice_address=f"dsa@{domains[0]}",
    )


def waiting(*urls: str) -> list[Item]:
    _, opened = open_items(list(urls))
    return [o.item for o in opened]


def platform_events(item: Item) -> list[CaseEvent]:
    return list(CaseEvent.objects.filter(item=item, kind=CaseEvent.Kind.PLATFORM))


def test_registering_a_platform_adopts_its_waiting_items_with_an_event(users):
    first, on_subdomain, elsewhere = waiting(
        "https://newsite.test/p/1", "https://m.newsite.test/p/2", "https://other.test/p/3"
    )
    assert first.platform is None

    change = register(users, "New Site", "newsite.test")

    assert change.adopted_items == 2
    for item in (first, on_subdomain):
        item.refresh_from_db()
        assert item.platform == change.platform
        [event] = platform_events(item)
        assert event.actor == users["coordinator"]
        assert event.data == {
            "before": None,
            "after": {
                "id": str(change.platform.id),
                "slug": "new-site",
                "name": "New Site",
            },
            "how": "resolved",
            "domain": "newsite.test",
        }
    elsewhere.refresh_from_db()
    assert elsewhere.platform is None and not platform_events(elsewhere)


def test_a_domain_added_later_adopts_too(users):
    change = register(users, "Social", "social.test")
    [item] = waiting("https://soc-cdn.test/img/1")
    assert item.platform is None

    added = add_platform_domains(
        change.platform, actor=users["coordinator"], domains=["soc-cdn.test"]
    )

    assert added.domains == ("soc-cdn.test",) and added.adopted_items == 1
    item.refresh_from_db()
    assert item.platform == change.platform
    assert platform_events(item)[0].data["domain"] == "soc-cdn.test"


def test_items_of_every_status_past_the_notice_or_finished_are_untouched(users):
    # One item per status outside PLATFORM_OPEN_STATUSES, each taken there by the state machine.
    paths = {
        Item.Status.NOTIFIED: [Item.Status.NOTIFIED],
        Item.Status.REMOVED: [Item.Status.NOTIFIED, Item.Status.REMOVED],
        Item.Status.RESTRICTED: [Item.Status.NOTIFIED, Item.Status.RESTRICTED],
        Item.Status.REFUSED: [Item.Status.NOTIFIED, Item.Status.REFUSED],
        Item.Status.STILL_ONLINE: [Item.Status.NOTIFIED, Item.Status.STILL_ONLINE],
        Item.Status.ESCALATED: [Item.Status.NOTIFIED, Item.Status.REFUSED, Item.Status.ESCALATED],
        Item.Status.CLOSED: [Item.Status.NOTIFIED, Item.Status.REMOVED, Item.Status.CLOSED],
    }
    items = {}
    for status, steps in paths.items():
        item, _ = approved_item(users, f"https://late.test/{status}")
        for step in steps:
            transition(item, step, actor=users["coordinator"])
        items[status] = item
    for status in (Item.Status.DUPLICATE, Item.Status.OUT_OF_SCOPE):
        [item] = waiting(f"https://late.test/{status}")
        transition(item, status, actor=users["analyst"])
        items[status] = item
    not_illegal, assessment = assessed_item(
        users, "https://late.test/not_illegal", verdict="not_illegal"
    )
    review_assessment(assessment, actor=users["reviewer"], approve=True)
    items[Item.Status.NOT_ILLEGAL] = not_illegal
    assert set(items) | PLATFORM_OPEN_STATUSES == set(Item.Status)

    assert register(users, "Late", "late.test").adopted_items == 0

    for status, item in items.items():
        item.refresh_from_db()
        assert item.status == status and item.platform is None, status


def test_every_open_status_is_adopted(users):
    new = reported_item("https://open.test/new")
    assessing, _ = assessed_item(users, "https://open.test/sent-back")
    awaiting, _ = assessed_item(users, "https://open.test/awaiting")
    approved, _ = approved_item(users, "https://open.test/approved")
    transition(assessing, Item.Status.ASSESSING, actor=users["reviewer"])

    change = register(users, "Open", "open.test")

    assert change.adopted_items == 4
    for item in (new, assessing, awaiting, approved):
        item.refresh_from_db()
        assert item.platform == change.platform


def test_an_approved_item_in_a_queued_notice_keeps_its_platform(users):
    parent = social_platform(users["coordinator"], name="Big", domains=("big.test",))
    queued, _ = approved_item(users, "https://sites.big.test/queued")
    free, _ = approved_item(users, "https://sites.big.test/free")
    queue_notices([queued], actor=users["analyst"])
    assert not platform_can_change(queued) and platform_can_change(free)

    change = register(users, "Big Sites", "sites.big.test")

    assert change.adopted_items == 1
    queued.refresh_from_db()
    free.refresh_from_db()
    assert queued.platform == parent and free.platform == change.platform
    [event] = platform_events(free)
    assert event.data["before"] == {"id": str(parent.id), "slug": "big", "name": "Big"}


def test_the_more_specific_domain_of_another_platform_wins(users):
    on_sites, on_parent = waiting("https://sites.big.test/a", "https://www.big.test/b")
    sites = register(users, "Big Sites", "sites.big.test").platform

    parent = register(users, "Big", "big.test")

    assert parent.adopted_items == 1
    on_sites.refresh_from_db()
    on_parent.refresh_from_db()
    assert on_sites.platform == sites and on_parent.platform == parent.platform
    assert len(platform_events(on_sites)) == 1  # untouched by the second registration


def test_a_domain_named_only_in_the_path_does_not_adopt(users):
    [item] = waiting("https://other.test/share?u=https://newsite.test/p/1")
    assert register(users, "New Site", "newsite.test").adopted_items == 0
    item.refresh_from_db()
    assert item.platform is None


def test_an_international_domain_adopts_the_items_intake_stored_in_idna(users):
    item = reported_item("https://bücher.test/p/1")
    assert item.url == "https://xn--bcher-kva.test/p/1"
    change = register(users, "Bücher", "Bücher.test")
    assert change.domains == ("xn--bcher-kva.test",) and change.adopted_items == 1
    item.refresh_from_db()
    assert item.platform == change.platform


def test_a_platform_set_by_hand_is_not_overridden_by_a_registration(users):
    chosen = social_platform(users["coordinator"])
    [item] = waiting("https://cdn-x.test/1")
    set_item_platform(item, actor=users["analyst"], platform=chosen, note="CDN of Social")

    assert register(users, "CDN X", "cdn-x.test").adopted_items == 0

    item.refresh_from_db()
    assert item.platform == chosen


def test_a_deactivated_platform_adopts_nothing(users):
    platform = add_platform(
        actor=users["coordinator"], name="Gone", domains=["gone.test"], notice_address="a@gone.test"
    )
    Platform.objects.filter(pk=platform.pk).update(is_active=False)
    platform.refresh_from_db()
    waiting("https://gone.test/1")
    assert adopt_open_items(platform, actor=users["coordinator"]) == 0


@pytest.mark.parametrize("count", [3, 90])
def test_adoption_query_count_does_not_grow_with_items(users, count, django_assert_max_num_queries):
    waiting(*(f"https://many.test/p/{n}" for n in range(count)))
    waiting(*(f"https://unrelated.test/p/{n}" for n in range(count)))
    platform = add_platform(
        actor=users["coordinator"], name="Many", domains=["many.test"], notice_address="a@many.test"
    )
    # savepoint, domains, candidates, domain table, earlier platforms (none here), UPDATE,
    # INSERT, release. Writes are batched: beyond 90 items SQLite needs one more INSERT per 99
    # events (its limit of 999 parameters), PostgreSQL one per 900.
    with django_assert_max_num_queries(7):
        assert adopt_open_items(platform, actor=users["coordinator"]) == count


def test_an_analyst_sets_the_platform_by_hand_with_an_event(users):
    social = social_platform(users["coordinator"])
    [item] = waiting("https://unknown.test/p/1")

    event = set_item_platform(item, actor=users["analyst"], platform=social, note=" Its CDN. ")

    item.refresh_from_db()
    assert item.platform == social
    assert event.kind == CaseEvent.Kind.PLATFORM and event.actor == users["analyst"]
    assert event.note == "Its CDN."
    assert event.data["how"] == "by_hand" and event.data["before"] is None
    assert event.data["after"]["slug"] == "social"


def test_correcting_to_another_platform_records_before_and_after(users):
    social = social_platform(users["coordinator"])
    other = social_platform(users["coordinator"], name="Other", domains=("other.test",))
    item = reported_item("https://social.test/p/9")
    event = set_item_platform(item, actor=users["reviewer"], platform=other)
    assert event.data["before"]["slug"] == social.slug and event.data["after"]["slug"] == "other"
    assert set_item_platform(item, actor=users["reviewer"], platform=other) is None  # no-op
    assert len(platform_events(item)) == 1


@pytest.mark.parametrize("role", ["intake", "auditor", "admin", "partner"])
def test_only_assessors_set_the_platform(users, role):
    social = social_platform(users["coordinator"])
    [item] = waiting("https://unknown.test/p/2")
    with pytest.raises(PermissionDenied):
        set_item_platform(item, actor=users[role], platform=social)


def test_the_platform_of_a_notified_item_cannot_change(users):
    social = social_platform(users["coordinator"])
    other = social_platform(users["coordinator"], name="Other", domains=("other.test",))
    item, _ = approved_item(users, "https://social.test/p/notified")
    transition(item, Item.Status.NOTIFIED, actor=users["analyst"])
    with pytest.raises(Conflict, match="Notified"):
        set_item_platform(item, actor=users["analyst"], platform=other)
    item.refresh_from_db()
    assert item.platform == social


def test_the_platform_of_an_item_in_a_queued_notice_cannot_change(users):
    social_platform(users["coordinator"])
    other = social_platform(users["coordinator"], name="Other", domains=("other.test",))
    item, _ = approved_item(users, "https://social.test/p/queued")
    queue_notices([item], actor=users["analyst"])
    with pytest.raises(Conflict, match="queued"):
        set_item_platform(item, actor=users["analyst"], platform=other)


def test_a_deactivated_platform_cannot_be_chosen(users):
    social = social_platform(users["coordinator"])
    Platform.objects.filter(pk=social.pk).update(is_active=False)
    social.refresh_from_db()
    [item] = waiting("https://unknown.test/p/3")
    with pytest.raises(ValidationFailed) as e:
        set_item_platform(item, actor=users["analyst"], platform=social)
    assert "platform" in e.value.fields
