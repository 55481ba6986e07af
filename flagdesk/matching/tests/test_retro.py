"""Hashes added to a bank later are matched against the items we already hold."""

from __future__ import annotations

import pytest

from flagdesk.cases.models import CaseEvent
from flagdesk.cases.tests.factories import reported_item
from flagdesk.matching.models import Match
from flagdesk.matching.services.banks import EntryInput, add_entries
from flagdesk.matching.services.retro import retro_match
from flagdesk.matching.signal_types import ComputedSignal, Vpdq
from flagdesk.matching.signal_types.vpdq import Frame

from .factories import bank, flip, item_signals, random_pdq, video_value

pytestmark = pytest.mark.django_db


def test_a_partner_hash_added_later_flags_an_item_we_hold(
    users, django_capture_on_commit_callbacks
):
    value = random_pdq(70)
    item = reported_item()
    [signal] = item_signals(item, [ComputedSignal("pdq", value, 90)])
    other = reported_item()
    item_signals(other, [ComputedSignal("pdq", random_pdq(71), 90)])
    partner = bank(users["coordinator"], "Partner", kind="partner", partner=users["partner"])
    with django_capture_on_commit_callbacks(execute=True):
        add_entries(partner, [EntryInput("pdq", flip(value, 7), 90)], actor=users["partner"])
    # The task queued on commit runs as the worker would.
    from django.core.management import call_command

    call_command("worker", burst=True)
    [match] = Match.objects.all()
    assert (match.item, match.signal, match.distance) == (item, signal, 7)
    assert CaseEvent.objects.filter(item=item, kind=CaseEvent.Kind.MATCHED).count() == 1


def test_exact_and_video_hashes_are_retro_matched_once(users):
    item = reported_item()
    known_video = Vpdq.frames(video_value(5, frames=12))
    item_signals(
        item,
        [
            ComputedSignal("md5", "c" * 32),
            ComputedSignal("vpdq", Vpdq.serialise(known_video)),
        ],
    )
    own = bank(users["coordinator"])
    trimmed = [Frame(flip(f.pdq, 5, seed=n), 90, float(n)) for n, f in enumerate(known_video[2:11])]
    added = add_entries(
        own,
        [EntryInput("md5", "c" * 32), EntryInput("vpdq", Vpdq.serialise(trimmed))],
        actor=users["analyst"],
    ).added
    first, last = min(e.pk for e in added), max(e.pk for e in added)
    created = retro_match(own.pk, first, last)
    assert sorted(m.entry.signal_type for m in created) == ["md5", "vpdq"]
    video = next(m for m in created if m.entry.signal_type == "vpdq")
    assert video.known_share == 100.0  # every frame of the known clip is in our video
    assert retro_match(own.pk, first, last) == []  # run twice: nothing new


def test_closed_items_and_disabled_banks_are_left_alone(users):
    from flagdesk.cases.models import Item
    from flagdesk.matching.services.banks import set_bank_enabled

    value = random_pdq(80)
    closed = reported_item()
    Item.objects.filter(pk=closed.pk).update(status=Item.Status.CLOSED)
    item_signals(closed, [ComputedSignal("pdq", value, 90)])
    own = bank(users["coordinator"])
    [entry] = add_entries(own, [EntryInput("pdq", value, 90)], actor=users["analyst"]).added
    assert retro_match(own.pk, entry.pk, entry.pk) == []
    open_item = reported_item()
    item_signals(open_item, [ComputedSignal("pdq", value, 90)])
    set_bank_enabled(own, False, actor=users["coordinator"])
    assert retro_match(own.pk, entry.pk, entry.pk) == []
