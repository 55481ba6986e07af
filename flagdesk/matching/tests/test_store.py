"""The index store: snapshots on disk, catching up with the database, never a stale match."""

from __future__ import annotations

import numpy as np
import pytest
from django.conf import settings

from flagdesk.matching.index.base import codes_from_hex
from flagdesk.matching.index.store import reset_stores, split_frame_id, store
from flagdesk.matching.services.banks import remove_entry

from .factories import add, bank, flip, random_pdq, video_value

pytestmark = pytest.mark.django_db


def ids_near(name: str, value: str) -> set[int]:
    result = store(name).search(codes_from_hex([value]), 31)
    return {entry_id for entry_id, _ in result.hits(0)}


def test_rebuild_publishes_a_snapshot_that_a_new_process_opens(users):
    own = bank(users["coordinator"])
    values = [random_pdq(n) for n in range(50)]
    entries = add(own, users["analyst"], *[("pdq", v) for v in values])
    assert store("pdq").rebuild() == 50
    current = (settings.MATCHING_INDEX_DIR / "pdq" / "CURRENT").read_text()
    assert (settings.MATCHING_INDEX_DIR / "pdq" / current / "store.json").exists()

    reset_stores()  # as a freshly started worker would
    [late] = add(own, users["analyst"], ("pdq", random_pdq(99)))
    assert ids_near("pdq", flip(values[7], 9)) == {entries[7].pk}
    assert ids_near("pdq", random_pdq(99)) == {late.pk}
    assert len(store("pdq")) == 51


def test_removed_entries_leave_the_index_when_the_window_is_read(users, monkeypatch):
    own = bank(users["coordinator"])
    [entry] = add(own, users["analyst"], ("pdq", random_pdq(1)))
    assert ids_near("pdq", entry.value) == {entry.pk}
    remove_entry(entry, actor=users["reviewer"], reason="false positive: a meme template")
    # Within the second the index may still propose it (find() checks the database) ...
    monkeypatch.setattr("flagdesk.matching.index.store.WINDOW_EVERY_SECONDS", 0.0)
    # ... and once the look-back window is read, it is gone.
    assert ids_near("pdq", entry.value) == set()


def test_an_older_id_committed_late_is_picked_up_from_the_window(users, monkeypatch):
    own = bank(users["coordinator"])
    first, second = add(own, users["analyst"], ("pdq", random_pdq(1)), ("pdq", random_pdq(2)))
    monkeypatch.setattr("flagdesk.matching.index.store.WINDOW_EVERY_SECONDS", 0.0)
    assert ids_near("pdq", second.value) == {second.pk}
    # As if ``first`` had committed after ``second``: the index never saw it.
    store("pdq")._index.remove(np.asarray([first.pk], dtype=np.int64))  # type: ignore[union-attr]
    store("pdq")._applied.pop(first.pk, None)
    assert ids_near("pdq", first.value) == {first.pk}


def test_a_damaged_snapshot_falls_back_to_the_database(users):
    own = bank(users["coordinator"])
    [entry] = add(own, users["analyst"], ("pdq", random_pdq(5)))
    store("pdq").rebuild()
    directory = settings.MATCHING_INDEX_DIR / "pdq"
    current = (directory / "CURRENT").read_text()
    (directory / current / "store.json").write_text("{not json")
    reset_stores()
    assert ids_near("pdq", entry.value) == {entry.pk}


def test_video_frames_are_indexed_under_their_entry(users):
    own = bank(users["coordinator"])
    value = video_value(3, frames=6)
    [entry] = add(own, users["analyst"], ("vpdq", value))
    store("vpdq").rebuild()
    reset_stores()
    from flagdesk.matching.signal_types import Vpdq

    third = Vpdq.frames(value)[2].pdq
    [(index_id, distance)] = store("vpdq").search(codes_from_hex([third]), 31).hits(0)
    assert split_frame_id(index_id) == (entry.pk, 2)
    assert distance == 0


@pytest.mark.django_db(transaction=True)
def test_a_missing_or_lagging_snapshot_is_rebuilt_in_the_background(users, monkeypatch):
    from flagdesk.matching.index import store as store_module

    own = bank(users["coordinator"])
    add(own, users["analyst"], ("pdq", random_pdq(1)))
    assert store("pdq").is_stale()  # entries, but no snapshot yet
    assert not store("vpdq").is_stale()  # nothing to index
    assert store_module.refresh_stale_snapshots() == ["pdq"]
    for thread in list(store_module._rebuilds.values()):
        thread.join(timeout=60)
    assert (settings.MATCHING_INDEX_DIR / "pdq" / "CURRENT").exists()
    assert not store("pdq").is_stale()
    monkeypatch.setattr(store_module, "REBUILD_AFTER", 2)
    add(own, users["analyst"], ("pdq", random_pdq(2)))
    assert not store("pdq").is_stale()  # one newer entry: replaying it is cheap
    add(own, users["analyst"], ("pdq", random_pdq(3)))
    assert store("pdq").is_stale()
