"""Recording the hashes of an item's media and finding them in the banks.

``find`` answers "is this known?" without writing anything (the API and the look-up page);
``match_item`` records what an item's hashes matched, links the item to the known case on its
timeline, and is what intake runs in the background for every new hash.
"""

from __future__ import annotations

import base64
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

import numpy as np
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from flagdesk.accounts.permissions import require_role
from flagdesk.cases.models import Case, CaseEvent, Item
from flagdesk.cases.priority import recompute_priority
from flagdesk.cases.services.facts import victim_is_minor
from flagdesk.core import taxonomy

from ..index.base import Codes, SearchResult, codes_from_hex
from ..index.store import split_frame_id, store
from ..models import BankEntry, ItemSignal, Match
from ..signal_types import ComputedSignal, Pdq, Vpdq, signal_type
from ..signal_types.vpdq import QUERY_MATCH_PERCENT, Frame, trusted_distinct
from .banks import value_key
from .roles import HASHERS

if TYPE_CHECKING:
    from flagdesk.accounts.models import User

    from ..media import HashedMedia

SEGMENT_GAP_SECONDS = 2.0


@dataclass(frozen=True)
class Hit:
    """One live entry of an enabled bank that a signal matched."""

    entry: BankEntry
    distance: int
    query_share: float | None = None
    known_share: float | None = None
    segments: tuple[tuple[float, float], ...] = ()


@dataclass
class Lookup:
    """What one signal matched, or why it was not looked up."""

    signal: ComputedSignal
    hits: list[Hit] = field(default_factory=list)
    skipped: str = ""


def _live_entries(ids: Sequence[int]) -> dict[int, BankEntry]:
    rows = BankEntry.objects.filter(
        pk__in=list(ids), removed_at__isnull=True, bank__is_enabled=True
    ).select_related("bank", "item", "item__case", "case")
    return {e.pk: e for e in rows}


def _find_exact(signals: list[ComputedSignal]) -> dict[int, list[Hit]]:
    found: dict[int, list[Hit]] = defaultdict(list)
    if not signals:
        return found
    query = Q()
    for s in signals:
        query |= Q(signal_type=s.signal_type, value_key=s.value)
    rows = BankEntry.objects.filter(query, removed_at__isnull=True, bank__is_enabled=True)
    by_key: dict[tuple[str, str], list[BankEntry]] = defaultdict(list)
    for entry in rows.select_related("bank", "item", "item__case", "case"):
        by_key[(entry.signal_type, entry.value_key)].append(entry)
    for number, s in enumerate(signals):
        found[number] = [Hit(e, 0) for e in by_key[(s.signal_type, s.value)]]
    return found


Search = Callable[[Codes, int], SearchResult]


def find_pdq(signals: list[ComputedSignal], search: Search | None = None) -> dict[int, list[Hit]]:
    found: dict[int, list[Hit]] = defaultdict(list)
    if not signals:
        return found
    search = search or store("pdq").search
    result = search(codes_from_hex([s.value for s in signals]), Pdq.threshold)
    entries = _live_entries([int(i) for i in result.ids])
    for number in range(len(signals)):
        for entry_id, distance in result.hits(number):
            if entry_id in entries:
                found[number].append(Hit(entries[entry_id], distance))
    return found


def _segments(times: list[float]) -> tuple[tuple[float, float], ...]:
    """Runs of matched frame times, merged where the gap is at most two seconds."""
    runs: list[list[float]] = []
    for t in sorted(times):
        if runs and t - runs[-1][1] <= SEGMENT_GAP_SECONDS:
            runs[-1][1] = t
        else:
            runs.append([t, t])
    return tuple((round(a, 3), round(b, 3)) for a, b in runs)


def find_video(signal: ComputedSignal, search: Search | None = None) -> list[Hit]:
    """Frame-level search: each trusted query frame against every known frame at once."""
    query = trusted_distinct(Vpdq.frames(signal.value))
    if not query:
        return []
    search = search or store("vpdq").search
    result = search(codes_from_hex([f.pdq for f in query]), Vpdq.threshold)
    matched_query: dict[int, set[int]] = defaultdict(set)
    matched_known: dict[int, dict[int, int]] = defaultdict(dict)
    for q_no in range(len(query)):
        for index_id, distance in result.hits(q_no):
            entry_id, frame_no = split_frame_id(index_id)
            matched_query[entry_id].add(q_no)
            best = matched_known[entry_id].get(frame_no)
            matched_known[entry_id][frame_no] = distance if best is None else min(best, distance)
    entries = _live_entries(list(matched_query))
    hits = []
    for entry_id, q_frames in matched_query.items():
        entry = entries.get(entry_id)
        if entry is None:
            continue
        known: list[Frame] = Vpdq.frames(entry.value)
        known_trusted = len(trusted_distinct(known))
        query_share = 100.0 * len(q_frames) / len(query)
        known_share = 100.0 * len(matched_known[entry_id]) / max(known_trusted, 1)
        if max(query_share, min(known_share, 100.0)) < QUERY_MATCH_PERCENT:
            continue
        distances = list(matched_known[entry_id].values())
        hits.append(
            Hit(
                entry,
                int(np.median(distances)),
                query_share=round(query_share, 1),
                known_share=round(min(known_share, 100.0), 1),
                segments=_segments([known[n].timestamp for n in matched_known[entry_id]]),
            )
        )
    return hits


def find(signals: Sequence[ComputedSignal]) -> list[Lookup]:
    """Every live entry of every enabled bank that each signal matches, closest first."""
    lookups = [Lookup(s) for s in signals]
    exact, pdq, video = [], [], []
    for number, lookup in enumerate(lookups):
        kind = signal_type(lookup.signal.signal_type)
        if not kind.is_trusted(lookup.signal.quality):
            lookup.skipped = "low_quality"
        elif kind is Pdq:
            pdq.append(number)
        elif kind is Vpdq:
            video.append(number)
        else:
            exact.append(number)
    for numbers, finder in ((exact, _find_exact), (pdq, find_pdq)):
        found = finder([lookups[n].signal for n in numbers])
        for position, number in enumerate(numbers):
            lookups[number].hits = found[position]
    for number in video:
        lookups[number].hits = find_video(lookups[number].signal)
    for lookup in lookups:
        lookup.hits.sort(key=lambda h: (h.distance, -h.entry.pk))
    return lookups


def may_keep_media(item: Item, requested: bool = True) -> bool:
    """A copy (even a thumbnail) is kept only when asked for and the law allows it.

    CSAM and minors' sexting are never stored (legal.md: URLs and hashes only); neither is
    anything of a case where a minor is depicted or targeted, whatever the phenomenon (an
    image of a minor under sextortion or grooming is still an image of a minor), nor of an
    item whose report gives the victim's age as under 18. An item without a phenomenon yet is
    treated as if it might be CSAM.
    """
    pheno = taxonomy.phenomena().get(item.phenomenon)
    if not requested or pheno is None or not pheno.store_media:
        return False
    return not involves_minor(item)


def involves_minor(item: Item) -> bool:
    """A minor is depicted or targeted (the analyst's judgement on the case) or a report
    gives the victim's age as under 18."""
    case = Case.objects.filter(pk=item.case_id).values_list("has_minor_depicted", flat=True)
    if case.first():
        return True
    return victim_is_minor(item)


@transaction.atomic
def record_media(
    item: Item,
    media: HashedMedia,
    *,
    actor: User | None,
    source: str,
    keep_thumbnail: bool = False,
) -> list[ItemSignal]:
    """Store the hashes of media given for an item (never the media itself)."""
    if actor is not None:
        require_role(actor, *HASHERS)
    thumbnail = ""
    if media.thumbnail and may_keep_media(item, keep_thumbnail):
        thumbnail = base64.b64encode(media.thumbnail).decode()
    return record_signals(
        item,
        media.signals,
        actor=actor,
        source=source,
        media_kind=media.kind,
        media_size=media.size,
        thumbnail=thumbnail,
    )


@transaction.atomic
def record_signals(
    item: Item,
    signals: Sequence[ComputedSignal],
    *,
    actor: User | None,
    source: str,
    media_kind: str = "",
    media_size: int | None = None,
    thumbnail: str = "",
) -> list[ItemSignal]:
    """Store hashes given for an item without the media they came from: those of an upload
    (``record_media``), or those a reporter computed on their own device (the picture never
    reached us, so there is no size and no thumbnail). Values are validated here."""
    rows = []
    for s in signals:
        kind = signal_type(s.signal_type)
        value = kind.validate(s.value)
        rows.append(
            ItemSignal.objects.create(
                item=item,
                signal_type=kind.name,
                value=value,
                value_key=value_key(kind.name, value),
                quality=s.quality,
                source=source,
                media_kind=media_kind,
                media_size=media_size,
                thumbnail=thumbnail if kind.name in (Pdq.name, Vpdq.name) else "",
                added_by=actor,
            )
        )
    return rows


def match_item(item: Item) -> list[Match]:
    """Match every hash of the item against the banks; new matches go on the case timeline.

    Safe to run twice (a match per hash and entry is unique). Entries that came from this very
    item are not matches.
    """
    signals = list(item.signals.all())
    lookups = find([ComputedSignal(s.signal_type, s.value, s.quality) for s in signals])
    with transaction.atomic():
        created = record_matches(
            [
                (signal, hit)
                for signal, lookup in zip(signals, lookups, strict=True)
                for hit in lookup.hits
            ]
        )
        ItemSignal.objects.filter(pk__in=[s.pk for s in signals]).update(checked_at=timezone.now())
    return created


def is_own(signal: ItemSignal, entry: BankEntry) -> bool:
    """The entry came from this very item, or (a reporter's picture, known by its case only)
    from the item's own case: finding it again there is no re-upload."""
    if entry.item_id is not None:
        return entry.item_id == signal.item_id
    return entry.case_id is not None and entry.case_id == signal.item.case_id


def record_matches(pairs: list[tuple[ItemSignal, Hit]]) -> list[Match]:
    """Store each (item hash, hit) as a match once, with a timeline event for each new one.

    A hit on an entry that came from the same item (or, for a reporter's picture, from the
    item's own case) is not a re-upload and is skipped. The event names the known case: the
    known item's, else the case a reporter's picture belongs to (``BankEntry.case``).
    """
    created: list[Match] = []
    with transaction.atomic():
        for signal, hit in pairs:
            if is_own(signal, hit.entry):
                continue
            match, is_new = Match.objects.get_or_create(
                signal=signal,
                entry=hit.entry,
                defaults={
                    "item_id": signal.item_id,
                    "distance": hit.distance,
                    "query_share": hit.query_share,
                    "known_share": hit.known_share,
                    "segments": [list(s) for s in hit.segments],
                },
            )
            if not is_new:
                continue
            created.append(match)
            known = hit.entry.item
            known_case = known.case if known else hit.entry.case
            CaseEvent.objects.create(
                case_id=signal.item.case_id,
                item_id=signal.item_id,
                kind=CaseEvent.Kind.MATCHED,
                data={
                    "match": str(match.id),
                    "bank": hit.entry.bank.slug,
                    "signal_type": hit.entry.signal_type,
                    "distance": match.distance,
                    "known_item": str(known.pk) if known else None,
                    "known_case": known_case.reference if known_case else None,
                },
            )
        # The same content seen again: the item moves up the workbench (virality).
        recompute_priority({m.item_id for m in created})
    return created


def unchecked_items(
    *, older_than: timedelta = timedelta(minutes=5), limit: int = 1000
) -> list[str]:
    """Items with a hash that no matching run has checked for a while (a lost task)."""
    cutoff = timezone.now() - older_than
    ids = (
        ItemSignal.objects.filter(checked_at__isnull=True, created_at__lt=cutoff)
        .values_list("item_id", flat=True)
        .distinct()[:limit]
    )
    return [str(i) for i in ids]
