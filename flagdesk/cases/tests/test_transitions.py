import pytest

from flagdesk.cases.models import CaseEvent, Item
from flagdesk.cases.services import open_items
from flagdesk.cases.transitions import ALLOWED, IllegalTransition, StaleState, transition

pytestmark = pytest.mark.django_db


def test_allowed_covers_every_status():
    assert set(ALLOWED) == set(Item.Status.values)
    for targets in ALLOWED.values():
        assert targets <= set(Item.Status.values)


def test_transition_writes_one_event_and_refuses_illegal_moves(users):
    _, [opened] = open_items(["https://social.test/p/1"])
    item = opened.item
    event = transition(item, Item.Status.ASSESSING, actor=users["analyst"], note="start")
    assert (event.before, event.after, event.actor) == ("new", "assessing", users["analyst"])
    assert Item.objects.get(pk=item.pk).status == "assessing"
    with pytest.raises(IllegalTransition):
        transition(item, Item.Status.REMOVED, actor=users["analyst"])
    assert CaseEvent.objects.filter(item=item, kind="status").count() == 1


def test_the_slower_of_two_users_fails_loudly(users):
    _, [opened] = open_items(["https://social.test/p/2"])
    first = Item.objects.get(pk=opened.item.pk)
    second = Item.objects.get(pk=opened.item.pk)
    transition(first, Item.Status.ASSESSING, actor=users["analyst"])
    with pytest.raises(StaleState):
        transition(second, Item.Status.DUPLICATE, actor=users["reviewer"])


def test_case_events_are_append_only(users):
    _, [opened] = open_items(["https://social.test/p/3"])
    event = CaseEvent.objects.filter(item=opened.item).first()
    event.note = "rewritten"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        CaseEvent.objects.filter(pk=event.pk).update(note="x")
    with pytest.raises(TypeError):
        CaseEvent.objects.filter(pk=event.pk).delete()
