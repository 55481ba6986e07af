"""Keeps each process's PDQ and vPDQ-frame indexes in step with the database.

The database is the source of truth; an index is a cache that only proposes candidates, and every
hit is checked against the live entry and its bank before anyone sees it. So a stale index can
cost a moment's delay, never a wrong match. Each process:

- opens the newest snapshot on disk (``<MATCHING_INDEX_DIR>/<name>/CURRENT`` names it); snapshots
  are memory-mapped, so opening a 10M index takes milliseconds and its pages are shared;
- before each search, adds entries written since (ids above the snapshot's watermark, plus a
  look-back window because concurrent transactions commit ids out of order) and drops removed
  ones; the index's ``add`` replaces an id it already has, so re-reading a row is harmless;
- picks up a new snapshot written by ``rebuild`` (a worker task) on its next search.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from importlib import import_module
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from ..models import BankEntry
from ..signal_types import Pdq, Vpdq
from ..signal_types.vpdq import trusted_distinct
from .base import CODE_BYTES, Codes, HashIndex, Ids, SearchResult, codes_from_hex

log = logging.getLogger(__name__)

FRAME_BITS = 20  # a vPDQ frame's index id is entry_id << 20 | frame number
LOOK_BACK = timedelta(minutes=2)
WINDOW_EVERY_SECONDS = 1.0
# This many entries newer than a snapshot make it worth rebuilding (new processes replay them).
REBUILD_AFTER = 10_000
BATCH = 50_000
INDEX_NAMES = ("pdq", "vpdq")


def frame_id(entry_id: int, frame_no: int) -> int:
    return (entry_id << FRAME_BITS) | frame_no


def split_frame_id(index_id: int) -> tuple[int, int]:
    return index_id >> FRAME_BITS, index_id & ((1 << FRAME_BITS) - 1)


def index_class() -> type[HashIndex]:
    """The configured implementation (``MATCHING_INDEX_CLASS``, dotted path)."""
    path = getattr(settings, "MATCHING_INDEX_CLASS", "")
    if not path:
        from .mih import MultiIndexHashing

        return MultiIndexHashing
    module, _, name = path.rpartition(".")
    cls: type[HashIndex] = getattr(import_module(module), name)
    return cls


EntryRow = tuple[int, str, str, int | None]  # id, signal type, value, quality


def add_in_batches(index: HashIndex, rows: Iterable[EntryRow]) -> None:
    """Add entry rows to an index ``BATCH`` at a time: bounded memory for any bank size."""
    batch: list[EntryRow] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            index.add(*entry_codes(batch))
            batch = []
    if batch:
        index.add(*entry_codes(batch))


def entry_codes(entries: list[EntryRow]) -> tuple[Ids, Codes]:
    """Index ids and codes of entries given as (id, signal_type, value, quality) rows.

    Low-quality PDQ hashes (flat or tiny images) are left out: they would match each other.
    """
    ids: list[int] = []
    hexes: list[str] = []
    for entry_id, kind, value, quality in entries:
        if kind == Pdq.name:
            if Pdq.is_trusted(quality):
                ids.append(entry_id)
                hexes.append(value)
        else:
            frames = Vpdq.frames(value)
            kept = {f.pdq for f in trusted_distinct(frames)}
            for number, frame in enumerate(frames):
                if frame.pdq in kept:
                    kept.discard(frame.pdq)
                    ids.append(frame_id(entry_id, number))
                    hexes.append(frame.pdq)
    return np.asarray(ids, dtype=np.int64), codes_from_hex(hexes)


class IndexStore:
    """One named index (``pdq`` or ``vpdq`` frames) in one process."""

    def __init__(self, name: str, directory: Path) -> None:
        if name not in INDEX_NAMES:
            raise ValueError(f"unknown index {name!r}")
        self.name = name
        self.directory = Path(directory) / name
        self._lock = threading.RLock()
        self._index: HashIndex | None = None
        self._generation: str | None = None
        self._watermark = 0
        self._synced_at: datetime | None = None
        # Ids in the look-back window whose state (True = removed) this process applied.
        self._applied: dict[int, bool] = {}
        self._window_checked = float("-inf")

    # -- reading ----------------------------------------------------------------------------
    def search(self, queries: Codes, radius: int) -> SearchResult:
        with self._lock:
            index = self._current()
            return index.search(queries, radius)

    def __len__(self) -> int:
        with self._lock:
            return len(self._current())

    def _current(self) -> HashIndex:
        generation = self._read_current()
        if self._index is None or generation != self._generation:
            self._open(generation)
        return self._sync()

    def _read_current(self) -> str | None:
        try:
            return (self.directory / "CURRENT").read_text().strip() or None
        except FileNotFoundError:
            return None

    def _open(self, generation: str | None) -> None:
        cls = index_class()
        meta: dict[str, object] = {}
        if generation:
            path = self.directory / generation
            try:
                meta = self._meta(generation)
                self._index = cls.load(path / "index")
            except (OSError, ValueError) as exc:
                log.warning("index.snapshot_unreadable", extra={"index": self.name, "error": exc})
                generation, meta = None, {}
        if not generation:
            self._index = cls()
        self._generation = generation
        self._watermark = int(str(meta.get("watermark", 0)))
        self._applied, self._window_checked = {}, float("-inf")
        synced = meta.get("synced_at")
        self._synced_at = datetime.fromisoformat(str(synced)) if synced else None

    def _meta(self, generation: str) -> dict[str, Any]:
        """What ``rebuild`` wrote beside a snapshot (OSError or ValueError if unreadable)."""
        meta: dict[str, Any] = json.loads((self.directory / generation / "store.json").read_text())
        return meta

    def _sync(self) -> HashIndex:
        """Catch up with the database; cheap when nothing changed (one indexed range query).

        New ids are read on every search. The look-back window (rows added or removed lately,
        which catches transactions that committed an older id after a newer one) is read at
        most once a second, and only rows whose state this process has not applied yet are
        fetched whole.
        """
        index = self._index
        if index is None:
            raise RuntimeError("index not opened")
        base = BankEntry.objects.filter(signal_type=self.name)
        self._apply(index, base.filter(id__gt=self._watermark))
        if time.monotonic() - self._window_checked >= WINDOW_EVERY_SECONDS:
            started = timezone.now()
            since = (self._synced_at or started) - LOOK_BACK
            states = dict(
                base.filter(Q(added_at__gte=since) | Q(removed_at__gte=since)).values_list(
                    "id", "removed_at"
                )
            )
            todo = [i for i, gone in states.items() if self._applied.get(i) != (gone is not None)]
            if todo:
                self._apply(index, base.filter(id__in=todo))
            self._applied = {i: self._applied[i] for i in states if i in self._applied}
            self._synced_at = started
            self._window_checked = time.monotonic()
        return index

    def _apply(self, index: HashIndex, query: QuerySet[BankEntry]) -> None:
        """Add the live rows of ``query`` to the index and drop its removed ones."""
        recent = timezone.now() - 2 * LOOK_BACK
        gone: list[EntryRow] = []
        rows = query.order_by("id").values_list(
            "id", "signal_type", "value", "quality", "added_at", "removed_at"
        )

        def live() -> Iterator[EntryRow]:
            for entry_id, kind, value, quality, added_at, removed_at in rows.iterator(
                chunk_size=BATCH
            ):
                self._watermark = max(self._watermark, entry_id)
                if added_at >= recent or (removed_at is not None and removed_at >= recent):
                    self._applied[entry_id] = removed_at is not None
                if removed_at:
                    gone.append((entry_id, kind, value, quality))
                else:
                    yield entry_id, kind, value, quality

        add_in_batches(index, live())
        if gone:
            index.remove(entry_codes(gone)[0])

    # -- writing snapshots ------------------------------------------------------------------
    def is_stale(self) -> bool:
        """No snapshot while entries exist, or ``REBUILD_AFTER`` entries newer than it."""
        generation = self._read_current()
        watermark = 0
        if generation:
            try:
                watermark = int(self._meta(generation).get("watermark", 0))
            except (OSError, ValueError):
                generation = None
        newer = BankEntry.objects.filter(signal_type=self.name, id__gt=watermark)
        if not generation:
            return newer.exists()
        return newer[:REBUILD_AFTER].count() >= REBUILD_AFTER

    def rebuild(self) -> int:
        """Build the index afresh from the database and publish it as the new snapshot."""
        started = timezone.now()
        index = index_class()()
        watermark = 0
        query = BankEntry.objects.filter(signal_type=self.name, removed_at__isnull=True)

        def rows() -> Iterator[EntryRow]:
            nonlocal watermark
            values = query.order_by("id").values_list("id", "signal_type", "value", "quality")
            for row in values.iterator(chunk_size=BATCH):
                watermark = max(watermark, row[0])
                yield row

        add_in_batches(index, rows())
        compact = getattr(index, "compact", None)
        if callable(compact):
            compact()
        generation = f"{int(time.time() * 1000)}-{os.getpid()}"
        path = self.directory / generation
        index.save(path / "index")
        (path / "store.json").write_text(
            json.dumps({"watermark": watermark, "synced_at": started.isoformat()})
        )
        tmp = self.directory / f".CURRENT.{os.getpid()}"
        tmp.write_text(generation)
        os.replace(tmp, self.directory / "CURRENT")
        self._prune(keep=generation)
        with self._lock:
            self._index, self._generation = index, generation
            self._watermark, self._synced_at = watermark, started
            self._applied, self._window_checked = {}, float("-inf")
        return len(index)

    def _prune(self, keep: str) -> None:
        """Remove snapshots older than the previous one (readers may still map that one)."""
        snapshots = sorted(
            (p for p in self.directory.iterdir() if p.is_dir() and not p.name.startswith(".")),
            key=lambda p: p.stat().st_mtime,
        )
        for old in snapshots[:-2]:
            if old.name != keep:
                shutil.rmtree(old, ignore_errors=True)


_rebuilds: dict[tuple[str, str], threading.Thread] = {}


def _rebuild_in_thread(name: str) -> None:
    from django.db import connection

    try:
        store(name).rebuild()
    except Exception:  # a failed rebuild leaves the old snapshot; the next check retries
        log.exception("index.rebuild_failed", extra={"index": name})
    finally:
        connection.close()  # this thread's own connection


def refresh_stale_snapshots() -> list[str]:
    """Rebuild, in a background thread, each snapshot of this machine that lags behind.

    Called by ``flagdesk worker`` once a minute. A snapshot is stale when there is none while
    the banks hold hashes, or when ``REBUILD_AFTER`` or more entries came after it (every new
    process would replay them). Snapshots live on each machine's disk, so each machine's
    worker keeps its own; searches go on against the old snapshot meanwhile.
    """
    started = []
    for name in INDEX_NAMES:
        key = (str(settings.MATCHING_INDEX_DIR), name)
        running = _rebuilds.get(key)
        if running is not None and running.is_alive():
            continue
        if store(name).is_stale():
            thread = threading.Thread(
                target=_rebuild_in_thread, args=(name,), name=f"index-rebuild-{name}", daemon=True
            )
            _rebuilds[key] = thread
            thread.start()
            started.append(name)
    return started


_stores: dict[tuple[str, str], IndexStore] = {}
_stores_lock = threading.Lock()


def store(name: str) -> IndexStore:
    """This process's store for ``name`` under the configured index directory."""
    directory = Path(settings.MATCHING_INDEX_DIR)
    key = (str(directory), name)
    with _stores_lock:
        if key not in _stores:
            _stores[key] = IndexStore(name, directory)
        return _stores[key]


def reset_stores() -> None:
    """Forget every open index (tests, and after a database is replaced)."""
    with _stores_lock:
        _stores.clear()


__all__ = ["CODE_BYTES", "IndexStore", "frame_id", "reset_stores", "split_frame_id", "store"]
