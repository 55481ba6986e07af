"""Retro-matching: hashes just added to a bank, checked against the items we already hold.

Intake matches each new item hash against the banks; this is the other direction. When a
partner or an import adds hashes, open items whose media we hashed earlier may turn out to be
known: they get the same match and timeline event as at intake. The new entries go into a
temporary index of their own (the banks' index is not needed), and the open items' hashes are
searched against it in chunks.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Q

from flagdesk.cases.models import TERMINAL_STATUSES

from ..index.base import HashIndex
from ..index.store import add_in_batches, index_class
from ..models import BankEntry, ItemSignal, Match
from ..signal_types import ComputedSignal, Pdq, Vpdq, signal_type
from .matching import Hit, find_pdq, find_video, record_matches

CHUNK = 20_000


def _open_signals(kind: str) -> Q:
    return Q(signal_type=kind) & ~Q(item__status__in=list(TERMINAL_STATUSES))


def _exact_pairs(entries: list[BankEntry]) -> list[tuple[ItemSignal, Hit]]:
    by_key: dict[tuple[str, str], list[BankEntry]] = defaultdict(list)
    for entry in entries:
        by_key[(entry.signal_type, entry.value_key)].append(entry)
    query = Q()
    for kind, key in by_key:
        query |= Q(signal_type=kind, value_key=key)
    signals = ItemSignal.objects.filter(query).exclude(item__status__in=list(TERMINAL_STATUSES))
    return [
        (s, Hit(entry, 0))
        for s in signals.select_related("item")
        for entry in by_key[(s.signal_type, s.value_key)]
    ]


def _index_of(entries: list[BankEntry]) -> HashIndex:
    """A temporary index of just these entries (never saved)."""
    index = index_class()()
    add_in_batches(index, ((e.pk, e.signal_type, e.value, e.quality) for e in entries))
    return index


def _pdq_pairs(entries: list[BankEntry]) -> list[tuple[ItemSignal, Hit]]:
    index = _index_of(entries)
    if not len(index):
        return []
    pairs: list[tuple[ItemSignal, Hit]] = []
    signals = ItemSignal.objects.filter(_open_signals(Pdq.name)).select_related("item")
    batch: list[ItemSignal] = []
    for signal in signals.order_by("pk").iterator(chunk_size=CHUNK):
        if Pdq.is_trusted(signal.quality):
            batch.append(signal)
        if len(batch) >= CHUNK:
            pairs += _search_batch(index, batch)
            batch = []
    if batch:
        pairs += _search_batch(index, batch)
    return pairs


def _search_batch(index: HashIndex, batch: list[ItemSignal]) -> list[tuple[ItemSignal, Hit]]:
    query = [ComputedSignal(s.signal_type, s.value, s.quality) for s in batch]
    found = find_pdq(query, search=index.search)
    return [(signal, hit) for number, signal in enumerate(batch) for hit in found[number]]


def _video_pairs(entries: list[BankEntry]) -> list[tuple[ItemSignal, Hit]]:
    index = _index_of(entries)
    if not len(index):
        return []
    pairs: list[tuple[ItemSignal, Hit]] = []
    signals = ItemSignal.objects.filter(_open_signals(Vpdq.name)).select_related("item")
    for signal in signals.iterator(chunk_size=1000):
        query = ComputedSignal(signal.signal_type, signal.value, signal.quality)
        pairs += [(signal, hit) for hit in find_video(query, search=index.search)]
    return pairs


def retro_match(bank_id: int, first_id: int, last_id: int) -> list[Match]:
    """Match open items' hashes against the live entries ``first_id..last_id`` of a bank."""
    entries = list(
        BankEntry.objects.filter(
            bank_id=bank_id,
            bank__is_enabled=True,
            removed_at__isnull=True,
            pk__gte=first_id,
            pk__lte=last_id,
        ).select_related("bank", "item", "item__case", "case")
    )
    groups: dict[str, list[BankEntry]] = defaultdict(list)
    for entry in entries:
        groups[signal_type(entry.signal_type).index_kind].append(entry)
    pairs = _exact_pairs(groups["exact"]) if groups["exact"] else []
    if groups["hamming256"]:
        pairs += _pdq_pairs(groups["hamming256"])
    if groups["frames"]:
        pairs += _video_pairs(groups["frames"])
    return record_matches(pairs)
