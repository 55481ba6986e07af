"""Exact radius search over 256-bit PDQ codes by multi-index hashing (the production index).

The bits are cut into ``m`` chunks, each with a direct-address table (offsets by chunk value +
positions). By the pigeonhole principle a code within radius ``r`` agrees with the query on
some chunk up to a few flipped bits (``_layout``), so probing those buckets and verifying each
candidate with the full popcount finds every hit, nothing more. When the probe balls get larger
than the bank (large radii), a blocked brute-force scan answers instead; both are exact.

Updates go to a small *delta* (scanned by brute force) and removals to a tombstone bitmap, so
the big *base* stays immutable and memory-mappable; ``compact`` folds both into a new base,
automatically once the delta passes ``delta_limit``. Base entries are stored in id order, so
``np.searchsorted`` maps an id to its row without a second index.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from . import _layout, _search, _storage
from ._delta import Delta, Words, check_codes, check_ids, readonly
from ._search import Base, Hits
from .base import CODE_BYTES, Codes, HashIndex, Ids, SearchResult

FORMAT = "flagdesk.mih"
FORMAT_VERSION = 1
MAX_RADIUS = 8 * CODE_BYTES
_NO_TOMBSTONES = readonly(np.zeros(0, dtype=np.bool_))
_ARRAYS = ("base_ids", "base_codes", "offsets", "positions", "dead", "delta_ids", "delta_codes")

Method = Literal["auto", "mih", "scan"]


class MultiIndexHashing(HashIndex):
    """Exact Hamming radius search with incremental add/remove, saved as memory-mapped files.

    ``tables``: chunk count; ``None`` picks the cheapest for the bank size at each rebuild
    (16 tables of 16 bits at 1M codes, 12 of 21-22 bits at 10M). ``typical_radius`` only tunes
    that choice; every radius is exact. ``delta_limit``: entries waiting in the delta (and
    tombstones) before an automatic ``compact``; ``None`` means max(50,000, 1% of the base).
    ``threads``: how many threads one batch of queries (or a rebuild) may use; default all CPUs.

    Threads may share an index: a lock makes each call atomic, and rebuilds happen outside it
    (see ``compact``). A batch of queries already uses ``threads`` cores.
    """

    def __init__(
        self,
        *,
        tables: int | None = None,
        typical_radius: int = 31,
        delta_limit: int | None = None,
        threads: int | None = None,
    ) -> None:
        if tables is not None:
            _layout.chunk_lengths(tables)  # ValueError for an impossible table count
        self._tables = tables
        self._typical_radius = _check_radius(typical_radius)
        self._delta_limit = delta_limit
        self._threads = threads or _search.default_threads()
        self._base: Base | None = None
        self._dead = np.zeros(0, dtype=np.bool_)
        self._n_dead = 0
        self._delta = Delta()
        self._lock = threading.RLock()  # guards the state above; held only briefly
        self._compacting = threading.Lock()  # one rebuild at a time, outside ``_lock``
        # While a rebuild runs: every update since its snapshot, to replay onto the new base.
        self._journal: list[tuple[Ids, Words | None]] | None = None

    # -- updates ---------------------------------------------------------------------------

    def add(self, ids: Ids, codes: Codes) -> None:
        """Add or replace. A batch that would overflow the delta is built into a new base."""
        ids = check_ids(ids)
        words = check_codes(codes, "codes", count=ids.shape[0])
        if not _unique(ids):
            raise ValueError("ids must be unique within one add() call")
        if ids.shape[0] == 0:
            return
        with self._lock:
            if len(self._delta) + ids.shape[0] <= self.delta_limit:
                self._apply(ids, words)
                return
        # Busy compacting elsewhere? A batch the delta can hold waits there; a bulk load waits.
        if not self._compact(ids, words, wait=ids.shape[0] > self.delta_limit):
            with self._lock:
                self._apply(ids, words)

    def remove(self, ids: Ids) -> None:
        ids = check_ids(ids)
        with self._lock:
            self._apply(ids, None)
            if self._n_dead <= self.delta_limit:
                return
        self._compact(wait=False)

    def compact(self) -> None:
        """Fold delta and tombstones into a new base: a full rebuild, ~3 s at 10M on 2 cores.

        The rebuild runs outside the lock, so searches (and updates) in other threads go on
        against the old base meanwhile; updates made during the rebuild are replayed onto the
        new base before it is swapped in.
        """
        with self._lock:
            if not (len(self._delta) or self._n_dead):
                return
        self._compact(wait=True)

    @property
    def delta_limit(self) -> int:
        """Every query scans the delta, so it is kept to ~1% of the base (0.1 ms/query at 10M)."""
        if self._delta_limit is not None:
            return self._delta_limit
        return max(50_000, self._base_size // 100)

    def _apply(self, ids: Ids, words: Words | None) -> None:
        """Add (``words``) or remove (``None``) in place; the caller holds the lock."""
        rows = self._base_rows(ids)
        if rows.size:
            if not self._n_dead:  # allocated on the first tombstone: 1 byte per entry saved
                self._dead = np.zeros(self._base_size, dtype=np.bool_)
            elif not self._dead.flags.writeable:
                self._dead = self._dead.copy()  # a loaded read-only map: this process's copy
            self._dead[rows] = True
            self._n_dead += int(rows.size)
        if words is None:
            self._delta.discard(ids)
        else:
            self._delta.put(ids, words)
        if self._journal is not None:  # copies: the caller may reuse its arrays meanwhile
            self._journal.append((ids.copy(), None if words is None else words.copy()))

    def _base_rows(self, ids: Ids) -> npt.NDArray[np.int64]:
        """Distinct live base rows holding any of ``ids``."""
        base = self._base
        if base is None or ids.shape[0] == 0:
            return np.zeros(0, dtype=np.int64)
        rows = np.searchsorted(base.ids, ids)
        inside = rows < base.size
        rows = np.sort(rows[inside][base.ids[rows[inside]] == ids[inside]])
        rows = rows[np.r_[True, rows[1:] != rows[:-1]]] if rows.size else rows  # np.unique: slow
        return rows[~self._dead[rows]] if self._n_dead else rows

    def _compact(
        self, extra_ids: Ids | None = None, extra_words: Words | None = None, *, wait: bool
    ) -> bool:
        """Rebuild from the live entries plus ``extra``; False if busy and not ``wait``-ing."""
        if not self._compacting.acquire(blocking=wait):
            return False
        try:
            with self._lock:
                ids, words = self._live_entries(extra_ids, extra_words)
                self._journal = []
            try:
                if ids.shape[0] > 1 and not bool(np.all(ids[1:] > ids[:-1])):
                    order = np.argsort(ids, kind="stable")
                    ids, words = ids[order], words[order]
                tables = self._tables or _layout.choose_tables(len(ids), self._typical_radius)
                base = Base.build(ids, words, tables, self._threads) if len(ids) else None
            except BaseException:
                with self._lock:
                    self._journal = None  # the old base stays, with every update applied
                raise
            with self._lock:  # one critical section: no update can slip between swap and replay
                journal, self._journal = self._journal or [], None
                self._base, self._dead, self._n_dead = base, np.zeros(0, np.bool_), 0
                self._delta = Delta()
                for replay_ids, replay_words in journal:
                    self._apply(replay_ids, replay_words)
            return True
        finally:
            self._compacting.release()

    def _live_entries(self, extra_ids: Ids | None, extra_words: Words | None) -> tuple[Ids, Words]:
        """Copies of every live (id, code), ``extra`` replacing the entries it names."""
        ids_parts, words_parts = [], []
        if self._base is not None:
            gone = self._base_rows(extra_ids) if extra_ids is not None else np.zeros(0, np.int64)
            if self._n_dead or gone.size:
                live = ~self._dead if self._n_dead else np.ones(self._base_size, np.bool_)
                live[gone] = False
                ids_parts.append(self._base.ids[live])
                words_parts.append(self._base.words[live])
            else:
                ids_parts.append(self._base.ids)
                words_parts.append(self._base.words)
        delta_ids, delta_words = self._delta.view()
        if extra_ids is not None and extra_words is not None:
            if delta_ids.shape[0]:
                keep = ~np.isin(delta_ids, extra_ids)
                delta_ids, delta_words = delta_ids[keep], delta_words[keep]
            ids_parts.append(extra_ids)
            words_parts.append(extra_words)
        ids_parts.append(delta_ids)
        words_parts.append(delta_words)
        return np.concatenate(ids_parts), np.concatenate(words_parts)

    # -- search ----------------------------------------------------------------------------

    def search(self, queries: Codes, radius: int, *, method: Method = "auto") -> SearchResult:
        """Every live (id, distance) within ``radius``, per query sorted by distance then id.

        ``method`` forces the table probe ("mih") or the scan ("scan"); both are exact, "auto"
        picks the cheaper by the cost model in ``_layout``.
        """
        words = check_codes(queries, "queries")
        radius = _check_radius(radius)
        if method not in ("auto", "mih", "scan"):
            raise ValueError(f"method must be 'auto', 'mih' or 'scan', got {method!r}")
        n_queries = words.shape[0]
        found: list[Hits] = []
        with self._lock:
            base = self._base
            if base is not None and n_queries:
                dead = readonly(self._dead) if self._n_dead else _NO_TOMBSTONES
                use_mih = method == "mih" or (
                    method == "auto"
                    and base.layout.plan(radius).cost(base.size) < _layout.scan_cost(base.size)
                )
                call = (
                    _search.mih_call(base, dead, radius)
                    if use_mih
                    else _search.scan_call(base.words, dead, radius)
                )
                q, rows, dist = _search.collect(call, words, self._threads)
                found.append((q, base.ids[rows], dist))
            delta_ids, delta_words = self._delta.view()
            if delta_ids.shape[0] and n_queries:
                call = _search.scan_call(delta_words, _NO_TOMBSTONES, radius)
                q, rows, dist = _search.collect(call, words, self._threads)
                found.append((q, delta_ids[rows], dist))
        return _search.merge(found, n_queries)

    # -- size and persistence --------------------------------------------------------------

    @property
    def _base_size(self) -> int:
        return 0 if self._base is None else self._base.size

    def __len__(self) -> int:
        return self._base_size - self._n_dead + len(self._delta)

    @property
    def nbytes(self) -> int:
        """Bytes of every array the index holds (the bench compares this with RSS)."""
        base = 0 if self._base is None else self._base.nbytes
        return base + self._dead.nbytes + self._delta.nbytes

    @property
    def tables(self) -> int:
        """Tables of the current base (0 while there is none)."""
        return 0 if self._base is None else len(self._base.layout.lengths)

    def save(self, directory: Path) -> None:
        """Persist base, tombstones and delta as they are (no compaction needed first)."""
        with self._lock:
            base = self._base
            delta_ids, delta_words = self._delta.view()
            arrays: dict[str, npt.NDArray[Any]] = {
                "base_ids": np.zeros(0, np.int64),
                "base_codes": np.zeros((0, CODE_BYTES), np.uint8),
                "offsets": np.zeros(0, np.uint32),
                "positions": np.zeros((0, 0), np.uint32),
                "dead": np.zeros(0, np.bool_),
            }
            if base is not None:
                arrays.update(
                    base_ids=base.ids,
                    base_codes=base.words.view(np.uint8),
                    offsets=base.offsets,
                    positions=base.positions,
                    dead=self._dead if self._n_dead else np.zeros(0, np.bool_),
                )
            arrays.update(delta_ids=delta_ids, delta_codes=delta_words.view(np.uint8))
            meta = {
                "format": FORMAT,
                "version": FORMAT_VERSION,
                "chunk_lengths": [] if base is None else base.layout.lengths.tolist(),
                "size": len(self),
                "tables": self._tables,
                "typical_radius": self._typical_radius,
                "delta_limit": self._delta_limit,
            }
            _storage.write_directory(Path(directory), arrays, meta)

    @classmethod
    def load(cls, directory: Path, *, mmap: bool = True) -> MultiIndexHashing:
        """Open a saved index; with ``mmap`` the base stays in the page cache, shared by workers.

        Opening maps files and reads no codes, so a 10M index opens in milliseconds. ``mmap=False``
        reads everything into private memory instead (transparent huge pages: faster probes).
        """
        directory = Path(directory)
        meta = _storage.read_meta(directory)
        if meta.get("format") != FORMAT or meta.get("version") != FORMAT_VERSION:
            raise ValueError(f"{directory} holds no {FORMAT} index of version {FORMAT_VERSION}")
        mode: Literal["r"] | None = "r" if mmap else None
        try:
            index = cls(
                tables=meta["tables"],
                typical_radius=meta["typical_radius"],
                delta_limit=meta["delta_limit"],
            )
            lengths = np.asarray(meta["chunk_lengths"], np.int64)
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"{directory}/meta.json is damaged: {error}") from None
        arrays = {name: _storage.read_array(directory, name, mmap_mode=mode) for name in _ARRAYS}
        n = _check_array(arrays, "base_ids", np.int64, None)
        _check_array(arrays, "base_codes", np.uint8, (n, CODE_BYTES))
        _check_array(arrays, "dead", np.bool_, (n,) if len(arrays["dead"]) else (0,))
        d = _check_array(arrays, "delta_ids", np.int64, None)
        _check_array(arrays, "delta_codes", np.uint8, (d, CODE_BYTES))
        if n:
            layout = _layout.Layout.for_lengths(lengths)
            _check_array(arrays, "offsets", np.uint32, (layout.offsets_size,))
            _check_array(arrays, "positions", np.uint32, (len(layout.lengths), n))
            index._base = Base(
                readonly(arrays["base_ids"]),
                readonly(arrays["base_codes"].view(np.uint64)),
                readonly(arrays["offsets"]),
                readonly(arrays["positions"]),
                layout,
            )
            index._n_dead = int(np.count_nonzero(arrays["dead"]))
            index._dead = readonly(arrays["dead"]) if index._n_dead else index._dead
        if d:
            index._delta.put(arrays["delta_ids"], arrays["delta_codes"].view(np.uint64))
        return index


def _unique(ids: Ids) -> bool:
    """No repeated id; O(n) for the usual already-sorted bulk load (np.unique took 7 s at 10M)."""
    if ids.shape[0] < 2 or bool(np.all(ids[1:] > ids[:-1])):
        return True
    ordered = np.sort(ids)
    return not bool(np.any(ordered[1:] == ordered[:-1]))


def _check_radius(radius: int) -> int:
    if isinstance(radius, bool) or not isinstance(radius, int | np.integer):
        raise ValueError(f"radius must be an integer, got {type(radius).__name__}")
    if not 0 <= radius <= MAX_RADIUS:
        raise ValueError(f"radius must be between 0 and {MAX_RADIUS}, got {radius}")
    return int(radius)


def _check_array(
    arrays: dict[str, npt.NDArray[Any]], name: str, dtype: Any, shape: tuple[int, ...] | None
) -> int:
    """Refuse a saved array of the wrong type or shape; return its length."""
    array = arrays[name]
    if array.dtype != np.dtype(dtype) or (shape is None and array.ndim != 1):
        raise ValueError(f"{name}.npy must be a 1-D {np.dtype(dtype)} array")
    if shape is not None and array.shape != shape:
        raise ValueError(f"{name}.npy has shape {array.shape}, expected {shape}")
    return int(array.shape[0])
