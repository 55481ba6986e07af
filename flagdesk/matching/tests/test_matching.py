"""Finding hashes in banks: PDQ radius, exact hashes, video frames, the item timeline, pre-fill."""

from __future__ import annotations

import pytest

from flagdesk.cases.models import Case, CaseEvent, Item
from flagdesk.cases.services.facts import default_facts_on
from flagdesk.cases.tests.factories import approved_item, reported_item
from flagdesk.core import taxonomy
from flagdesk.core.errors import Conflict
from flagdesk.matching.models import Match
from flagdesk.matching.services.banks import allow_prefill, remove_entry, set_bank_enabled
from flagdesk.matching.services.matching import find, match_item, may_keep_media
from flagdesk.matching.services.prefill import assess_from_match
from flagdesk.matching.signal_types import ComputedSignal, Vpdq
from flagdesk.matching.signal_types.vpdq import Frame

from .factories import add, bank, flip, item_signals, random_pdq, video_value

pytestmark = pytest.mark.django_db


def pdq(value: str, quality: int = 90) -> ComputedSignal:
    return ComputedSignal("pdq", value, quality)


def test_pdq_matches_within_31_bits_and_not_beyond(users):
    own = bank(users["coordinator"])
    known = random_pdq(1)
    [entry] = add(own, users["analyst"], ("pdq", known))
    near, edge, far = flip(known, 10), flip(known, 31, seed=2), flip(known, 32, seed=3)
    lookups = find([pdq(near), pdq(edge), pdq(far), pdq(known)])
    assert [(h.entry, h.distance) for h in lookups[0].hits] == [(entry, 10)]
    assert [h.distance for h in lookups[1].hits] == [31]
    assert lookups[2].hits == []
    assert [h.distance for h in lookups[3].hits] == [0]


def test_low_quality_is_neither_trusted_nor_indexed(users):
    own = bank(users["coordinator"])
    flat = random_pdq(7)
    add(own, users["analyst"], ("pdq", flat, 10))
    [lookup] = find([pdq(flat, quality=90)])
    assert lookup.hits == []  # the bank's flat-image hash is not indexed
    [lookup] = find([pdq(random_pdq(8), quality=20)])
    assert lookup.skipped == "low_quality"


def test_entries_added_after_the_index_opened_are_found(users):
    own = bank(users["coordinator"])
    first, later = random_pdq(1), random_pdq(2)
    add(own, users["analyst"], ("pdq", first))
    assert find([pdq(first)])[0].hits
    assert not find([pdq(later)])[0].hits
    add(own, users["analyst"], ("pdq", later))
    assert find([pdq(flip(later, 5))])[0].hits


def test_disabled_banks_and_removed_entries_do_not_match(users):
    own = bank(users["coordinator"])
    other = bank(users["coordinator"], "Partner")
    value = random_pdq(3)
    [mine] = add(own, users["analyst"], ("pdq", value))
    [theirs] = add(other, users["analyst"], ("pdq", flip(value, 3)))
    assert {h.entry for h in find([pdq(value)])[0].hits} == {mine, theirs}
    set_bank_enabled(other, False, actor=users["coordinator"])
    assert [h.entry for h in find([pdq(value)])[0].hits] == [mine]
    remove_entry(mine, actor=users["reviewer"], reason="a logo, false positive")
    assert find([pdq(value)])[0].hits == []


def test_exact_hashes_match_only_exactly(users):
    own = bank(users["coordinator"])
    digest = "0123456789abcdef" * 4
    entry, _ = add(own, users["analyst"], ("sha256", digest), ("md5", "a" * 32))
    lookups = find(
        [
            ComputedSignal("sha256", digest),
            ComputedSignal("sha256", digest[:-1] + "0"),
            ComputedSignal("md5", "a" * 32),
        ]
    )
    assert [h.entry for h in lookups[0].hits] == [entry]
    assert lookups[1].hits == []
    assert len(lookups[2].hits) == 1


def _frames(value: str) -> list[Frame]:
    return Vpdq.frames(value)


def test_trimmed_and_reencoded_video_matches_by_frame_share(users):
    own = bank(users["coordinator"])
    known = video_value(11, frames=20)
    [entry] = add(own, users["analyst"], ("vpdq", known))
    add(own, users["analyst"], ("vpdq", video_value(12, frames=20)))
    # A copy of seconds 5..14, every frame re-encoded (a few bits off), re-timed from 0.
    trimmed = [
        Frame(flip(f.pdq, 6, seed=n), f.quality, float(n))
        for n, f in enumerate(_frames(known)[5:15])
    ]
    [lookup] = find([ComputedSignal("vpdq", Vpdq.serialise(trimmed))])
    [hit] = lookup.hits
    assert hit.entry == entry
    assert hit.query_share == 100.0
    assert hit.known_share == 50.0
    assert hit.segments == ((5.0, 14.0),)
    assert hit.distance == 6


def test_a_video_sharing_few_frames_is_not_a_match(users):
    own = bank(users["coordinator"])
    known = _frames(video_value(21, frames=20))
    add(own, users["analyst"], ("vpdq", Vpdq.serialise(known)))
    # 2 of 12 frames shared: neither share reaches 80%.
    mixed = known[:2] + _frames(video_value(22, frames=10))
    [lookup] = find([ComputedSignal("vpdq", Vpdq.serialise(mixed))])
    assert lookup.hits == []


def test_match_item_links_to_the_known_case_once(users):
    known_item, _ = approved_item(users)
    own = bank(users["coordinator"])
    value = random_pdq(30)
    add(own, users["analyst"], ("pdq", value), item=known_item)
    item_signals(known_item, [pdq(value)])
    assert match_item(known_item) == []  # its own hash is not a re-upload

    new_item = reported_item()
    item_signals(new_item, [pdq(flip(value, 4)), ComputedSignal("md5", "b" * 32)])
    [match] = match_item(new_item)
    assert match.distance == 4 and match.entry.item == known_item
    event = CaseEvent.objects.get(item=new_item, kind=CaseEvent.Kind.MATCHED)
    assert event.data["known_case"] == known_item.case.reference
    assert match_item(new_item) == []  # run twice: nothing new
    assert Match.objects.count() == 1


def test_prefill_needs_a_reviewers_permission_and_still_goes_to_review(users):
    known_item, assessment = approved_item(users)
    own = bank(users["coordinator"])
    value = random_pdq(40)
    [entry] = add(own, users["analyst"], ("pdq", value), item=known_item)
    new_item = reported_item()
    item_signals(new_item, [pdq(flip(value, 2))])
    [match] = match_item(new_item)
    with pytest.raises(Conflict):
        assess_from_match(match, actor=users["analyst"])
    allow_prefill(entry, assessment, actor=users["reviewer"])
    match.refresh_from_db()
    created = assess_from_match(match, actor=users["analyst"])
    new_item.refresh_from_db()
    assert new_item.status == Item.Status.AWAITING_REVIEW
    assert created.author == users["analyst"]
    # Cited as the law stands on the re-upload's date: a renumbered article by its successor.
    today = default_facts_on(new_item)
    assert created.legal_bases == [
        taxonomy.basis_in_force(code, today).code for code in assessment.legal_bases
    ]
    assert created.facts_on == today
    # The reasons go to the platform unchanged; where they came from stays on our timeline.
    assert created.reasons == assessment.reasons
    event = CaseEvent.objects.get(item=new_item, kind=CaseEvent.Kind.PREFILLED)
    assert event.data["known_case"] == known_item.case.reference
    assert event.data["from_assessment"] == str(assessment.id)


@pytest.mark.parametrize(
    ("phenomenon", "requested", "kept"),
    [("ncii", True, True), ("ncii", False, False), ("csam", True, False), ("", True, False)],
)
def test_media_is_kept_only_where_the_law_allows(phenomenon, requested, kept):
    item = reported_item()
    Item.objects.filter(pk=item.pk).update(phenomenon=phenomenon)
    item.refresh_from_db()
    assert may_keep_media(item, requested) is kept


@pytest.mark.parametrize("phenomenon", ["sextortion", "grooming", "ncii"])
def test_nothing_is_kept_of_a_case_depicting_a_minor_whatever_the_phenomenon(phenomenon):
    item = reported_item()
    Item.objects.filter(pk=item.pk).update(phenomenon=phenomenon)
    Case.objects.filter(pk=item.case_id).update(has_minor_depicted=True)
    item.refresh_from_db()
    assert may_keep_media(item, True) is False


def test_nothing_is_kept_when_a_report_gives_the_victim_as_a_minor():
    item = reported_item(victim_age_band="13-17", phenomenon="sextortion")
    item.refresh_from_db()
    assert may_keep_media(item, True) is False


def test_a_hash_whose_matching_task_was_lost_is_swept_by_the_worker(users):
    """A worker killed between recording the hash and matching it loses nothing."""
    import datetime as dt

    from django.core.management import call_command

    from flagdesk.matching.models import ItemSignal

    own = bank(users["coordinator"])
    value = random_pdq(50)
    add(own, users["analyst"], ("pdq", value))
    item = reported_item()
    [signal] = item_signals(item, [pdq(flip(value, 3))])
    # No task was ever queued (as if the process died before it could be): too recent first.
    call_command("worker", burst=True)
    assert not Match.objects.filter(item=item).exists()
    ItemSignal.objects.filter(pk=signal.pk).update(
        created_at=signal.created_at - dt.timedelta(minutes=10)
    )
    call_command("worker", burst=True)
    assert Match.objects.get(item=item).distance == 3
    signal.refresh_from_db()
    assert signal.checked_at is not None
    call_command("worker", burst=True)  # checked now: not queued again
    assert Match.objects.filter(item=item).count() == 1
